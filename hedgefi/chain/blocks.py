"""The block a batched read ran at, read inside the read itself (no extra round trip).

Multicall3's ``getBlockNumber()`` is ``block.number``, which on Arbitrum is an L1 block number; the L2
block (what ``eth_blockNumber`` answers there, and what gTrade's ``createdBlock`` and timeouts count in)
is ``ArbSys(0x64).arbBlockNumber()``. ``block_number_calls`` asks the L2 one first on Arbitrum chains and
``block.number`` as the stand-in (an anvil fork without ArbSys fails the first call); ``block_number_from``
reads the first answer that came back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.multicall import Call, CallResult
from hedgefi.core.errors import ChainError

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

ARBSYS = "0x0000000000000000000000000000000000000064"
ARBITRUM_CHAIN_IDS = frozenset({42161, 421614})


def block_number_calls(conn: "Connection") -> list[Call]:
    """The calls that read the (L2) block number inside a Multicall3 batch: one, or two on Arbitrum."""
    calls = [Call(conn.profile.multicall3, encode_call("getBlockNumber()"))]
    if conn.chain_id in ARBITRUM_CHAIN_IDS:
        calls.insert(0, Call(ARBSYS, encode_call("arbBlockNumber()")))
    return calls


def block_number_from(results: list[CallResult]) -> int:
    """Read what ``block_number_calls`` asked (the first answer that came back)."""
    for r in results:
        if r.ok and len(r.data) >= 32:
            return int(decode(["uint256"], r.data)[0])
    raise ChainError("could not read the block number")


__all__ = ["ARBSYS", "ARBITRUM_CHAIN_IDS", "block_number_calls", "block_number_from"]
