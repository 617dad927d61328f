"""Redaction of secrets in text meant for people: RPC URLs carry API keys, keys are never shown."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_HEX_KEY = re.compile(r"(?<![0-9a-fA-F])(0x)?[0-9a-fA-F]{64}(?![0-9a-fA-F])")


def redact_url(url: str) -> str:
    """Keep scheme, host and port; hide credentials, path and query (where API keys live)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<rpc url>"
    if not parts.scheme or not parts.hostname:
        return "<rpc url>"
    host = parts.hostname
    if parts.port:
        host = f"{host}:{parts.port}"
    hidden = bool(parts.path.strip("/") or parts.query or parts.username or parts.password)
    return f"{parts.scheme}://{host}" + ("/***" if hidden else "")


def redact_text(text: str, *urls: str) -> str:
    """Replace the given URLs and anything shaped like a 32-byte private key."""
    for url in urls:
        if url:
            text = text.replace(url, redact_url(url))
    return _HEX_KEY.sub("<redacted 32-byte hex>", text)


__all__ = ["redact_url", "redact_text"]
