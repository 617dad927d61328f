"""The loopback upstream a fork's anvil talks to, so anvil never sees the user's RPC.

``ForkUpstream(transport)`` serves JSON-RPC on 127.0.0.1 (a random port, one thread per connection)
and forwards every request, single or batch, through ``RpcTransport.forward``: reads are retried with
backoff and fail over across the user's URLs, the chain id is pinned, and URLs appear only redacted.
anvil is started with ``--fork-url`` pointing here, so no API key is on any command line, and a
flaky node costs a retry, not the fork. The node's error objects pass through unchanged; a node
that cannot be reached after the retries is an HTTP 503 with a JSON-RPC error (anvil may retry it).
Sends are refused: a fork never forwards a transaction to the real chain. Nothing is logged.
"""

from __future__ import annotations

import json
import sys
import threading
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


class ForkUpstream:
    """A threaded loopback JSON-RPC server forwarding to ``transport``; ``close()`` stops it."""

    def __init__(self, transport: RpcTransport) -> None:
        self.transport = transport
        self.forwarded = 0
        self.failed = 0
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

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.transport.close()

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


__all__ = ["ForkUpstream"]
