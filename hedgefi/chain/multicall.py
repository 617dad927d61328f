"""Multicall3 batching: many reads in one ``eth_call`` at one block.

``fetch_aggregate3(conn, calls)`` sends every ``Call`` in a single ``aggregate3`` with
``allowFailure = true`` and returns one ``CallResult`` per call, in order. A call to an address
without code "succeeds" with empty return data; callers treat that as a per-row error.
``fetch_aggregate3_many(conn, groups)`` sends one ``aggregate3`` per group, all in one JSON-RPC batch
(one HTTP request: ``chain.readplan`` runs independent readers this way). Chunking happens only when a
group exceeds ``MAX_CALLDATA_BYTES`` (a node's call-size limit) or its calls' ``gas`` hints add up past
``MAX_CHUNK_GAS`` (a node's eth_call gas cap); the chunks then read one pinned block. A call with ``code`` runs
that runtime code at its target (an eth_call state override, e.g. ``chain.feedhistory``'s lens): the override
rides in the ``eth_call`` of the chunk that holds the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hedgefi.chain.abi import decode, encode_call

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

MAX_CALLDATA_BYTES = 512 * 1024
MAX_CHUNK_GAS = 25_000_000       # below the 30M of anvil's and the 50M of geth's default eth_call gas caps
AGGREGATE3 = "aggregate3((address,bool,bytes)[])"


@dataclass(frozen=True, slots=True)
class Call:
    target: str
    data: bytes
    code: bytes | None = field(default=None, repr=False)   # runtime code to run at ``target`` for this read (a state override)
    gas: int = 0                 # what the call may cost, for chunking; 0: small


@dataclass(frozen=True, slots=True)
class CallResult:
    success: bool
    data: bytes

    @property
    def ok(self) -> bool:
        """Succeeded and returned something (empty data means: no code at the target)."""
        return self.success and len(self.data) > 0


def _chunks(calls: list[Call]) -> list[list[Call]]:
    chunks: list[list[Call]] = [[]]
    size = gas = 0
    for c in calls:
        cost = len(c.data) + 160
        if chunks[-1] and (size + cost > MAX_CALLDATA_BYTES or gas + c.gas > MAX_CHUNK_GAS):
            chunks.append([])
            size = gas = 0
        chunks[-1].append(c)
        size += cost
        gas += c.gas
    return chunks


def _overrides(chunk: list[Call]) -> dict[str, dict[str, str]]:
    return {c.target: {"code": "0x" + c.code.hex()} for c in chunk if c.code is not None}


def fetch_aggregate3(conn: "Connection", calls: list[Call], block: Any = "latest") -> list[CallResult]:
    """All ``calls`` through Multicall3 at ``block``; one ``eth_call`` per chunk (normally one)."""
    return fetch_aggregate3_many(conn, [calls], block)[0]


def fetch_aggregate3_many(conn: "Connection", groups: list[list[Call]], block: Any = "latest"
                          ) -> list[list[CallResult]]:
    """Each group through its own ``aggregate3``, every ``eth_call`` in one JSON-RPC batch (one HTTP request)."""
    return fetch_aggregate3_with(conn, groups, block)[0]


def fetch_aggregate3_with(conn: "Connection", groups: list[list[Call]], block: Any = "latest",
                          extra: list[tuple[str, list[Any]]] | None = None,
                          sent: list[tuple[str, list[Any]]] | None = None) -> tuple[list[list[CallResult]], list[Any]]:
    """``fetch_aggregate3_many`` with ``extra`` JSON-RPC requests riding in the same batch (e.g. a gas price
    or a nonce); their answers come second, an error answer as its ``RpcError`` in its place. ``sent`` collects
    the ``eth_call`` requests made."""
    extra = extra or []
    chunked = [_chunks(g) if g else [] for g in groups]
    if block == "latest" and any(len(c) > 1 for c in chunked):
        block = int(conn.request("eth_blockNumber", []), 16)  # every chunk must read the same block
    tag = hex(block) if isinstance(block, int) else block
    requests: list[tuple[str, list[Any]]] = []
    for chunks in chunked:
        for chunk in chunks:
            payload = encode_call(AGGREGATE3, ["(address,bool,bytes)[]"],
                                  [[(c.target, True, c.data) for c in chunk]])
            params: list[Any] = [{"to": conn.profile.multicall3, "data": "0x" + payload.hex()}, tag]
            overrides = _overrides(chunk)
            if overrides:
                params.append(overrides)
            requests.append(("eth_call", params))
    if sent is not None:
        sent.extend(requests)
    if extra:
        answers = conn.batch_answers(requests + extra)
        for a in answers[:len(requests)]:
            if isinstance(a, Exception):
                raise a
    else:
        answers = conn.batch(requests) if requests else []
    raws = iter(answers[:len(requests)])
    out: list[list[CallResult]] = []
    for chunks in chunked:
        results: list[CallResult] = []
        for _ in chunks:
            raw = next(raws)
            (decoded,) = decode(["(bool,bytes)[]"], bytes.fromhex(raw[2:]))
            results.extend(CallResult(bool(ok), bytes(data)) for ok, data in decoded)
        out.append(results)
    return out, answers[len(requests):]


__all__ = ["Call", "CallResult", "fetch_aggregate3", "fetch_aggregate3_many", "fetch_aggregate3_with", "MAX_CALLDATA_BYTES",
           "MAX_CHUNK_GAS"]
