"""Dry-runs by one ``eth_simulateV1``: the bundle, the keepers' executions and the reads of the result, in one request.

The fork dry-run (``sim.forkrun``) makes anvil fetch the chain's state one slot at a time; this backend asks the
user's own RPC to simulate everything at once (Execution API ``eth_simulateV1``, ``validation: false`` so any
address can be ``from``):

- per step, one block with the step's transactions from the wallet, then one block with the venue's keeper
  executing the orders that step creates. The orders' keys are predicted before the request (GMX: ``keccak(
  dataStore, NONCE + k)``) and checked against the simulated logs; gTrade's oracle answers name request ids
  that only the step's own logs tell, so a bundle with a gTrade step is simulated once without its keeper
  blocks first (two ``eth_simulateV1`` requests, still no fork);
- a last block, at the time of the last execution, with the reads of the result as calls.

The reads are whatever ``after(conn)`` asks for: it runs once against the current chain while its requests are
recorded (the calls of the read functions depend on the market list and prices, not on the bundle), then
against the simulation's answer (``eth_call`` by exact target and data, ``eth_getBalance`` via Multicall3,
``eth_getLogs`` over the simulated logs); a call the recording did not predict adds a round. Order outcomes are
then read from the simulated logs by the venue's own code. A node that does not serve ``eth_simulateV1``, or a
bundle this backend cannot model, raises ``SimulationUnavailable``: the caller falls back to the fork.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.multicall import Call, CallResult, fetch_aggregate3
from hedgefi.chain.readplan import ReadBatch, Reader
from hedgefi.chain.revert import DecodedRevert
from hedgefi.chain.rpc import Connection
from hedgefi.chain.transport import RpcTransport
from hedgefi.core.errors import HedgefiError, RpcError

if TYPE_CHECKING:
    from hedgefi.chain.tx import PreparedTx
    from hedgefi.venues.base import Receipt, Venue

T = TypeVar("T")
ZERO = "0x" + "00" * 20
METHOD_NOT_FOUND = -32601
MAX_READ_ROUNDS = 3
GAS_FORWARD_PAD = 10                 # percent
# answered from what the recording saw (they do not depend on the bundle's state)
RECORDED_METHODS = frozenset({"eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory"})


class SimulationUnavailable(HedgefiError):
    """The node does not serve ``eth_simulateV1`` or this bundle cannot be modelled by it: use the fork."""


class _Miss(Exception):
    """The replay was asked for a read the simulation did not include."""

    def __init__(self, method: str, params: list[Any]) -> None:
        super().__init__(method)
        self.method = method
        self.params = params


# ---------------------------------------------------------------------------------------------- keepers
# from one step's simulated calls (their results, with logs): the keeper's calls at a block time, and the keys
FromLogs = Callable[[list[dict[str, Any]]], tuple[Callable[[int], list[dict[str, Any]]], list[str]]]


@dataclass
class KeeperPlan:
    """What a venue's keeper does after one step: calls (in a block of their own) and state overrides. A
    keeper whose calls depend on what the step emits (gTrade: the oracle request ids) sets ``from_logs``:
    the step is simulated once without it, then the calls come from that step's logs."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    expected_keys: list[str] = field(default_factory=list)   # the order keys the step's logs must show
    from_logs: FromLogs | None = None
    calls_at: Callable[[int], list[dict[str, Any]]] | None = None   # the calls, given their block's time


@dataclass
class StepSpec:
    venue: "Venue"
    txs: list["PreparedTx"]


def _gmx_keepers(conn: Connection, venue: "Venue", steps: list[StepSpec]) -> "Reader[list[KeeperPlan]]":
    """GMX: ORDER_KEEPER executes each created order; keys from DataStore's NONCE; prices by the providers
    (on a live chain the mock oracle provider as a code override, priced from the feeds by its storage)."""
    from eth_abi.abi import decode as abi_decode
    from eth_abi.abi import encode as abi_encode
    from eth_utils.crypto import keccak

    from hedgefi.venues.gmx import keys, reads
    from hedgefi.venues.gmx.adapter import GmxVenue
    from hedgefi.venues.gmx.constants import codec
    from hedgefi.venues.gmx.releases import mock_oracle_runtime, reader_codec

    assert isinstance(venue, GmxVenue)
    d = venue.d
    router, reader, handler = codec("ExchangeRouter"), reader_codec(d), codec("OrderHandler")
    multicall_sel = router.encode("multicall", [])[:4]
    create_sel = _selector(router.fn("createOrder"))
    create_types = [_canonical(p) for p in router.fn("createOrder")["inputs"]]
    created: list[list[str]] = []          # per step: each created order's market
    for s in steps:
        markets: list[str] = []
        for p in s.txs:
            u = p.utx
            if u.to.lower() != d.exchange_router.lower() or u.data[:4] != multicall_sel:
                continue
            (entries,) = abi_decode(["bytes[]"], u.data[4:])
            for e in entries:
                if bytes(e[:4]) == create_sel:
                    (params,) = abi_decode(create_types, bytes(e[4:]))
                    markets.append(str(params[0][4]))        # addresses.market
        created.append(markets)
    all_markets = sorted({m.lower() for ms in created for m in ms})
    if not all_markets:
        return [KeeperPlan() for _ in steps]
    calls = [Call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [keys.name_key("NONCE")])),
             Call(d.role_store, encode_call("getRoleMembers(bytes32,uint256,uint256)", ["bytes32", "uint256", "uint256"],
                                            [keys.role_key("ORDER_KEEPER"), 0, 1])),
             Call(d.order_handler, handler.encode("oracle"))]
    calls += [Call(d.reader, reader.encode("getMarket", d.data_store, m)) for m in all_markets]
    r = yield calls
    if not all(x.ok for x in r):
        raise SimulationUnavailable("the GMX keeper's setup could not be read")
    nonce = int(decode(["uint256"], r[0].data)[0])
    (members,) = decode(["address[]"], r[1].data)
    if not members:
        raise SimulationUnavailable("no GMX ORDER_KEEPER is registered")
    keeper = str(members[0])
    oracle = str(decode(["address"], r[2].data)[0])
    tokens_of: dict[str, list[str]] = {}
    for m, x in zip(all_markets, r[3:]):
        info = reader.decode_output("getMarket", x.data)
        ts: list[str] = []
        for t in (info["indexToken"], info["longToken"], info["shortToken"]):
            if t.lower() not in [y.lower() for y in ts]:
                ts.append(t)
        tokens_of[m] = ts
    all_tokens = sorted({t.lower() for ts in tokens_of.values() for t in ts})
    provider_calls = [Call(d.data_store, encode_call("getAddress(bytes32)", ["bytes32"],
                                                     [keys.oracle_provider_for_token_key(oracle, t)]))
                      for t in all_tokens]
    overrides: dict[str, dict[str, Any]] = {}
    if conn.profile.is_devnet:       # the devnet's providers price from the feeds themselves
        pr = yield provider_calls
        prices: dict[str, int] = {}
    else:
        snap = yield from reads.snapshot_reader(conn, d, provider_calls)
        pr, prices = snap.extra, snap.prices_e30
    provider = {t: str(decode(["address"], x.data)[0]) if x.ok else ZERO for t, x in zip(all_tokens, pr)}
    if not conn.profile.is_devnet:
        runtime = mock_oracle_runtime(d.release)
        for t in all_tokens:
            if int(provider[t], 16) == 0 or t not in prices:
                raise SimulationUnavailable(f"no oracle provider or price for GMX token {t}")
            slot = int.from_bytes(keccak(abi_encode(["address", "uint256"], [t, 0])), "big")
            o = overrides.setdefault(provider[t], {"code": runtime, "stateDiff": {}})
            o["stateDiff"]["0x%064x" % slot] = "0x%064x" % prices[t]
            o["stateDiff"]["0x%064x" % (slot + 1)] = "0x%064x" % prices[t]
    plans = []
    for si, markets in enumerate(created):
        plan = KeeperPlan(overrides=overrides if si == 0 else {})
        for m in markets:
            nonce += 1
            key = keys.order_key(d.data_store, nonce)
            toks = tokens_of[m.lower()]
            params = {"tokens": toks, "providers": [provider[t.lower()] for t in toks], "data": [b""] * len(toks)}
            plan.calls.append({"from": keeper, "to": d.order_handler,
                               "data": "0x" + handler.encode("executeOrder", key, params).hex()})
            plan.expected_keys.append("0x" + key.hex())
        plans.append(plan)
    return plans


def _gtrade_keepers(conn: Connection, venue: "Venue", steps: list[StepSpec]) -> "Reader[list[KeeperPlan]]":
    """gTrade: its oracle nodes answer each order the step initiates (reference §7.2), as ``venues.gtrade.keeper``
    does on a fork: the request ids come from the step's ``ChainlinkRequested`` logs (so from a first simulation
    of the step), the j-th request of an order goes to ``getOracles()[j]``, the first ``getMinAnswers()`` answer
    with the pair's Chainlink price at the block's time. A market closed at that time is left to the fork (the
    oracles would not answer there either, and the fork says so)."""
    from datetime import datetime, timezone

    from hedgefi.venues.gtrade.adapter import GtradeVenue
    from hedgefi.venues.gtrade.constants import CHAINLINK_REQUESTED_TOPIC, GROUP_CLASS, PRICE_DECIMALS, codec
    from hedgefi.venues.gtrade.events import INITIATED, order_key
    from hedgefi.venues.gtrade.keeper import feeds_of, pack_price
    from hedgefi.venues.gtrade.schedule import is_open_at

    assert isinstance(venue, GtradeVenue)
    d, c = venue.d, codec()
    feeds = feeds_of(conn.profile)
    pairs = [(asset, i) for asset, i in d.pairs if asset.upper() in feeds]
    calls = [Call(d.diamond, c.encode("getOracles")), Call(d.diamond, c.encode("getMinAnswers"))]
    for asset, i in pairs:
        calls += [Call(d.diamond, c.encode("pairs", i)), Call(feeds[asset.upper()], encode_call("latestRoundData()")),
                  Call(feeds[asset.upper()], encode_call("decimals()"))]
    r = yield calls
    if not (r[0].ok and r[1].ok):
        raise SimulationUnavailable("the gTrade oracles could not be read")
    oracles = [str(a) for a in c.decode_output("getOracles", r[0].data)]
    min_answers = int(c.decode_output("getMinAnswers", r[1].data))
    if len(oracles) < min_answers:
        raise SimulationUnavailable("gTrade has fewer oracles than it needs answers")
    pair_info: dict[int, tuple[str, str, int]] = {}       # pair index -> (asset, class, price 1e10)
    for k, (asset, i) in enumerate(pairs):
        p, rnd, dec = r[2 + 3 * k:5 + 3 * k]
        if not (p.ok and rnd.ok and dec.ok):
            continue
        answer = int(decode(["uint80", "int256", "uint256", "uint256", "uint80"], rnd.data)[1])
        shift = PRICE_DECIMALS - int(decode(["uint8"], dec.data)[0])
        price = answer * 10**shift if shift >= 0 else answer // 10**-shift
        klass = GROUP_CLASS.get(int(c.decode_output("pairs", p.data)["groupIndex"]), "crypto")
        pair_info[i] = (asset.upper(), klass, price)
    initiated = {"0x" + c.event_topic(n).hex() for n in INITIATED}

    def from_logs(results: list[dict[str, Any]]) -> tuple[Callable[[int], list[dict[str, Any]]], list[str]]:
        orders: list[tuple[str, int, list[str]]] = []       # (key, pair index, request ids)
        for res in results:
            keys: list[tuple[str, int]] = []
            rids: list[str] = []
            for log in res.get("logs") or []:
                topics = [str(t).lower() for t in log.get("topics") or []]
                if str(log["address"]).lower() != d.diamond.lower() or not topics:
                    continue
                if topics[0] in initiated:
                    data = bytes.fromhex(str(log["data"])[2:])
                    keys.append((order_key("0x" + data[12:32].hex(), int.from_bytes(data[32:64], "big")),
                                 int(topics[2], 16)))
                elif topics[0] == CHAINLINK_REQUESTED_TOPIC.lower():
                    rids.append(topics[1])
            if len(rids) != len(keys) * len(oracles):
                raise SimulationUnavailable("the gTrade oracle requests do not match the orders they serve")
            for j, (key, pair) in enumerate(keys):
                orders.append((key, pair, rids[j * len(oracles):(j + 1) * len(oracles)]))

        def at(t: int) -> list[dict[str, Any]]:
            out = []
            for key, pair, rids in orders:
                if pair not in pair_info:
                    raise SimulationUnavailable(f"no price feed for gTrade pair {pair}")
                asset, klass, price = pair_info[pair]
                if not is_open_at(klass, datetime.fromtimestamp(t, timezone.utc)):
                    raise SimulationUnavailable(f"{asset}/USD is closed at the chain's time: its oracles do not answer")
                for j in range(min_answers):
                    data = c.encode("fulfill", bytes.fromhex(rids[j][2:]), pack_price(price, t))
                    out.append({"from": oracles[j], "to": d.diamond, "data": "0x" + data.hex()})
            return out

        return at, [key for key, _, _ in orders]

    return [KeeperPlan(from_logs=from_logs) for _ in steps]


# a venue's keeper planner: a reader of what its keeper needs, giving its plans for its steps (every venue's
# reads run together: ``run``)
KeeperPlanner = Callable[[Connection, "Venue", list[StepSpec]], "Reader[list[KeeperPlan]]"]
KEEPERS: dict[str, KeeperPlanner] = {"gmx": _gmx_keepers, "gtrade": _gtrade_keepers}


def _selector(item: dict[str, Any]) -> bytes:
    from typing import cast

    from eth_utils.abi import function_abi_to_4byte_selector

    return bytes(function_abi_to_4byte_selector(cast(Any, item)))


def _canonical(param: dict[str, Any]) -> str:
    from hedgefi.chain.abicodec import canonical

    return canonical(param)


# ---------------------------------------------------------------------------------------------- replay
def _read_key(call: dict[str, Any]) -> tuple[str, str, str]:
    return (str(call.get("to", "")).lower(), str(call.get("data", call.get("input", "0x"))).lower(),
            str(call.get("from") or ZERO).lower())


def _as_sim_read(conn: Connection, method: str, params: list[Any]) -> dict[str, Any] | None:
    """The call in the reads block that answers one recorded request (None: answered without one)."""
    if method == "eth_call":
        c = params[0]
        out = {"from": c.get("from") or ZERO, "to": c["to"], "data": c.get("data", c.get("input", "0x"))}
        if c.get("value"):
            out["value"] = c["value"]
        return out
    if method == "eth_getBalance":
        data = encode_call("getEthBalance(address)", ["address"], [params[0]])
        return {"from": ZERO, "to": conn.profile.multicall3, "data": "0x" + data.hex()}
    return None


class _Recorder(RpcTransport):
    """Passes every request to ``inner`` and remembers it (what the reads will ask after the bundle)."""

    def __init__(self, inner: RpcTransport) -> None:
        super().__init__(list(inner.urls))
        self.client.close()
        self.inner = inner
        self.seen: list[tuple[str, list[Any]]] = []
        self.answers: dict[str, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        return self.inner.url

    def request(self, method: str, params: list[Any], *, timeout: float | None = None) -> dict[str, Any]:
        self.seen.append((method, params))
        out = self.inner.request(method, params, timeout=timeout)
        self.answers[method + json.dumps(params, sort_keys=True)] = out
        return out

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        out = self.inner.batch(calls)
        for (m, p), a in zip(calls, out):
            self.seen.append((m, p))
            self.answers[m + json.dumps(p, sort_keys=True)] = a
        return out

    def mark_verified(self) -> None:
        pass


def _topic_match(want: Any, have: str | None) -> bool:
    if want is None:
        return True
    if have is None:
        return False
    options = want if isinstance(want, list) else [want]
    return have.lower() in [str(o).lower() for o in options]


@dataclass
class SimAnswer:
    """One ``eth_simulateV1`` answer: its blocks, and the reads block's results by (to, data, from)."""

    blocks: list[dict[str, Any]]
    reads: dict[tuple[str, str, str], dict[str, Any]]
    chain_id: int
    recorded: dict[str, dict[str, Any]]

    def answer(self, method: str, params: list[Any], conn: Connection) -> dict[str, Any]:
        last = self.blocks[-1]
        if method in ("eth_call", "eth_getBalance"):
            read = _as_sim_read(conn, method, params)
            assert read is not None
            got = self.reads.get(_read_key(read))
            if got is None:
                raise _Miss(method, params)
            if got.get("status") != "0x1":
                err = got.get("error") or {}
                return {"error": {"code": 3, "message": err.get("message", "execution reverted"),
                                  "data": got.get("returnData", "0x")}}
            data = got.get("returnData", "0x")
            return {"result": hex(int(data, 16)) if method == "eth_getBalance" else data}
        if method == "eth_blockNumber":
            return {"result": last["number"]}
        if method == "eth_chainId":
            return {"result": hex(self.chain_id)}
        if method == "eth_getBlockByNumber":
            return {"result": {k: last.get(k) for k in ("number", "hash", "timestamp", "baseFeePerGas", "gasLimit")}}
        if method == "eth_getLogs":
            return {"result": self.logs(params[0])}
        recorded = self.recorded.get(method + json.dumps(params, sort_keys=True))
        if method in RECORDED_METHODS and recorded is not None:
            return recorded
        raise SimulationUnavailable(f"the simulation cannot answer {method} for the reads after the bundle")

    def logs(self, flt: dict[str, Any]) -> list[dict[str, Any]]:
        addresses = flt.get("address")
        addrs = None if addresses is None else [a.lower() for a in (addresses if isinstance(addresses, list)
                                                                    else [addresses])]
        lo = int(flt.get("fromBlock", "0x0"), 16) if str(flt.get("fromBlock", "0x0")).startswith("0x") else 0
        out = []
        for b in self.blocks:
            if int(b["number"], 16) < lo:
                continue
            for c in b["calls"]:
                for log in c.get("logs") or []:
                    if addrs is not None and str(log["address"]).lower() not in addrs:
                        continue
                    topics = log.get("topics") or []
                    wants = flt.get("topics") or []
                    if all(_topic_match(w, topics[i] if i < len(topics) else None) for i, w in enumerate(wants)):
                        out.append(log)
        return out


class _Replay(RpcTransport):
    """Answers a connection's requests from a ``SimAnswer`` (the state after the simulated blocks)."""

    def __init__(self, urls: list[str], answer: SimAnswer) -> None:
        super().__init__(list(urls))
        self.client.close()
        self.sim = answer
        self.conn: Connection | None = None

    def request(self, method: str, params: list[Any], *, timeout: float | None = None) -> dict[str, Any]:
        assert self.conn is not None
        return {"jsonrpc": "2.0", "id": 1, **self.sim.answer(method, params, self.conn)}

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        return [self.request(m, p) for m, p in calls]

    def mark_verified(self) -> None:
        pass


def _side_conn(conn: Connection, transport: RpcTransport) -> Connection:
    return Connection(transport=transport, profile=conn.profile, primary_url=conn.primary_url,
                      chain_id=conn.chain_id, verified=True)


# ---------------------------------------------------------------------------------------------- the run
@dataclass
class SimStep:
    receipts: list["Receipt"] = field(default_factory=list)
    gas_used: list[int] = field(default_factory=list)      # per transaction, as simulated
    error: HedgefiError | None = None


@dataclass
class SimRun(Generic[T]):
    steps: list[SimStep]
    conn: Connection             # answers reads and logs as the chain would be after the bundle
    after: T | None
    requests: int = 0            # eth_simulateV1 requests made (1 unless the reads needed another round)


def _fees(p: "PreparedTx") -> dict[str, Any]:
    return {"maxFeePerGas": hex(p.max_fee_per_gas), "maxPriorityFeePerGas": hex(p.max_priority_fee_per_gas)}


_NO_SIMULATE: set[str] = set()      # RPC URLs that answered "method not found" (this process asks once)


def _simulate(conn: Connection, blocks: list[dict[str, Any]], block_tag: str) -> list[dict[str, Any]]:
    if conn.rpc_url in _NO_SIMULATE:
        raise SimulationUnavailable("the RPC does not serve eth_simulateV1")
    payload = {"blockStateCalls": blocks, "validation": False, "traceTransfers": False,
               "returnFullTransactions": False}
    try:
        out = conn.request("eth_simulateV1", [payload, block_tag])
    except RpcError as exc:
        if exc.code == METHOD_NOT_FOUND or "not found" in exc.message.lower() \
                or "not supported" in exc.message.lower() or "does not exist" in exc.message.lower():
            _NO_SIMULATE.add(conn.rpc_url)
            raise SimulationUnavailable("the RPC does not serve eth_simulateV1") from exc
        raise SimulationUnavailable(f"eth_simulateV1 failed: {exc.message}") from exc
    if not isinstance(out, list) or len(out) != len(blocks):
        raise SimulationUnavailable("eth_simulateV1 answered with the wrong number of blocks")
    return out


def run(conn: Connection, sender: str, steps: list[StepSpec], after: "Callable[[Connection], T] | None" = None,
        *, seen: list[tuple[str, list[Any]]] | None = None) -> SimRun[T]:
    """Simulate ``steps`` (their prepared transactions, from ``sender``), each venue's keeper after each step,
    and ``after``'s reads of the result; a step that reverts ends the run there (as on the fork). ``seen``: the
    requests ``after`` made on the current state (else it runs once on it to show them); a read they lack
    costs one more simulation round."""
    from hedgefi.chain.tx import TxRevertedError

    if conn.rpc_url in _NO_SIMULATE:
        raise SimulationUnavailable("the RPC does not serve eth_simulateV1")
    for s in steps:
        if s.venue.name not in KEEPERS:
            raise SimulationUnavailable(f"no simulated keeper for {s.venue.name} yet")
    head = [Call(conn.profile.multicall3, encode_call("getCurrentBlockTimestamp()")),
            Call(conn.profile.multicall3, encode_call("getBlockNumber()"))]
    plans = [KeeperPlan() for _ in steps]
    batch = ReadBatch(conn)          # the chain's clock and every venue keeper's setup, stage by stage together
    head_slot = batch.add(_just(head))
    keeper_slots = []
    for name in sorted({s.venue.name for s in steps}):
        mine = [i for i, s in enumerate(steps) if s.venue.name == name]
        keeper_slots.append((mine, batch.add(KEEPERS[name](conn, steps[mine[0]].venue, [steps[i] for i in mine]))))
    batch.run()
    for mine, slot in keeper_slots:
        for i, plan in zip(mine, slot.value):
            plans[i] = plan
    latest_ts, latest = (int(decode(["uint256"], x.data)[0]) for x in head_slot.value)
    # the chain's clock, not this machine's: a devnet (or a fork) may run behind or ahead of the wall clock,
    # and a keeper's time checks (e.g. GMX's cancel delay) must see the time the chain would see
    t = latest_ts + 1

    recorder = _Recorder(conn.transport)
    if seen is None:
        extra = after(_side_conn(conn, recorder)) if after is not None else None
        del extra
        seen = recorder.seen
    reads: list[dict[str, Any]] = []
    for method, params in seen:
        read = _as_sim_read(conn, method, params)
        if read is not None and read not in reads:
            reads.append(read)

    base_blocks, layout, read_time = _blocks(steps, plans, sender, t)
    probes = 0
    if any(p.from_logs is not None for p in plans):
        # keepers that answer what a step emits: simulate the steps once without them, then plan from the logs
        probe = _simulate(conn, base_blocks, hex(latest))
        probes = 1
        for (ui, _), plan in zip(layout, plans):
            if plan.from_logs is not None:
                plan.calls_at, plan.expected_keys = plan.from_logs(probe[ui]["calls"])
        base_blocks, layout, read_time = _blocks(steps, plans, sender, t)

    for rounds in range(1, MAX_READ_ROUNDS + 2):
        blocks = base_blocks + [{"calls": reads, "blockOverrides": {"time": hex(read_time)}}]
        answer_blocks = _simulate(conn, blocks, hex(latest))
        sim_reads = {_read_key(c): res for c, res in zip(reads, answer_blocks[-1]["calls"])}
        answer = SimAnswer(answer_blocks, sim_reads, conn.chain_id, recorder.answers)
        replay = _Replay(conn.transport.urls, answer)
        rconn = _side_conn(conn, replay)
        replay.conn = rconn
        out_steps: list[SimStep] = []
        for s, plan, (ui, ki) in zip(steps, plans, layout):
            step = SimStep()
            b = answer_blocks[ui]
            for i, (p, c) in enumerate(zip(s.txs, b["calls"])):
                if c.get("status") != "0x1":
                    step.error = TxRevertedError(p.utx.description, s.venue.errors.decode(c.get("returnData")) if
                                                 c.get("returnData", "0x") != "0x" else
                                                 DecodedRevert("Unknown", {}, str((c.get("error") or {}).get(
                                                     "message", "reverted in the simulation"))))
                    break
                step.gas_used.append(int(c["gasUsed"], 16))
                txs = b.get("transactions") or []
                step.receipts.append({"transactionHash": txs[i] if i < len(txs) else f"{b['hash']}:{i}",
                                      "blockNumber": b["number"], "status": c["status"], "gasUsed": c["gasUsed"],
                                      "logs": c.get("logs") or []})
            out_steps.append(step)
            if step.error is not None:
                break
            created = [key for rc in step.receipts for key, _ in s.venue.order_keys(rc)]
            if [k.lower() for k in created] != [k.lower() for k in plan.expected_keys]:
                raise SimulationUnavailable(f"the predicted {s.venue.name} order keys {plan.expected_keys} are not "
                                            f"the ones the simulation created {created}")
        failed = [i for i, st in enumerate(out_steps) if st.error is not None]
        if failed and failed[0] > 0:
            # the fork shows the state after the steps before the failing one; these blocks went on
            raise SimulationUnavailable(f"step {failed[0] + 1} reverts in the simulation")
        if after is None or failed:
            return SimRun(out_steps, rconn, None, rounds + probes)
        try:
            return SimRun(out_steps, rconn, after(rconn), rounds + probes)
        except _Miss as miss:
            read = _as_sim_read(conn, miss.method, miss.params)
            assert read is not None
            reads.append(read)
    raise SimulationUnavailable("the reads after the bundle kept asking for calls the simulation did not include")


def _just(calls: list[Call]) -> "Reader[list[CallResult]]":
    """A one-stage reader of ``calls``."""
    return (yield calls)


def _blocks(steps: list[StepSpec], plans: list[KeeperPlan], sender: str, t: int
            ) -> tuple[list[dict[str, Any]], list[tuple[int, int]], int]:
    """The simulated blocks: per step one of its transactions from ``sender`` and one of its keeper's calls (if
    any), a second apart from ``t``; with, per step, (index of its block, index of its keeper block or -1), and
    the time of the reads block (that of the last block)."""
    blocks: list[dict[str, Any]] = []
    layout: list[tuple[int, int]] = []
    for s, plan in zip(steps, plans):
        user: dict[str, Any] = {"calls": [{**p.utx.as_call(sender), **_fees(p)} for p in s.txs],
                                "blockOverrides": {"time": hex(t)}}
        if plan.overrides:
            user["stateOverrides"] = plan.overrides
        blocks.append(user)
        t += 1
        k = -1
        calls = plan.calls_at(t) if plan.calls_at is not None else plan.calls
        if calls:
            fee = _fees(s.txs[-1]) if s.txs else {}
            blocks.append({"calls": [{**c, **fee} for c in calls], "blockOverrides": {"time": hex(t)}})
            k = len(blocks) - 1
            t += 1
        layout.append((len(blocks) - (2 if k >= 0 else 1), k))
    return blocks, layout, t - 1


def estimate_from_used(gas_used: int) -> int:
    """A gas limit that covers a simulated ``gas_used``: what ``eth_estimateGas`` adds for the 63/64 of gas
    a call may forward (``GAS_FORWARD_PAD``) on top; the pipeline's margin comes after."""
    return gas_used + gas_used * GAS_FORWARD_PAD // 100


def probe(conn: Connection) -> bool:
    """Does the node serve ``eth_simulateV1``? (one tiny request; for tools and benchmarks)"""
    try:
        _simulate(conn, [{"calls": []}], "latest")
    except SimulationUnavailable:
        return False
    return True


__all__ = ["SimulationUnavailable", "StepSpec", "SimStep", "SimRun", "KeeperPlan", "KEEPERS", "run", "probe", "estimate_from_used"]
