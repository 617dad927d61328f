"""JSON-RPC over HTTP with retries for reads, failover across RPC URLs, and no blind retry of sends.

- Reads (every method but ``eth_sendRawTransaction`` / ``eth_sendTransaction``) are retried with
  exponential backoff on timeouts, dropped connections, HTTP 429 and 5xx and unparseable (truncated)
  bodies, then the next RPC URL is tried. A URL is used only after its ``eth_chainId`` matched.
- Sends are attempted once. If the answer is lost, the caller cannot know whether the node got the
  transaction: ``SendOutcomeUnknownError`` says so, and the journal resolves it by hash, never by resending
  something new.
- Errors name URLs only in redacted form (they carry API keys).
- ``RpcTransport.loopback(url)`` is the light mode for a node hedgefi itself runs on 127.0.0.1 (devnet,
  dry-run forks): one attempt, no chain-id pinning. ``node_call(url, method, params)`` is the one-call
  helper over a cached transport per URL (light mode on loopback, retries elsewhere).
  ``forward(payload)`` passes a parsed request or batch through under the same policy (the fork's
  loopback upstream, ``sim.upstream``). This module owns the only HTTP client in hedgefi.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any, Callable
from urllib.parse import urlsplit

import httpx

from hedgefi.chain.redact import redact_url
from hedgefi.core.errors import ChainError, ChainIdMismatchError, RpcError, RpcUnreachableError

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
                 trips: Counter[str] | None = None, sleep: Callable[[float], None] = time.sleep,
                 backoff_s: tuple[float, ...] = BACKOFF_S) -> None:
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
        self.backoff_s = backoff_s
        self._id = 0

    @classmethod
    def loopback(cls, url: str, *, timeout: float = 30.0) -> "RpcTransport":
        """The light mode for a node on this machine: one attempt per request, no chain-id pinning."""
        return cls([url], timeout=timeout, backoff_s=())

    @property
    def url(self) -> str:
        return self.urls[self.index]

    # ---------------------------------------------------------------- low level
    def _post(self, url: str, payload: Any, timeout: float | None = None) -> Any:
        self.trips["total"] += 1
        try:
            if timeout is None:
                resp = self.client.post(url, json=payload)
            else:
                resp = self.client.post(url, json=payload, timeout=timeout)
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

    def _with_policy(self, build: Callable[[], Any], *, is_send: bool, verify_first: bool,
                     timeout: float | None) -> tuple[Any, Any]:
        """Post ``build()`` (called afresh for every attempt) under the retry and failover policy:
        reads are retried with backoff then fail over, sends are attempted once. The wire payload
        and the parsed body of the attempt that answered."""
        last_reason = ""
        for offset in range(len(self.urls)):
            i = (self.index + offset) % len(self.urls)
            attempts = 1 if is_send else len(self.backoff_s) + 1
            for attempt in range(attempts):
                try:
                    if offset or not verify_first:
                        self._verify(i)
                    payload = build()
                    body = self._post(self.urls[i], payload, timeout)
                    self.index = i
                    return payload, body
                except _Retryable as exc:
                    last_reason = str(exc)
                    if is_send and i in self.verified:
                        raise SendOutcomeUnknownError(
                            f"the RPC at {redact_url(self.urls[i])} did not answer the send ({last_reason}); "
                            "the transaction may have been sent: run `hedgefi tx resume` before trying again") from exc
                    if isinstance(exc, _Failover) or is_send:
                        break
                    if attempt < attempts - 1:
                        self.sleep(self.backoff_s[attempt])
        names = ", ".join(redact_url(u) for u in self.urls)
        raise RpcUnreachableError(f"cannot reach the RPC at {names} ({last_reason}); is the node running?")

    def _exchange(self, calls: list[tuple[str, list[Any]]], *, verify_first: bool,
                  timeout: float | None = None) -> list[dict[str, Any]]:
        def build() -> Any:
            payload = self._payload(calls)
            return payload if len(payload) > 1 else payload[0]

        wire, body = self._with_policy(build, is_send=any(m in SEND_METHODS for m, _ in calls),
                                       verify_first=verify_first, timeout=timeout)
        return _as_list(body, wire if isinstance(wire, list) else [wire])

    # ---------------------------------------------------------------- API
    def post_raw(self, body: bytes) -> tuple[int, bytes]:
        """Forward an already-encoded JSON-RPC body to the current URL once; its status and raw bytes
        (for loopback tools such as ``testing.rpc_proxy`` that must pass answers through unchanged)."""
        self.trips["total"] += 1
        resp = self.client.post(self.url, content=body, headers={"Content-Type": "application/json"})
        return resp.status_code, resp.content

    def forward(self, payload: Any, *, timeout: float | None = None) -> Any:
        """Forward a parsed JSON-RPC request or batch as it is (its own ids) under the same policy as
        ``request`` (retries for reads, failover, chain id checked before a URL's first use); the
        node's parsed answer, error objects included. For ``sim.upstream``, the fork's upstream."""
        items = payload if isinstance(payload, list) else [payload]
        methods = [str(item.get("method")) for item in items if isinstance(item, dict)]
        for m in methods:
            self.methods[m] += 1
        _, body = self._with_policy(lambda: payload, is_send=any(m in SEND_METHODS for m in methods),
                                    verify_first=False, timeout=timeout)
        return body

    def request(self, method: str, params: list[Any], *, timeout: float | None = None) -> dict[str, Any]:
        return self._exchange([(method, params)], verify_first=False, timeout=timeout)[0]

    def call(self, method: str, params: list[Any] | None = None, *, timeout: float | None = None) -> Any:
        """One request's ``result``; an error object raises ``RpcError`` with its code and data."""
        return result_of(self.request(method, params or [], timeout=timeout), method, self.url)

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """Several requests in one HTTP round trip (the first may be the chain-id check itself)."""
        return self._exchange(calls, verify_first=calls[0][0] == "eth_chainId")

    def close(self) -> None:
        self.client.close()

    def mark_verified(self) -> None:
        self.verified.add(self.index)


def result_of(response: dict[str, Any], method: str, url: str) -> Any:
    """The ``result`` of one JSON-RPC response, or ``RpcError`` carrying the error's code and data."""
    if "error" in response:
        error = response["error"]
        if isinstance(error, dict):
            message, code, data = error.get("message", error), error.get("code"), error.get("data")
        else:
            message, code, data = error, None, None
        raise RpcError(f"{method} failed at {redact_url(url)}: {message}",
                       code=code if isinstance(code, int) else None, data=data)
    return response.get("result")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


_TRANSPORTS: dict[str, RpcTransport] = {}


def transport_for(url: str) -> RpcTransport:
    """A cached transport for ``url``: the light mode on loopback, retries with backoff elsewhere."""
    transport = _TRANSPORTS.get(url)
    if transport is None:
        transport = RpcTransport.loopback(url) if is_loopback(url) else RpcTransport([url], timeout=30.0)
        _TRANSPORTS[url] = transport
    return transport


def node_call(url: str, method: str, params: list[Any] | None = None, *, timeout: float | None = None) -> Any:
    """One JSON-RPC call through the cached transport for ``url`` (node control, keepers, forks)."""
    return transport_for(url).call(method, params, timeout=timeout)


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


__all__ = ["RpcTransport", "SendOutcomeUnknownError", "SEND_METHODS", "result_of", "is_loopback", "transport_for",
           "node_call"]
