"""Dry-runs on an anvil fork: send unsigned transactions as the wallet (impersonated, no key needed),
play the venue's keeper, and read the result, leaving the real chain untouched."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from hedgefi.chain.revert import DecodedRevert, ErrorDecoder
from hedgefi.sim.anvil import AnvilNode, fork
from hedgefi.chain.local import rpc_request
from hedgefi.core.errors import DevnetError

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection
    from hedgefi.venues.base import UnsignedTx


@dataclass
class ForkSession:
    node: AnvilNode
    conn: "Connection"

    def impersonate(self, address: str) -> None:
        rpc_request(self.node.rpc_url, "anvil_impersonateAccount", [address])

    def send_as(self, sender: str, utx: "UnsignedTx", decoder: ErrorDecoder) -> dict[str, Any]:
        """Send ``utx`` from the impersonated ``sender``; a revert raises with the decoded reason."""
        from hedgefi.chain.tx import TxRevertedError, simulate

        simulate(self.conn, sender, utx, decoder)
        call = utx.as_call(sender)
        call["gas"] = hex(10_000_000)
        tx_hash = rpc_request(self.node.rpc_url, "eth_sendTransaction", [call])
        deadline = time.monotonic() + 30
        while True:
            receipt = rpc_request(self.node.rpc_url, "eth_getTransactionReceipt", [tx_hash])
            if receipt:
                break
            if time.monotonic() > deadline:
                raise DevnetError(f"fork transaction {tx_hash} was not mined")
            time.sleep(0.05)
        if receipt["status"] != "0x1":
            raise TxRevertedError(utx.description, DecodedRevert("Unknown", {}, "reverted on the fork"))
        return dict(receipt)


@contextmanager
def fork_session(conn: "Connection") -> Iterator[ForkSession]:
    """An anvil fork of ``conn``'s chain at its latest block, connected with the same profile. anvil
    reaches the chain only through a loopback upstream over ``conn``'s URLs (see ``sim.anvil.fork``)
    and dies with this process."""
    from hedgefi.chain.rpc import connect

    node = fork(conn.transport.urls, expected_chain_id=conn.chain_id)
    try:
        yield ForkSession(node, connect(conn.profile, node.rpc_url, verify_now=True))
    finally:
        node.stop()


__all__ = ["ForkSession", "fork_session"]
