"""Node control over the one transport: single calls and receipt polling for keepers, forks and the devnet.

``rpc_request(url, method, params)`` is ``transport.node_call``: the light loopback mode of
``RpcTransport`` for a node hedgefi runs itself, retries with backoff for any other URL. A JSON-RPC
error object raises ``RpcError`` (with its code and data), a node that does not answer
``RpcUnreachableError``.
"""

from __future__ import annotations

import time
from typing import Any

from hedgefi.chain.transport import node_call
from hedgefi.core.errors import ChainError


def rpc_request(url: str, method: str, params: list[Any] | None = None, timeout: float | None = None) -> Any:
    """One JSON-RPC call's result (see the module docstring)."""
    return node_call(url, method, params, timeout=timeout)


def wait_receipt(url: str, tx: str, timeout_s: float = 30.0) -> dict[str, Any]:
    """The receipt of ``tx`` on a local node (keepers, oracles, test setup), polled every 50 ms. A
    transaction the node no longer knows (the chain was reverted under it) fails at once."""
    deadline = time.monotonic() + timeout_s
    polls = 0
    while time.monotonic() < deadline:
        r = rpc_request(url, "eth_getTransactionReceipt", [tx])
        if r:
            return dict(r)
        polls += 1
        if polls % 10 == 0 and rpc_request(url, "eth_getTransactionByHash", [tx]) is None:
            raise ChainError(f"transaction {tx} is gone (the chain was reverted under it)")
        time.sleep(0.05)
    raise ChainError(f"transaction {tx} was not mined within {timeout_s:.0f} s")


__all__ = ["rpc_request", "wait_receipt"]
