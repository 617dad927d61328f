"""The loopback upstream a fork's anvil talks to, so anvil never sees the user's RPC.

``ForkUpstream(transport)`` serves JSON-RPC on 127.0.0.1 (a random port, one thread per connection)
and forwards every request, single or batch, through ``RpcTransport.forward``: reads are retried with
backoff and fail over across the user's URLs, the chain id is pinned, and URLs appear only redacted.
anvil is started with ``--fork-url`` pointing here, so no API key is on any command line, and a
flaky node costs a retry, not the fork. The node's error objects pass through unchanged; a node
that cannot be reached after the retries is an HTTP 503 with a JSON-RPC error (anvil may retry it).
Sends are refused: a fork never forwards a transaction to the real chain. Nothing is logged.

**Learned prefetch.** anvil fetches a fork's state lazily, one account or slot per request (a GMX order's
execution: about 400 storage slots, each a round trip to the user's RPC). The upstream notes which accounts and
slots a fork asked for (``asked``, by method and parameters without the block) and ``prefetch(keys, block)``
fetches a list of them at the fork's block in a few JSON-RPC batches before anvil asks; anvil's requests for
them are then answered from that cache. ``sim.anvil.fork`` keeps the list per chain in the data folder
(``fork-prefetch/<chain id>.json``), so a rebalance run from cron fetches last run's state in bulk. Only reads
pinned to the prefetched block are served from the cache; the values are the node's own answers.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hedgefi.chain.transport import SEND_METHODS, RpcTransport
from hedgefi.core.errors import HedgefiError, RpcUnreachableError

UNREACHABLE_CODE = -32603  # JSON-RPC "internal error": the upstream did not answer
REFUSED_CODE = -32601      # "method not found": sends are not forwarded


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is normal; anything else is a bug, named by its type only (a
        traceback or message could carry the user's URL)."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError):
            print(f"hedgefi: fork upstream: internal error ({type(exc).__name__})", file=sys.stderr)


def send_json(handler: BaseHTTPRequestHandler, status: int, content: bytes) -> None:
    """Answer an HTTP request with a JSON body (loopback servers: this upstream, ``testing.rpc_proxy``)."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(content)))
    handler.end_headers()
    handler.wfile.write(content)


# the fork's lazy state reads: their last parameter is the block; the rest names the account (and slot)
STATE_METHODS = frozenset({"eth_getStorageAt", "eth_getAccountInfo", "eth_getBalance", "eth_getCode",
                           "eth_getTransactionCount"})
ACCOUNT_METHODS = frozenset({"eth_getAccountInfo", "eth_getBalance", "eth_getCode", "eth_getTransactionCount"})
PREFETCH_BATCH = 200       # requests per JSON-RPC batch (public RPCs cap batches at a few hundred)
MAX_LEARNED = 5000         # state reads remembered per chain (the newest)

StateKey = tuple[str, str]     # (method, JSON of the parameters before the block)


def state_key(item: dict[str, Any]) -> tuple[StateKey, str] | None:
    """(the key, the block tag) of a lazy state read, None for any other request."""
    method, params = item.get("method"), item.get("params")
    if method not in STATE_METHODS or not isinstance(params, list) or not params:
        return None
    return (str(method), json.dumps([str(p).lower() for p in params[:-1]])), str(params[-1]).lower()


class ForkUpstream:
    """A threaded loopback JSON-RPC server forwarding to ``transport``; ``close()`` stops it."""

    def __init__(self, transport: RpcTransport) -> None:
        self.transport = transport
        self.forwarded = 0
        self.failed = 0
        self.asked: dict[StateKey, None] = {}         # the state reads the fork made, in order
        self.cache: dict[tuple[StateKey, str], Any] = {}   # prefetched answers by (key, block tag)
        self.served_from_cache = 0
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = upstream.answer(body)
                send_json(self, status, json.dumps(answer).encode())

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="hedgefi-fork-upstream",
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, body: bytes) -> tuple[int, Any]:
        """The HTTP status and JSON answer for one request body from anvil."""
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, _error(None, -32700, "parse error")
        items = payload if isinstance(payload, list) else [payload]
        if not items or not all(isinstance(item, dict) for item in items):
            return 400, _error(None, -32600, "invalid request")
        if any(item.get("method") in SEND_METHODS for item in items):
            return 200, _errors(payload, REFUSED_CODE, "a fork does not forward transactions upstream")
        cached: dict[int, Any] = {}
        with self._lock:
            for i, item in enumerate(items):
                got = state_key(item)
                if got is None:
                    continue
                self.asked.setdefault(got[0])
                if got in self.cache:
                    cached[i] = {"jsonrpc": "2.0", "id": item.get("id"), "result": self.cache[got]}
            self.served_from_cache += len(cached)
        if cached:
            rest = [item for i, item in enumerate(items) if i not in cached]
            if not rest:
                return 200, [cached[i] for i in range(len(items))] if isinstance(payload, list) else cached[0]
            status, answer = self._forward(rest if isinstance(payload, list) else rest[0])
            if status != 200:
                return status, answer
            by_id = {a.get("id"): a for a in (answer if isinstance(answer, list) else [answer])
                     if isinstance(a, dict)}
            return 200, [cached[i] if i in cached else by_id.get(item.get("id"), _error(item.get("id"), UNREACHABLE_CODE,
                                                                                    "no answer upstream"))
                         for i, item in enumerate(items)]
        return self._forward(payload)

    def prefetch(self, keys: list[StateKey], block_tag: str) -> int:
        """Fetch ``keys`` at ``block_tag`` in a few batches into the cache; how many answered. A batch the node
        refuses is skipped (anvil then asks for those itself)."""
        block_tag = block_tag.lower()
        # anvil reads an account by eth_getAccountInfo, or by balance, nonce and code apart (it varies from run to
        # run): an account read once is fetched in every form
        accounts = {ps for m, ps in keys if m in ACCOUNT_METHODS}
        keys = list(dict.fromkeys([*keys, *[(m, ps) for ps in sorted(accounts) for m in sorted(ACCOUNT_METHODS)]]))
        fetched = 0
        for start in range(0, len(keys), PREFETCH_BATCH):
            chunk = keys[start:start + PREFETCH_BATCH]
            payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": [*json.loads(ps), block_tag]}
                       for i, (m, ps) in enumerate(chunk)]
            try:
                answer = self.transport.forward(payload)
            except HedgefiError:
                continue
            if not isinstance(answer, list):
                continue
            with self._lock:
                for a in answer:
                    if isinstance(a, dict) and "result" in a and isinstance(a.get("id"), int) \
                            and 0 <= a["id"] < len(chunk):
                        self.cache[(chunk[a["id"]], block_tag)] = a["result"]
                        fetched += 1
        return fetched

    def _forward(self, payload: Any) -> tuple[int, Any]:
        try:
            result = self.transport.forward(payload)
        except RpcUnreachableError as exc:
            self.failed += 1
            return 503, _errors(payload, UNREACHABLE_CODE, exc.message)
        except HedgefiError as exc:   # a chain id mismatch after a failover, a malformed answer
            self.failed += 1
            return 200, _errors(payload, UNREACHABLE_CODE, exc.message)
        self.forwarded += 1
        return 200, result

    def learn(self, path: Path) -> list[StateKey]:
        """Keep the state reads this fork makes in ``path`` (merged with what is there, on ``close``); the keys
        the earlier forks asked for, newest first, to ``prefetch``."""
        self._learn = path
        try:
            raw = json.loads(path.read_text())
            known = [(str(m), str(p)) for m, p in raw if m in STATE_METHODS] if isinstance(raw, list) else []
        except (OSError, ValueError, TypeError):
            known = []
        self._known = known
        return list(known)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.transport.close()
        path = getattr(self, "_learn", None)
        if path is not None and self.asked:
            with self._lock:
                merged = list(dict.fromkeys([*reversed(list(self.asked)), *self._known]))[:MAX_LEARNED]
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps(merged))
                tmp.replace(path)
            except OSError:
                pass            # a cache: a read-only data folder costs the next fork its speed only

    def __enter__(self) -> "ForkUpstream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def _errors(payload: Any, code: int, message: str) -> Any:
    if isinstance(payload, list):
        return [_error(item.get("id"), code, message) for item in payload]
    return _error(payload.get("id"), code, message)


__all__ = ["ForkUpstream", "StateKey", "state_key", "STATE_METHODS"]
