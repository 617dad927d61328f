"""chain.readplan: readers run in lockstep, one JSON-RPC batch per stage, results routed back in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import encode

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.multicall import Call, CallResult
from hedgefi.chain.readplan import ReadBatch, Reader, both, read

MC = "0x" + "ca" * 20
GET_BLOCK = encode_call("getBlockNumber()")
HEAD = 1234


@dataclass
class _Profile:
    multicall3: str = MC


@dataclass
class EchoConnection:
    """Answers every aggregate3 ``eth_call`` with each call's own data (success when it is not empty), and
    Multicall3's ``getBlockNumber()`` with ``HEAD``; keeps the block tag of every ``eth_call``."""

    profile: _Profile = field(default_factory=_Profile)
    chain_id: int = 31337
    batches: list[list[str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        self.batches.append([m for m, _ in calls])
        out = []
        for method, params in calls:
            assert method == "eth_call" and params[0]["to"] == MC
            self.tags.append(params[1])
            (rows,) = decode(["(address,bool,bytes)[]"], bytes.fromhex(params[0]["data"][10:]))
            answer = [(True, HEAD.to_bytes(32, "big") if target.lower() == MC and bytes(data) == GET_BLOCK
                       else bytes(data)) for target, _, data in rows]
            out.append("0x" + encode(["(bool,bytes)[]"], [answer]).hex())
        return out

    def request(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]


def _call(tag: str) -> Call:
    return Call("0x" + "11" * 20, tag.encode())


def two_stage(name: str) -> Reader[list[str]]:
    first = yield [_call(f"{name}-a"), _call(f"{name}-b")]
    second = yield [_call(f"{name}-after-{first[1].data.decode()}")]
    return [r.data.decode() for r in first + second]


def one_stage(name: str) -> Reader[str]:
    (r,) = yield [_call(name)]
    return r.data.decode()


def skips_an_empty_stage() -> Reader[int]:
    nothing = yield []
    (r,) = yield [_call("x")]
    return len(nothing) + len(r.data)


def test_each_stage_of_every_reader_goes_out_in_one_batch() -> None:
    conn = EchoConnection()
    batch = ReadBatch(conn)  # type: ignore[arg-type]
    a, b, c = batch.add(two_stage("gmx")), batch.add(one_stage("holdings")), batch.add(two_stage("gtrade"))
    batch.run()
    assert batch.rounds == 2 and len(conn.batches) == 2
    assert conn.batches[0] == ["eth_call"] * 3 and conn.batches[1] == ["eth_call"] * 2   # holdings is done
    assert a.value == ["gmx-a", "gmx-b", "gmx-after-gmx-b"]
    assert b.value == "holdings"
    assert c.value == ["gtrade-a", "gtrade-b", "gtrade-after-gtrade-b"]


def test_later_stages_read_the_block_the_first_one_ran_at() -> None:
    conn = EchoConnection()
    batch = ReadBatch(conn)  # type: ignore[arg-type]
    a, b = batch.add(two_stage("gmx")), batch.add(two_stage("gtrade"))
    batch.run()
    assert conn.tags == ["latest", "latest", hex(HEAD), hex(HEAD)] and batch.block == HEAD
    assert a.value == ["gmx-a", "gmx-b", "gmx-after-gmx-b"]         # the block call is not the reader's
    assert b.value == ["gtrade-a", "gtrade-b", "gtrade-after-gtrade-b"]
    pinned = EchoConnection()
    assert read(pinned, two_stage("x"), 77)[0] == "x-a"  # type: ignore[arg-type]
    assert pinned.tags == [hex(77), hex(77)]                        # an explicit block is kept


def test_an_empty_stage_costs_no_request() -> None:
    conn = EchoConnection()
    assert read(conn, skips_an_empty_stage()) == 1  # type: ignore[arg-type]
    assert len(conn.batches) == 1


def test_both_runs_two_readers_in_one_aggregate_per_stage() -> None:
    conn = EchoConnection()
    value = read(conn, both(one_stage("m"), two_stage("p")))  # type: ignore[arg-type]
    assert value == ("m", ["p-a", "p-b", "p-after-p-b"])
    assert conn.batches == [["eth_call"], ["eth_call"]]


def test_a_result_is_read_only_after_the_run() -> None:
    batch = ReadBatch(EchoConnection())  # type: ignore[arg-type]
    slot = batch.add(one_stage("x"))
    try:
        slot.value
    except RuntimeError:
        pass
    else:
        raise AssertionError("a slot answered before its batch ran")
    batch.run()
    assert slot.value == "x"


def test_results_are_call_results() -> None:
    conn = EchoConnection()

    def reader() -> Reader[list[CallResult]]:
        return (yield [_call("a"), Call("0x" + "22" * 20, b"")])

    ok, empty = read(conn, reader())  # type: ignore[arg-type]
    assert ok.ok and ok.data == b"a" and not empty.ok
