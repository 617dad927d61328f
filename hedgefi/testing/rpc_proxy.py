"""A loopback JSON-RPC proxy that forwards to a node, counts requests per method, and injects faults.

Tests point the CLI at it to assert batching ("holdings is one eth_call"); ``scripts/bench`` uses its
``delay_s`` to play a 50 ms-away RPC; the fault suite queues faults for the next requests:
``"500"``, ``"429"``, ``"drop"`` (close without answering, the node never sees the request),
``"drop_after"`` (forward, then close: the answer is lost), ``"truncate"`` (half a body),
``"delay:SECONDS"``, ``"error_after:CODE:MESSAGE"`` (forward, then answer a JSON-RPC error instead: a
failover node that says "nonce too low" for the transaction the first one took); and
``lag_pending_nonce`` makes ``eth_getTransactionCount(.., "pending")`` answer that many less than the
truth, like a lagging node; ``unsupported = {"eth_simulateV1"}`` answers those methods with JSON-RPC error
-32601 "method not found" without forwarding them, like a node that does not serve them. ``randomize({"502": 0.05, ...}, seed=7)`` also injects faults at random, each
request drawing once from a seeded RNG (a flaky RPC, reproducible); ``injected`` counts the faults
injected, by kind. With ``record = True`` every forwarded request is kept with its answer (``records``,
``calls(method)``); ``after_answer(n, methods)`` runs after the node answered the n-th HTTP request and
before the proxy passes the answer on (a test changes the chain between two stages of a read). It only
ever listens on 127.0.0.1.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from hedgefi.chain.transport import RpcTransport
from hedgefi.sim.upstream import send_json


class CountingProxy:
    def __init__(self, upstream: str, *, delay_s: float = 0.0) -> None:
        self.upstream = upstream
        self.delay_s = delay_s
        self.counts: Counter[str] = Counter()
        self.http_requests = 0
        self.faults: list[str] = []
        self.fault_methods: set[str] | None = None   # only requests carrying one of these methods get faults
        self.lag_pending_nonce = 0
        self.unsupported: set[str] = set()
        self.random_faults: dict[str, float] = {}
        self.injected: Counter[str] = Counter()
        self.record = False                 # keep every forwarded request and its answer in ``records``
        self.records: list[dict[str, Any]] = []
        self.after_answer: Callable[[int, list[str]], None] | None = None
        self._rng = random.Random(0)
        self._lock = threading.Lock()
        self._upstream = RpcTransport.loopback(upstream, timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                methods = proxy._count(body)
                if proxy.delay_s:
                    time.sleep(proxy.delay_s)
                fault = proxy._next_fault(methods)
                if fault.startswith("delay:"):
                    time.sleep(float(fault.split(":", 1)[1]))
                    fault = ""
                if fault in ("500", "429", "502", "503"):
                    self._answer(int(fault), b'{"error": "injected"}')
                    return
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if proxy.unsupported & set(methods):
                    status, content = proxy._without_unsupported(body)
                    self._answer(status, content)
                    return
                status, raw = proxy._upstream.post_raw(body)
                content = proxy._rewrite(body, raw)
                proxy._record(body, content)
                if proxy.after_answer is not None:
                    proxy.after_answer(proxy.http_requests, methods)
                if fault == "drop_after":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault.startswith("error_after:"):
                    _, code, message = fault.split(":", 2)
                    content = proxy._error_for(body, int(code), message)
                if fault == "truncate":
                    content = content[: len(content) // 2]
                self._answer(status, content)

            def _answer(self, status: int, content: bytes) -> None:
                send_json(self, status, content)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _count(self, body: bytes) -> list[str]:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        items = payload if isinstance(payload, list) else [payload]
        methods = [str(item.get("method", "?")) for item in items]
        with self._lock:
            self.http_requests += 1
            for m in methods:
                self.counts[m] += 1
        return methods

    def _record(self, request: bytes, content: bytes) -> None:
        if not self.record:
            return
        try:
            req, resp = json.loads(request), json.loads(content)
        except ValueError:
            return
        reqs = req if isinstance(req, list) else [req]
        by_id = {r.get("id"): r for r in (resp if isinstance(resp, list) else [resp]) if isinstance(r, dict)}
        with self._lock:
            for r in reqs:
                answer = by_id.get(r.get("id"), {})
                self.records.append({"method": r.get("method"), "params": r.get("params"),
                                     "result": answer.get("result"), "error": answer.get("error")})

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The recorded requests of ``method`` (with ``record = True``), in order."""
        with self._lock:
            return [r for r in self.records if r["method"] == method]

    def randomize(self, rates: dict[str, float], *, seed: int) -> None:
        """Inject each fault kind with its probability per request (``{"502": 0.05, "drop_after": 0.03,
        "delay:2": 0.03}``), drawn from ``random.Random(seed)``; ``{}`` stops."""
        if sum(rates.values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        with self._lock:
            self.random_faults = dict(rates)
            self._rng = random.Random(seed)

    def _next_fault(self, methods: list[str]) -> str:
        with self._lock:
            if self.fault_methods is not None and not self.fault_methods & set(methods):
                return ""
            if self.faults:
                fault = self.faults.pop(0)
            else:
                fault = self._draw()
            if fault:
                self.injected[fault] += 1
            return fault

    def _draw(self) -> str:
        if not self.random_faults:
            return ""
        x = self._rng.random()
        for fault, rate in self.random_faults.items():
            if x < rate:
                return fault
            x -= rate
        return ""

    def _rewrite(self, request: bytes, content: bytes) -> bytes:
        if not self.lag_pending_nonce:
            return content
        try:
            req, resp = json.loads(request), json.loads(content)
        except ValueError:
            return content
        reqs = req if isinstance(req, list) else [req]
        resps = resp if isinstance(resp, list) else [resp]
        by_id = {r.get("id"): r for r in resps}
        for r in reqs:
            if r.get("method") == "eth_getTransactionCount" and r.get("params", [None, None])[1] == "pending":
                answer = by_id.get(r.get("id"))
                if answer and "result" in answer:
                    answer["result"] = hex(max(0, int(answer["result"], 16) - self.lag_pending_nonce))
        return json.dumps(resp).encode()

    def _without_unsupported(self, body: bytes) -> tuple[int, bytes]:
        """Answer the unsupported methods with -32601 and forward the rest (a batch keeps its order)."""
        req = json.loads(body)
        reqs = req if isinstance(req, list) else [req]
        answers: dict[Any, Any] = {}
        rest = [r for r in reqs if r.get("method") not in self.unsupported]
        for r in reqs:
            if r.get("method") in self.unsupported:
                self.injected["method_not_found"] += 1
                answers[r.get("id")] = {"jsonrpc": "2.0", "id": r.get("id"),
                                        "error": {"code": -32601, "message": "method not found"}}
        status = 200
        if rest:
            status, raw = self._upstream.post_raw(json.dumps(rest).encode())
            for a in json.loads(raw):
                answers[a.get("id")] = a
        out = [answers.get(r.get("id")) for r in reqs]
        return status, json.dumps(out if isinstance(req, list) else out[0]).encode()

    @staticmethod
    def _error_for(request: bytes, code: int, message: str) -> bytes:
        req = json.loads(request)
        reqs = req if isinstance(req, list) else [req]
        answers = [{"jsonrpc": "2.0", "id": r.get("id"), "error": {"code": code, "message": message}} for r in reqs]
        return json.dumps(answers if isinstance(req, list) else answers[0]).encode()

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.http_requests = 0
            self.faults = []
            self.fault_methods = None
            self.lag_pending_nonce = 0
            self.unsupported = set()
            self.random_faults = {}
            self.injected.clear()
            self.records = []
            self.after_answer = None

    def __enter__(self) -> "CountingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._upstream.close()


__all__ = ["CountingProxy"]
