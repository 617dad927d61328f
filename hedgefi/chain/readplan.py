"""Staged reads: many independent readers, each stage of all of them in one HTTP round trip.

A *reader* is a generator that yields the Multicall3 calls of its next stage, receives their results,
and finally returns what it read (``Reader[T]``). Readers compose with ``yield from`` (a venue's
markets reader starts with its snapshot reader). ``ReadBatch`` runs several readers in lockstep: in each
round it gathers the calls every live reader yielded and sends them as one JSON-RPC batch (one
``aggregate3`` ``eth_call`` per reader, so no single call grows past what one read costs today), with the
chain-id check in the first. A command whose readers need two stages therefore takes two HTTP
requests, however many venues it reads. ``read(conn, reader)`` runs one reader alone.

One block for every stage: a batch at ``latest`` reads its block number inside its first stage (the L2
block on Arbitrum, ``chain.blocks``; no extra request) and pins every later stage to it, so a second stage
never mixes a newer block's state with the first stage's prices. ``ReadBatch.block`` is then that block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generator, Generic, TypeVar

from hedgefi.chain.blocks import block_number_calls, block_number_from
from hedgefi.chain.multicall import Call, CallResult, fetch_aggregate3_with

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")

Reader = Generator[list[Call], list[CallResult], T]


class Slot(Generic[T]):
    """Where a reader's value lands once ``ReadBatch.run`` is done."""

    def __init__(self) -> None:
        self._done = False
        self._value: Any = None

    def _set(self, value: T) -> None:
        self._value, self._done = value, True

    @property
    def value(self) -> T:
        if not self._done:
            raise RuntimeError("the read batch has not run yet")
        value: T = self._value
        return value


class _Entry:
    def __init__(self, reader: Reader[Any], slot: Slot[Any]) -> None:
        self.reader = reader
        self.slot = slot
        self.calls: list[Call] | None = None     # the stage waiting to be sent; None once finished

    def advance(self, answer: list[CallResult] | None) -> None:
        """Send ``answer`` (None: start) and keep going while the reader asks for nothing."""
        try:
            calls = next(self.reader) if answer is None else self.reader.send(answer)
            while not calls:
                calls = self.reader.send([])
        except StopIteration as stop:
            self.slot._set(stop.value)
            self.calls = None
            return
        self.calls = calls


class ReadBatch:
    """Readers that run together: stage ``n`` of every reader goes out in one HTTP request."""

    def __init__(self, conn: "Connection", block: Any = "latest") -> None:
        self.conn = conn
        self.block = block
        self._entries: list[_Entry] = []
        self._raw: list[tuple[str, list[Any], Slot[Any]]] = []
        self.rounds = 0
        self.sent: list[tuple[str, list[Any]]] = []   # the eth_call requests it made (what a replay must answer)

    def add(self, reader: Reader[T]) -> Slot[T]:
        slot: Slot[T] = Slot()
        self._entries.append(_Entry(reader, slot))
        return slot

    def add_raw(self, method: str, params: list[Any]) -> Slot[Any]:
        """A plain JSON-RPC request (not an ``eth_call``: a gas price, a nonce) sent in the first round's batch;
        its slot holds the result, or the ``RpcError`` the node answered (the caller decides if it can do
        without). Set before any reader sees its first answer."""
        slot: Slot[Any] = Slot()
        self._raw.append((method, params, slot))
        return slot

    def run(self) -> None:
        for e in self._entries:
            e.advance(None)
        raw = self._raw
        while True:
            live = [e for e in self._entries if e.calls is not None]
            if not live and not raw:
                return
            self.rounds += 1
            groups = [e.calls or [] for e in live] or [[]]
            head = block_number_calls(self.conn) if self.block == "latest" else []
            groups[0] = head + groups[0]
            answers, extra = fetch_aggregate3_with(self.conn, groups, self.block, [(m, p) for m, p, _ in raw],
                                                   self.sent)
            for (_, _, slot), value in zip(raw, extra):
                slot._set(value)
            raw = []
            if head:                          # pin the later stages to the block this one ran at
                self.block = block_number_from(answers[0][:len(head)])
                answers[0] = answers[0][len(head):]
            for e, answer in zip(live, answers):
                e.advance(answer)


def both(a: Reader[A], b: Reader[B]) -> Reader[tuple[A, B]]:
    """Two readers as one: each stage asks both readers' calls in the same ``aggregate3``."""
    ea, eb = _Entry(a, Slot()), _Entry(b, Slot())
    ea.advance(None)
    eb.advance(None)
    while ea.calls is not None or eb.calls is not None:
        ca, cb = ea.calls or [], eb.calls or []
        r = yield ca + cb
        if ea.calls is not None:
            ea.advance(r[:len(ca)])
        if eb.calls is not None:
            eb.advance(r[len(ca):])
    value_a: A = ea.slot.value
    value_b: B = eb.slot.value
    return value_a, value_b


def all_of(readers: list[Reader[Any]]) -> Reader[list[Any]]:
    """Several readers as one: each stage asks every live reader's calls in the same ``aggregate3``."""
    entries = [_Entry(r, Slot()) for r in readers]
    for e in entries:
        e.advance(None)
    while any(e.calls is not None for e in entries):
        live = [(e, e.calls or []) for e in entries if e.calls is not None]
        r = yield [c for _, calls in live for c in calls]
        at = 0
        for e, calls in live:
            e.advance(r[at:at + len(calls)])
            at += len(calls)
    return [e.slot.value for e in entries]


def read(conn: "Connection", reader: Reader[T], block: Any = "latest") -> T:
    """Run one reader to its end (one round trip per stage)."""
    batch = ReadBatch(conn, block)
    slot = batch.add(reader)
    batch.run()
    return slot.value


__all__ = ["Reader", "ReadBatch", "Slot", "both", "all_of", "read"]
