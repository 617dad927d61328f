"""Minimal ABI helpers for hot read paths: selectors, call encoding and tolerant decoding.

Batch reads encode calls with eth_abi directly (no web3 contract objects): faster, and a failed
decode becomes a per-row error instead of an exception for the whole batch.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence


@lru_cache(maxsize=512)
def selector(signature: str) -> bytes:
    """First four bytes of keccak256 of a canonical signature such as ``balanceOf(address)``."""
    from eth_utils.abi import function_signature_to_4byte_selector

    return bytes(function_signature_to_4byte_selector(signature))


def encode_call(signature: str, types: Sequence[str] = (), args: Sequence[Any] = ()) -> bytes:
    from eth_abi.abi import encode

    return selector(signature) + (encode(list(types), list(args)) if types else b"")


class AbiDecodeError(ValueError):
    """The bytes are not a valid ABI encoding of the asked types (short, bad padding, bad UTF-8...)."""


def decode(types: Sequence[str], data: bytes) -> tuple[Any, ...]:
    """ABI-decode ``data``; a malformed payload raises ``AbiDecodeError`` (and nothing else does)."""
    from eth_abi.abi import decode as _decode
    from eth_abi.exceptions import DecodingError

    try:
        return tuple(_decode(list(types), data))
    except (DecodingError, UnicodeDecodeError, OverflowError) as exc:
        raise AbiDecodeError(f"cannot decode {list(types)} from {len(data)} bytes: {exc}") from exc


def decode_string_or_bytes32(data: bytes) -> str:
    """ERC-20 ``symbol()`` as ``string`` or, on old tokens, ``bytes32``."""
    if len(data) == 32:
        return data.rstrip(b"\0").decode("utf-8", errors="replace")
    (text,) = decode(["string"], data)
    return str(text)


__all__ = ["selector", "encode_call", "decode", "decode_string_or_bytes32", "AbiDecodeError"]
