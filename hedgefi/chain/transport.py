"""JSON-RPC over HTTP with retries for reads, failover across RPC URLs, and no blind retry of sends.

- Reads (every method but ``eth_sendRawTransaction`` / ``eth_sendTransaction``) are retried with
  exponential backoff on timeouts, dropped connections, HTTP 429 and 5xx and unparseable (truncated)
  bodies, then the next RPC URL is tried. A URL is used only after its ``eth_chainId`` matched.
- Sends are attempted once. If the answer is lost, the caller cannot know whether the node got the
  transaction: ``SendOutcomeUnknownError`` says so, and the journal resolves it by hash, never by resending
  something new.
- Errors name URLs only in redacted form (they carry API keys).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any, Callable

import httpx

from hedgefi.chain.redact import redact_url
from hedgefi.errors import ChainError, ChainIdMismatchError, RpcUnreachableError

SEND_METHODS = frozenset({"eth_sendRawTransaction", "eth_sendTransaction"})
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
BACKOFF_S = (0.1, 0.3, 0.9)


class SendOutcomeUnknownError(ChainError):
    """A send's answer was lost: the transaction may or may not have reached the node."""


class _Retryable(Exception):
    pass


class _Failover(_Retryable):
    """Retrying the same URL will not help (401/403/404...): move to the next one."""


class RpcTransport:
    def __init__(self, urls: list[str], *, timeout: float = 15.0, expected_chain_id: int | None = None,
                 profile_name: str = "", methods: Counter[str] | None = None,
                 trips: Counter[str] | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        if not urls:
            raise ValueError("at least one RPC URL is needed")
        self.urls = urls
        self.index = 0
        self.expected_chain_id = expected_chain_id
        self.profile_name = profile_name
        self.methods = methods if methods is not None else Counter()
        self.trips = trips if trips is not None else Counter()
        self.verified: set[int] = set()
        self.client = httpx.Client(timeout=timeout)
        self.sleep = sleep
        self._id = 0

    @property
    def url(self) -> str:
        return self.urls[self.index]

    # ---------------------------------------------------------------- low level
    def _post(self, url: str, payload: Any) -> Any:
        self.trips["total"] += 1
        try:
            resp = self.client.post(url, json=payload)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise _Retryable(type(exc).__name__) from exc
        if resp.status_code in RETRY_STATUS:
            raise _Retryable(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise _Failover(f"HTTP {resp.status_code}")
        try:
            return resp.json()
        except (json.JSONDecodeError, ValueError) as exc:
            raise _Retryable("malformed or truncated response") from exc

    def _payload(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        out = []
        for method, params in calls:
            self._id += 1
            self.methods[method] += 1
            out.append({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        return out

    def _verify(self, i: int) -> None:
        """Check a URL's chain id before its first use (failover targets included)."""
        if i in self.verified or self.expected_chain_id is None:
            return
        body = self._post(self.urls[i], self._payload([("eth_chainId", [])])[0])
        try:
            actual = int(body["result"], 16)
        except (KeyError, TypeError, ValueError):
            raise _Failover("no chain id in its answer") from None
        if actual != self.expected_chain_id:
            raise ChainIdMismatchError(self.expected_chain_id, actual, self.profile_name)
        self.verified.add(i)

    def _exchange(self, calls: list[tuple[str, list[Any]]], *, verify_first: bool) -> list[dict[str, Any]]:
        is_send = any(m in SEND_METHODS for m, _ in calls)
        last_reason = ""
        for offset in range(len(self.urls)):
            i = (self.index + offset) % len(self.urls)
            attempts = 1 if is_send else len(BACKOFF_S) + 1
            for attempt in range(attempts):
                try:
                    if offset or not verify_first:
                        self._verify(i)
                    payload = self._payload(calls)
                    body = self._post(self.urls[i], payload if len(payload) > 1 else payload[0])
                    self.index = i
                    return _as_list(body, payload)
                except _Retryable as exc:
                    last_reason = str(exc)
                    if is_send and i in self.verified:
                        raise SendOutcomeUnknownError(
                            f"the RPC at {redact_url(self.urls[i])} did not answer the send ({last_reason}); "
                            "the transaction may have been sent: run `hedgefi tx resume` before trying again") from exc
                    if isinstance(exc, _Failover) or is_send:
                        break
                    if attempt < attempts - 1:
                        self.sleep(BACKOFF_S[attempt])
        names = ", ".join(redact_url(u) for u in self.urls)
        raise RpcUnreachableError(f"cannot reach the RPC at {names} ({last_reason}); is the node running?")

    # ---------------------------------------------------------------- API
    def request(self, method: str, params: list[Any]) -> dict[str, Any]:
        return self._exchange([(method, params)], verify_first=False)[0]

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """Several requests in one HTTP round trip (the first may be the chain-id check itself)."""
        return self._exchange(calls, verify_first=calls[0][0] == "eth_chainId")

    def mark_verified(self) -> None:
        self.verified.add(self.index)


def _as_list(body: Any, payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(payload) == 1:
        if not isinstance(body, dict):
            raise ChainError("the RPC answered a single request with a batch")
        return [body]
    if not isinstance(body, list):
        # some nodes answer a batch they refuse with one error object
        raise ChainError(f"the RPC refused a batch request: {body.get('error') if isinstance(body, dict) else body}")
    by_id = {item.get("id"): item for item in body}
    return [by_id.get(p["id"], {"error": {"message": "missing from the batch answer"}}) for p in payload]


__all__ = ["RpcTransport", "SendOutcomeUnknownError", "SEND_METHODS"]
