"""A loopback JSON-RPC proxy that forwards to a node and counts requests per method.

Tests point the CLI at it to assert batching ("holdings is one eth_call"); ``scripts/bench`` will
use its ``delay_s`` to play a 50 ms-away RPC. It only ever listens on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


class CountingProxy:
    def __init__(self, upstream: str, *, delay_s: float = 0.0) -> None:
        self.upstream = upstream
        self.delay_s = delay_s
        self.counts: Counter[str] = Counter()
        self.http_requests = 0
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy._count(body)
                if proxy.delay_s:
                    time.sleep(proxy.delay_s)
                resp = proxy._client.post(proxy.upstream, content=body,
                                          headers={"Content-Type": "application/json"})
                self.send_response(resp.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(resp.content)))
                self.end_headers()
                self.wfile.write(resp.content)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _count(self, body: bytes) -> None:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        items = payload if isinstance(payload, list) else [payload]
        with self._lock:
            self.http_requests += 1
            for item in items:
                self.counts[str(item.get("method", "?"))] += 1

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.http_requests = 0

    def __enter__(self) -> "CountingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()


__all__ = ["CountingProxy"]
