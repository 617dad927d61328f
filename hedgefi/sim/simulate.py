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
from typing import TYPE_CHECKING, Any, Callable, Generic, Sequence, TypeVar

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.multicall import Call, CallResult
from hedgefi.chain.readplan import Reader
from hedgefi.chain.readplan import read as read_all
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


@dataclass
class _GmxSetup:
    """What GMX's keeper needs for any order, read before the bundle exists (so beside the state read)."""

    nonce: int                          # DataStore's NONCE: the next order key is keyed by nonce + 1
    keeper: str                         # an ORDER_KEEPER
    tokens_of: dict[str, list[str]]     # market token (lower) -> its index, long, short tokens (distinct)
    provider: dict[str, str]            # token (lower) -> its oracle provider
    prices: dict[str, int]              # token (lower) -> price e30 (a live chain: the mock provider's prices)


def _gmx_setup(conn: Connection, venue: "Venue", sender: str) -> "Reader[_GmxSetup]":
    """GMX's keeper setup for every market: the NONCE, an ORDER_KEEPER, the oracle's provider of each token (and,
    on a live chain, the tokens' feed prices for the mock provider), in two stages."""
    from hedgefi.venues.gmx import keys, reads
    from hedgefi.venues.gmx.adapter import GmxVenue
    from hedgefi.venues.gmx.constants import codec
    from hedgefi.venues.gmx.releases import reader_codec

    assert isinstance(venue, GmxVenue)
    d = venue.d
    reader, handler = reader_codec(d), codec("OrderHandler")
    calls = [Call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [keys.name_key("NONCE")])),
             Call(d.role_store, encode_call("getRoleMembers(bytes32,uint256,uint256)", ["bytes32", "uint256", "uint256"],
                                            [keys.role_key("ORDER_KEEPER"), 0, 1])),
             Call(d.order_handler, handler.encode("oracle")),
             Call(d.reader, reader.encode("getMarkets", d.data_store, 0, reads.MAX_MARKETS))]
    r = yield calls
    if not all(x.ok for x in r):
        raise SimulationUnavailable("the GMX keeper's setup could not be read")
    nonce = int(decode(["uint256"], r[0].data)[0])
    (members,) = decode(["address[]"], r[1].data)
    if not members:
        raise SimulationUnavailable("no GMX ORDER_KEEPER is registered")
    oracle = str(decode(["address"], r[2].data)[0])
    tokens_of: dict[str, list[str]] = {}
    for info in reader.decode_output("getMarkets", r[3].data):
        ts: list[str] = []
        for t in (info["indexToken"], info["longToken"], info["shortToken"]):
            if t.lower() not in [y.lower() for y in ts]:
                ts.append(t)
        tokens_of[str(info["marketToken"]).lower()] = ts
    all_tokens = sorted({t.lower() for ts in tokens_of.values() for t in ts if int(t, 16) != 0})
    provider_calls = [Call(d.data_store, encode_call("getAddress(bytes32)", ["bytes32"],
                                                     [keys.oracle_provider_for_token_key(oracle, t)]))
                      for t in all_tokens]
    if conn.profile.is_devnet:       # the devnet's providers price from the feeds themselves
        pr = yield provider_calls
        prices: dict[str, int] = {}
    else:
        snap = yield from reads.snapshot_reader(conn, d, provider_calls)
        pr, prices = snap.extra, snap.prices_e30
    provider = {t: str(decode(["address"], x.data)[0]) if x.ok else ZERO for t, x in zip(all_tokens, pr)}
    return _GmxSetup(nonce, str(members[0]), tokens_of, provider, {k.lower(): v for k, v in prices.items()})


def _gmx_plans(conn: Connection, venue: "Venue", steps: list[StepSpec], setup: _GmxSetup) -> list[KeeperPlan]:
    """GMX: ORDER_KEEPER executes each created order; keys from DataStore's NONCE; prices by the providers
    (on a live chain the mock oracle provider as a code override, priced from the feeds by its storage)."""
    from eth_abi.abi import decode as abi_decode
    from eth_abi.abi import encode as abi_encode
    from eth_utils.crypto import keccak

    from hedgefi.venues.gmx import keys
    from hedgefi.venues.gmx.adapter import GmxVenue
    from hedgefi.venues.gmx.constants import codec
    from hedgefi.venues.gmx.releases import mock_oracle_runtime

    assert isinstance(venue, GmxVenue)
    d = venue.d
    router, handler = codec("ExchangeRouter"), codec("OrderHandler")
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
    unknown = [m for m in all_markets if m not in setup.tokens_of]
    if unknown:
        raise SimulationUnavailable(f"GMX market {unknown[0]} is not in GMX's market list")
    tokens = sorted({t.lower() for m in all_markets for t in setup.tokens_of[m]})
    overrides: dict[str, dict[str, Any]] = {}
    if not conn.profile.is_devnet:
        runtime = mock_oracle_runtime(d.release)
        for t in tokens:
            if int(setup.provider.get(t, ZERO), 16) == 0 or t not in setup.prices:
                raise SimulationUnavailable(f"no oracle provider or price for GMX token {t}")
            slot = int.from_bytes(keccak(abi_encode(["address", "uint256"], [t, 0])), "big")
            o = overrides.setdefault(setup.provider[t], {"code": runtime, "stateDiff": {}})
            o["stateDiff"]["0x%064x" % slot] = "0x%064x" % setup.prices[t]
            o["stateDiff"]["0x%064x" % (slot + 1)] = "0x%064x" % setup.prices[t]
    plans = []
    nonce = setup.nonce
    for si, markets in enumerate(created):
        plan = KeeperPlan(overrides=overrides if si == 0 else {})
        for m in markets:
            nonce += 1
            key = keys.order_key(d.data_store, nonce)
            toks = setup.tokens_of[m.lower()]
            params = {"tokens": toks, "providers": [setup.provider.get(t.lower(), ZERO) for t in toks],
                      "data": [b""] * len(toks)}
            plan.calls.append({"from": setup.keeper, "to": d.order_handler,
                               "data": "0x" + handler.encode("executeOrder", key, params).hex()})
            plan.expected_keys.append("0x" + key.hex())
        plans.append(plan)
    return plans


@dataclass
class _GtradeSetup:
    """What gTrade's oracle nodes need for any order, read before the bundle exists."""

    oracles: list[str]
    min_answers: int
    pair_info: dict[int, tuple[str, str, int]]    # pair index -> (asset, class, Chainlink price 1e10)
    request_count: int | None                      # the diamond's next oracle request number (None: unread)
    pending_index: int | None                      # the sender's next pending-order index
    trade_pair: dict[int, int]                     # the sender's open trade index -> its pair


def _gtrade_setup(conn: Connection, venue: "Venue", sender: str) -> "Reader[_GtradeSetup]":
    """gTrade's oracles and their quorum, each pair's class and feed price, and what predicts the sender's next
    orders' keys and request ids (the request count, its pending-order counter and its trades), in one stage."""
    from hedgefi.venues.gtrade.adapter import GtradeVenue
    from hedgefi.venues.gtrade.constants import GROUP_CLASS, PRICE_DECIMALS, codec
    from hedgefi.venues.gtrade.keeper import feeds_of

    assert isinstance(venue, GtradeVenue)
    d, c = venue.d, codec()
    feeds = feeds_of(conn.profile)
    pairs = [(asset, i) for asset, i in d.pairs if asset.upper() in feeds]
    calls = [Call(d.diamond, c.encode("getOracles")), Call(d.diamond, c.encode("getMinAnswers"))]
    for asset, i in pairs:
        calls += [Call(d.diamond, c.encode("pairs", i)), Call(feeds[asset.upper()], encode_call("latestRoundData()")),
                  Call(feeds[asset.upper()], encode_call("decimals()"))]
    predict = [Call(d.diamond, c.encode("getRequestCount")), Call(d.diamond, c.encode("getCounters", sender, 1)),
               Call(d.diamond, c.encode("getTrades", sender))]
    r = yield calls + predict
    pr, r = r[len(calls):], r[:len(calls)]
    if not (r[0].ok and r[1].ok):
        raise SimulationUnavailable("the gTrade oracles could not be read")
    oracles = [str(a) for a in c.decode_output("getOracles", r[0].data)]
    min_answers = int(c.decode_output("getMinAnswers", r[1].data))
    if len(oracles) < min_answers:
        raise SimulationUnavailable("gTrade has fewer oracles than it needs answers")
    pair_info: dict[int, tuple[str, str, int]] = {}
    for k, (asset, i) in enumerate(pairs):
        p, rnd, dec = r[2 + 3 * k:5 + 3 * k]
        if not (p.ok and rnd.ok and dec.ok):
            continue
        answer = int(decode(["uint80", "int256", "uint256", "uint256", "uint80"], rnd.data)[1])
        shift = PRICE_DECIMALS - int(decode(["uint8"], dec.data)[0])
        price = answer * 10**shift if shift >= 0 else answer // 10**-shift
        klass = GROUP_CLASS.get(int(c.decode_output("pairs", p.data)["groupIndex"]), "crypto")
        pair_info[i] = (asset.upper(), klass, price)
    if all(x.ok for x in pr):
        request: int | None = int(c.decode_output("getRequestCount", pr[0].data))
        pending: int | None = int(c.decode_output("getCounters", pr[1].data)["currentIndex"])
        trade_pair = {int(t["index"]): int(t["pairIndex"]) for t in c.decode_output("getTrades", pr[2].data)
                      if t["isOpen"]}
    else:
        request = pending = None
        trade_pair = {}
    return _GtradeSetup(oracles, min_answers, pair_info, request, pending, trade_pair)


def _gtrade_plans(conn: Connection, venue: "Venue", steps: list[StepSpec], setup: _GtradeSetup) -> list[KeeperPlan]:
    """gTrade: its oracle nodes answer each order the step initiates (reference §7.2), as ``venues.gtrade.keeper``
    does on a fork: the j-th request of an order goes to ``getOracles()[j]``, the first ``getMinAnswers()``
    answer with the pair's Chainlink price at the block's time. The orders' keys and request ids are predicted
    (request k is keccak(diamond ‖ uint256(k)), one per oracle and order, in order; the key is the sender's
    pending-order counter); a transaction this cannot read leaves them to a first simulation's
    ``MarketOrderInitiated`` and ``ChainlinkRequested`` logs. A market closed at that time is left to the fork
    (the oracles would not answer there either, and the fork says so)."""
    from datetime import datetime, timezone

    from eth_utils.crypto import keccak

    from hedgefi.venues.gtrade.adapter import GtradeVenue
    from hedgefi.venues.gtrade.constants import CHAINLINK_REQUESTED_TOPIC, codec
    from hedgefi.venues.gtrade.events import INITIATED, order_key
    from hedgefi.venues.gtrade.keeper import pack_price
    from hedgefi.venues.gtrade.schedule import is_open_at

    assert isinstance(venue, GtradeVenue)
    d, c = venue.d, codec()
    oracles, min_answers, pair_info = setup.oracles, setup.min_answers, setup.pair_info
    sender = next((p.sender for s in steps for p in s.txs), ZERO)

    def fulfils(orders: list[tuple[str, int, list[str]]]) -> Callable[[int], list[dict[str, Any]]]:
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
        return at

    orders_of = _gtrade_orders(d.diamond, steps)
    if orders_of is not None and setup.request_count is not None and setup.pending_index is not None and all(
            index in setup.trade_pair for step in orders_of for _, index, pair in step if pair is None):
        request, pending = setup.request_count, setup.pending_index
        plans = []
        for step in orders_of:
            orders = []
            for _, index, pair in step:
                rids = ["0x" + keccak(bytes.fromhex(d.diamond[2:]) + k.to_bytes(32, "big")).hex()
                        for k in range(request, request + len(oracles))]
                request += len(oracles)
                orders.append((order_key(sender, pending), pair if pair is not None else setup.trade_pair[index or 0],
                               rids))
                pending += 1
            plans.append(KeeperPlan(calls_at=fulfils(orders), expected_keys=[k for k, _, _ in orders]))
        return plans

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
        return fulfils(orders), [key for key, _, _ in orders]

    return [KeeperPlan(from_logs=from_logs) for _ in steps]


# the diamond calls that place a market order through the oracles: (selector name, does its first argument name
# an open trade's index); an open names its pair in its trade struct (third word)
_GTRADE_ORDERS = {"openTrade": False, "openTradeNative": False, "closeTradeMarket": True,
                  "increasePositionSize": True, "decreasePositionSize": True, "updateLeverage": True}


def _gtrade_orders(diamond: str, steps: list[StepSpec]) -> list[list[tuple[str, int | None, int | None]]] | None:
    """Per step, the market orders its transactions place: (function, trade index or None, pair or None); None
    when a transaction to the diamond is one this cannot tell (then a first simulation's logs tell)."""
    from hedgefi.venues.gtrade.constants import codec

    c = codec()
    sel = {_selector(c.fn(n)): (n, by_index) for n, by_index in _GTRADE_ORDERS.items()}
    out: list[list[tuple[str, int | None, int | None]]] = []
    for s in steps:
        mine: list[tuple[str, int | None, int | None]] = []
        for p in s.txs:
            u = p.utx
            if u.to.lower() != diamond.lower():
                continue
            got = sel.get(bytes(u.data[:4]))
            if got is None or len(u.data) < 4 + 96:
                return None
            name, by_index = got
            word = [int.from_bytes(u.data[4 + 32 * k:36 + 32 * k], "big") for k in range(3)]
            mine.append((name, word[0], None) if by_index else (name, None, word[2]))
        out.append(mine)
    return out


# a venue's keeper: a reader of its setup (what it needs for any order; every venue's reads run together), and its
# plans for the steps given that setup
KeeperSetup = Callable[[Connection, "Venue", str], "Reader[Any]"]
KeeperPlans = Callable[[Connection, "Venue", list[StepSpec], Any], list[KeeperPlan]]
KEEPERS: dict[str, tuple[KeeperSetup, KeeperPlans]] = {"gmx": (_gmx_setup, _gmx_plans),
                                                       "gtrade": (_gtrade_setup, _gtrade_plans)}


@dataclass
class SimSetup:
    """The chain's clock and block and every venue keeper's setup (or why it could not be read), read before the
    bundle: ``setup_reader`` puts it beside another read (``hedge apply``'s state read), ``run`` takes it."""

    head: list[CallResult]
    venues: dict[str, Any]


def _safe(reader: "Reader[Any]") -> "Reader[Any]":
    """``reader``, with a failure as its value (a keeper whose setup cannot be read leaves the run to the fork; it
    must not fail the read it rides in)."""
    try:
        return (yield from reader)
    except (HedgefiError, ValueError, KeyError, IndexError) as exc:
        return exc if isinstance(exc, SimulationUnavailable) else SimulationUnavailable(
            f"a keeper's setup could not be read: {exc}")


def setup_reader(conn: Connection, venues: Sequence["Venue"], sender: str) -> "Reader[SimSetup]":
    """Every keeper's setup for ``venues`` and the chain's clock, as one reader (two stages: GMX's providers
    depend on its oracle)."""
    from hedgefi.chain.readplan import all_of

    head = [Call(conn.profile.multicall3, encode_call("getCurrentBlockTimestamp()")),
            Call(conn.profile.multicall3, encode_call("getBlockNumber()"))]
    mine = [v for v in venues if v.name in KEEPERS]
    got = yield from all_of([_just(head), *[_safe(KEEPERS[v.name][0](conn, v, sender)) for v in mine]])
    return SimSetup(got[0], {v.name: g for v, g in zip(mine, got[1:])})


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


def _add_overrides(into: dict[str, Any], method: str, params: list[Any]) -> None:
    """An ``eth_call``'s state overrides (its third parameter) onto the reads block's."""
    if method == "eth_call" and len(params) > 2 and isinstance(params[2], dict):
        for address, o in params[2].items():
            into.setdefault(address, {}).update(o)


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
        *, seen: list[tuple[str, list[Any]]] | None = None, setup: SimSetup | None = None) -> SimRun[T]:
    """Simulate ``steps`` (their prepared transactions, from ``sender``), each venue's keeper after each step,
    and ``after``'s reads of the result; a step that reverts ends the run there (as on the fork). ``seen``: the
    requests ``after`` made on the current state (else it runs once on it to show them); a read they lack
    costs one more simulation round. ``setup``: the keepers' setup and the block, read already (``setup_reader``;
    the simulation then runs at that block)."""
    from hedgefi.chain.tx import TxRevertedError

    if conn.rpc_url in _NO_SIMULATE:
        raise SimulationUnavailable("the RPC does not serve eth_simulateV1")
    for s in steps:
        if s.venue.name not in KEEPERS:
            raise SimulationUnavailable(f"no simulated keeper for {s.venue.name} yet")
    plans = [KeeperPlan() for _ in steps]
    names = sorted({s.venue.name for s in steps})
    if setup is None or any(n not in setup.venues for n in names):
        first = {s.venue.name: s.venue for s in reversed(steps)}
        setup = read_all(conn, setup_reader(conn, [first[n] for n in names], sender))
    for name in names:
        mine = [i for i, s in enumerate(steps) if s.venue.name == name]
        got = setup.venues[name]
        if isinstance(got, Exception):
            raise got
        for i, plan in zip(mine, KEEPERS[name][1](conn, steps[mine[0]].venue, [steps[i] for i in mine], got)):
            plans[i] = plan
    latest_ts, latest = (int(decode(["uint256"], x.data)[0]) for x in setup.head)
    # the chain's clock, not this machine's: a devnet (or a fork) may run behind or ahead of the wall clock,
    # and a keeper's time checks (e.g. GMX's cancel delay) must see the time the chain would see
    t = latest_ts + 1

    recorder = _Recorder(conn.transport)
    if seen is None:
        extra = after(_side_conn(conn, recorder)) if after is not None else None
        del extra
        seen = recorder.seen
    reads: list[dict[str, Any]] = []
    read_overrides: dict[str, Any] = {}     # an eth_call's state override (e.g. a lens's code) goes on the reads block
    for method, params in seen:
        read = _as_sim_read(conn, method, params)
        if read is not None and read not in reads:
            reads.append(read)
            _add_overrides(read_overrides, method, params)

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
        last: dict[str, Any] = {"calls": reads, "blockOverrides": {"time": hex(read_time)}}
        if read_overrides:
            last["stateOverrides"] = read_overrides
        blocks = base_blocks + [last]
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
            _add_overrides(read_overrides, miss.method, miss.params)
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
