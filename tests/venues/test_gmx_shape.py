"""The GMX replica in mainnet's shape (issue #14): funding owed in the payer's collateral and earned in both
tokens, the single-token [WETH-WETH] market, mainnet's borrowing and balance rules, a crowded ORDER_LIST.

Expected figures are computed here from raw DataStore values with GMX's published formulas (reference §0,
§8, §9; gmx-synthetics MarketUtils.getNextFundingAmountPerSize / getFundingAmount), with this file's own
keys and ``eth_call``s: never a number copied from the replica, never the adapter's arithmetic.
"""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak

from hedgefi.sim import control
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gmx import reads
from hedgefi.venues.gmx.adapter import GmxVenue
from hedgefi.venues.gmx.releases import reader_codec
from tests.helpers import send, short_position

pytestmark = pytest.mark.devnet

F = 10**30
YEAR = 365 * 86400
ZERO = "0x" + "00" * 20
WETH_WETH = "gmx:market:ETH/USD [WETH-WETH]"


def _key(name: str, types: list[str] | None = None, values: list[Any] | None = None) -> bytes:
    base = keccak(abi_encode(["string"], [name]))
    return base if types is None else keccak(abi_encode(["bytes32", *types], [base, *(values or [])]))


def _call(conn: Any, to: str, sig: str, args: list[Any], out: list[str]) -> tuple[Any, ...]:
    types = [t for t in sig.partition("(")[2][:-1].split(",") if t] if "(" in sig and not sig.endswith("()") else []
    data = keccak(text=sig)[:4] + abi_encode(types, args)
    raw = conn.request("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])
    return tuple(abi_decode(out, bytes.fromhex(raw[2:])))


def _uint(conn: Any, key: bytes) -> int:
    return int(_call(conn, conn.profile.contracts["gmx:DataStore"], "getUint(bytes32)", [key], ["uint256"])[0])


def _oi(conn: Any, name: str, market: str, token: str, is_long: bool) -> int:
    return _uint(conn, _key(name, ["address", "address", "bool"], [market, token, is_long]))


def _send_raw(conn: Any, sender: str, to: str, data: bytes, value: int = 0) -> dict[str, Any]:
    from hedgefi.chain.local import wait_receipt

    h = conn.request("eth_sendTransaction", [{"from": sender, "to": to, "data": "0x" + data.hex(), "value": hex(value),
                                               "gas": hex(5_000_000)}])
    receipt = wait_receipt(conn.rpc_url, h)
    assert receipt["status"] == "0x1", receipt
    return receipt


def _erc20_balance(conn: Any, token: str, account: str) -> int:
    return int(_call(conn, token, "balanceOf(address)", [account], ["uint256"])[0])


def _position_info(conn: Any, v: GmxVenue, key: bytes) -> dict[str, Any]:
    """The Reader's close-now PositionInfo for ``key`` at the prices the client reads (decoded, release layout)."""
    snap = reads.fetch_snapshot(conn, v.d)
    pos_market = None
    reader = reader_codec(v.d)
    for m in snap.markets:
        try:
            out = bytes.fromhex(conn.request("eth_call", [{"to": v.d.reader, "data": "0x" + reader.encode(
                "getPositionInfo", v.d.data_store, v.d.referral_storage, key, snap.market_prices(m), 0, ZERO,
                True).hex()}, "latest"])[2:])
        except Exception:  # noqa: BLE001 - another market's prices: EmptyPosition never, but keep looking
            continue
        info = reader.decode_output("getPositionInfo", out)
        if info["position"]["addresses"]["market"].lower() == m.key.lower():
            pos_market = (info, snap, m)
            break
    assert pos_market is not None
    return {"info": pos_market[0], "snap": pos_market[1], "market": pos_market[2]}


def _position_key(account: str, market: str, collateral: str, is_long: bool) -> bytes:
    return keccak(abi_encode(["address", "address", "address", "bool"], [account, market, collateral, is_long]))


def _timestamp(conn: Any) -> int:
    return int(conn.request("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


# ---------------------------------------------------------------------------------------------- funding
def test_a_usdc_short_beside_weth_collateral_longs_earns_funding_in_both_tokens(conn, demo) -> None:  # type: ignore[no-untyped-def]
    c = conn.profile.contracts
    market, weth, usdc = c["gmx:market:ETH/USD"], c["WETH"], c["USDC"]
    assert _oi(conn, "OPEN_INTEREST", market, weth, True) > 0      # the seeded WETH-collateral longs
    v = GmxVenue(conn)
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("10000"))).txs).all_executed
    updated_at = _uint(conn, _key("FUNDING_UPDATED_AT", ["address"], [market]))
    control.advance(86_400)
    key = _position_key(demo.address, market, usdc, False)
    got = _position_info(conn, v, key)
    info, snap = got["info"], got["snap"]
    now = _timestamp(conn)
    funding = info["fees"]["funding"]
    claim_weth, claim_usdc = int(funding["claimableLongTokenAmount"]), int(funding["claimableShortTokenAmount"])
    assert claim_weth > 0 and claim_usdc > 0 and int(funding["fundingFeeAmount"]) == 0   # the short receives

    # GMX: fundingUsd = L x f x dt split by the payers' collateral groups, each earned per unit of short size
    # (balance OI in tokens: the index price cancels); a position gets size x that, in each token at its max price
    tokens = {(t, s): _oi(conn, "OPEN_INTEREST_IN_TOKENS", market, t, s) for t in (weth, usdc) for s in (True, False)}
    longs, shorts = tokens[(weth, True)] + tokens[(usdc, True)], tokens[(weth, False)] + tokens[(usdc, False)]
    assert longs > shorts
    size = int(info["position"]["numbers"]["sizeInUsd"])
    prices = snap.market_prices(got["market"])
    with localcontext() as ctx:
        ctx.prec = 80
        f = min(Decimal(_uint(conn, _key("FUNDING_FACTOR", ["address"], [market]))) * (longs - shorts) / (longs + shorts),
                Decimal(_uint(conn, _key("MAX_FUNDING_FACTOR_PER_SECOND", ["address", "bool"], [market, True]))))

        def expected(token: str, price_max: int, dt: int) -> Decimal:
            return Decimal(size) * f / F * dt * tokens[(token, True)] / shorts / price_max

        for amount, token, price in ((claim_weth, weth, prices["longTokenPrice"]["max"]),
                                     (claim_usdc, usdc, prices["shortTokenPrice"]["max"])):
            # the Reader runs at the latest block's time, or the next second on anvil: both are GMX's "now"
            best = min(abs(Decimal(amount) - expected(token, price, dt)) / expected(token, price, dt)
                       for dt in (now - updated_at, now + 1 - updated_at))
            assert best < Decimal("1e-6"), (token, amount)

    # the client values each claimable at its own token's price; a receiver owes no funding
    p = short_position(v, demo.address)
    assert p is not None
    value = (Decimal(claim_weth) * snap.prices_e30[weth.lower()] + Decimal(claim_usdc) * snap.prices_e30[usdc.lower()]) / F
    assert p.claimable_funding_usd == pytest.approx(value, rel=Decimal("1e-6"))
    assert p.funding_fee_usd == pytest.approx(-value, rel=Decimal("1e-6"))

    # at the position's next change the earnings become the account's claims, per token, and can be claimed
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("-4000")), existing=p).txs
                ).all_executed
    claims = {t: _uint(conn, _key("CLAIMABLE_FUNDING_AMOUNT", ["address", "address", "address"], [market, t, demo.address]))
              for t in (weth, usdc)}
    for t, before in ((weth, claim_weth), (usdc, claim_usdc)):
        assert before <= claims[t] <= before * 1001 // 1000, (t, before, claims[t])   # a few more seconds accrued
    balances = {t: _erc20_balance(conn, t, demo.address) for t in (weth, usdc)}
    from hedgefi.venues.gmx.constants import codec

    data = codec("ExchangeRouter").encode("claimFundingFees", [market, market], [weth, usdc], demo.address)
    _send_raw(conn, demo.address, v.d.exchange_router, data)
    for t in (weth, usdc):
        assert _erc20_balance(conn, t, demo.address) - balances[t] == claims[t]
        assert _uint(conn, _key("CLAIMABLE_FUNDING_AMOUNT", ["address", "address", "address"],
                                [market, t, demo.address])) == 0


# ---------------------------------------------------------------------------------------------- [WETH-WETH]
def test_the_single_token_market_takes_a_weth_collateral_short(conn, demo, keeper_paused) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.venues.gmx.constants import OrderType
    from hedgefi.venues.gmx.events import order_keys_from_receipt
    from hedgefi.venues.gmx.keeper import execute_pending
    from hedgefi.venues.gmx.orders import OrderBundle, OrderParams

    c = conn.profile.contracts
    market, weth = c[WETH_WETH], c["WETH"]
    (props,) = _call(conn, c["gmx:Reader"], "getMarket(address,address)", [c["gmx:DataStore"], market],
                     ["(address,address,address,address)"])
    assert props[0].lower() == market.lower() and props[1] == props[2] == props[3] and props[2].lower() == weth.lower()
    assert c["gmx:market:ETH/USD"] != market
    v = GmxVenue(conn)
    quotes = {q.market.lower(): q for q in v.fetch_markets()}
    assert market.lower() in quotes and c["gmx:market:ETH/USD"].lower() in quotes    # two ETH markets
    snap = reads.fetch_snapshot(conn, v.d)
    price = snap.prices_e30[weth.lower()]                                            # per wei, 1e30

    def short_oi() -> int:   # §9: OI(m, longToken) + OI(m, shortToken), halved (here both are WETH's one key)
        return (_oi(conn, "OPEN_INTEREST", market, props[2], False) + _oi(conn, "OPEN_INTEREST", market, props[3], False)) // 2

    before_oi = short_oi()
    pool = _uint(conn, _key("POOL_AMOUNT", ["address", "address"], [market, weth]))
    q = quotes[market.lower()]
    assert q.short_oi_usd == Decimal(before_oi) / F
    by_reserve = pool // 2 * price * _uint(conn, _key("RESERVE_FACTOR", ["address", "bool"], [market, False])) // F - before_oi
    by_oi_reserve = (pool // 2 * price * _uint(conn, _key("OPEN_INTEREST_RESERVE_FACTOR", ["address", "bool"], [market, False]))
                     // F - before_oi)
    by_max = _uint(conn, _key("MAX_OPEN_INTEREST", ["address", "bool"], [market, False])) - before_oi
    assert q.available_short_liquidity_usd == Decimal(max(0, min(by_reserve, by_oi_reserve, by_max))) / F

    size, collateral_wei = 6_000 * F, 10**18                                          # 1 WETH, ~2x at $3,000
    fee = (600_000 + 3 * 40_000 + 3_000_000) * int(conn.request("eth_gasPrice", []), 16) * 2
    bundle = OrderBundle()
    bundle.add(v.d, OrderParams(OrderType.MarketIncrease, market, weth, size, 0, price * 99 // 100, fee, demo.address,
                                is_long=False), wnt_collateral=collateral_wei)
    tx = bundle.tx(v.d, "WETH-collateral short")
    receipt = _send_raw(conn, demo.address, tx.to, tx.data, tx.value)
    (created,) = order_keys_from_receipt(receipt, v.d.event_emitter)
    (r,) = execute_pending(conn.rpc_url, v.d, order_keys=[created.key])
    assert r.executed, r.note
    assert _oi(conn, "OPEN_INTEREST", market, weth, False) == before_oi + size    # one key holds the side's OI
    assert short_oi() == before_oi + size
    info = _position_info(conn, v, _position_key(demo.address, market, weth, False))["info"]
    n = info["position"]["numbers"]
    assert int(n["sizeInUsd"]) == size and 0 < int(n["collateralAmount"]) < collateral_wei
    assert q.short_oi_usd + Decimal(6_000) == next(x for x in v.fetch_markets()
                                                  if x.market.lower() == market.lower()).short_oi_usd

    # close it: the collateral comes back in WETH
    weth_before = _erc20_balance(conn, weth, demo.address)
    bundle = OrderBundle()
    bundle.add(v.d, OrderParams(OrderType.MarketDecrease, market, weth, size, 0, price * 101 // 100, fee, demo.address,
                                is_long=False))
    tx = bundle.tx(v.d, "close")
    receipt = _send_raw(conn, demo.address, tx.to, tx.data, tx.value)
    (created,) = order_keys_from_receipt(receipt, v.d.event_emitter)
    (r,) = execute_pending(conn.rpc_url, v.d, order_keys=[created.key])
    assert r.executed, r.note
    assert short_oi() == before_oi
    returned = _erc20_balance(conn, weth, demo.address) - weth_before
    assert collateral_wei * 99 // 100 < returned < collateral_wei      # less the open and close fees


# ---------------------------------------------------------------------------------------------- borrowing
def test_the_smaller_side_pays_no_borrowing_and_markets_json_says_so(conn, demo, cli) -> None:  # type: ignore[no-untyped-def]
    c = conn.profile.contracts
    ds = c["gmx:DataStore"]
    assert _call(conn, ds, "getBool(bytes32)", [_key("SKIP_BORROWING_FEE_FOR_SMALLER_SIDE")], ["bool"])[0] is True
    assert _call(conn, ds, "getBool(bytes32)", [_key("USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE")], ["bool"])[0] is True
    out = cli("markets", "--venue", "gmx", "--json")
    assert out.code == 0, out.stderr
    quoted = {m["market"].lower(): m for m in json.loads(out.stdout)["markets"]}
    sides = {"smaller": 0, "larger": 0}
    for name, market in c.items():
        if not name.startswith("gmx:market:"):
            continue
        (props,) = _call(conn, c["gmx:Reader"], "getMarket(address,address)", [ds, market],
                         ["(address,address,address,address)"])
        divisor = 2 if props[2] == props[3] else 1
        usd = {s: sum(_oi(conn, "OPEN_INTEREST", market, t, s) for t in (props[2], props[3])) // divisor
               for s in (True, False)}
        smaller = usd[False] < usd[True]
        sides["smaller" if smaller else "larger"] += 1
        rate = 0 if smaller else _uint(conn, _key("BORROWING_FACTOR", ["address", "bool"], [market, False]))
        apr = Decimal(quoted[market.lower()]["short_borrowing_apr"])
        with localcontext() as ctx:
            ctx.prec = 60
            assert apr == pytest.approx(Decimal(rate) * YEAR / F, abs=Decimal("1e-9")), name
        assert (apr == 0) == smaller, name
    assert sides["smaller"] and sides["larger"]     # the seed has both cases

    # a short on the smaller side accrues no borrowing over a day; CUMULATIVE_BORROWING_FACTOR stands still
    v = GmxVenue(conn)
    market = c["gmx:market:ETH/USD"]
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("5000"))).txs).all_executed
    cum = _uint(conn, _key("CUMULATIVE_BORROWING_FACTOR", ["address", "bool"], [market, False]))
    control.advance(86_400)
    p = short_position(v, demo.address)
    assert p is not None and p.borrowing_fee_usd == 0
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("-2000")), existing=p).txs
                ).all_executed
    assert _uint(conn, _key("CUMULATIVE_BORROWING_FACTOR", ["address", "bool"], [market, False])) == cum
    assert _uint(conn, _key("CUMULATIVE_BORROWING_FACTOR", ["address", "bool"], [market, True])) > 0   # longs pay


# ---------------------------------------------------------------------------------------------- ORDER_LIST
def test_order_list_holds_other_traders_orders_the_keeper_leaves_alone(conn, demo, cli) -> None:  # type: ignore[no-untyped-def]
    c = conn.profile.contracts
    ds = c["gmx:DataStore"]
    order_list = _key("ORDER_LIST")
    (count,) = _call(conn, ds, "getBytes32Count(bytes32)", [order_list], ["uint256"])
    assert count >= 40           # the suite's devnets hold a few dozen (tests/conftest.py); the full 1,500 are
                                 # in tests/e2e/test_gmx_crowded_devnet.py
    (keys_,) = _call(conn, ds, "getBytes32ValuesAt(bytes32,uint256,uint256)", [order_list, 0, count], ["bytes32[]"])
    v = GmxVenue(conn)
    reader = reader_codec(v.d)
    accounts, types = set(), set()
    for k in keys_[:: max(1, len(keys_) // 40)]:
        raw = conn.request("eth_call", [{"to": v.d.reader, "data": "0x" + reader.encode("getOrder", ds, k).hex()},
                                        "latest"])
        o = reader.decode_output("getOrder", bytes.fromhex(raw[2:]))
        accounts.add(o["addresses"]["account"].lower())
        types.add(int(o["numbers"]["orderType"]))
    assert accounts and types == {5, 6} and demo.address.lower() not in accounts
    # our own hedge still opens (the devnet keeper follows OrderCreated, not the list) and theirs stay pending
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("2000"))).txs).all_executed
    assert _call(conn, ds, "getBytes32Count(bytes32)", [order_list], ["uint256"])[0] == count
    out = cli("orders", "--json")
    assert out.code == 0, out.stderr
    assert all(o.get("venue") != "gmx" for o in _orders(json.loads(out.stdout)))   # none of theirs is ours


def _orders(doc: Any) -> list[dict[str, Any]]:
    return doc if isinstance(doc, list) else list(doc.get("orders", []))


# ---------------------------------------------------------------------------------------------- balance in tokens
def test_funding_apr_follows_open_interest_in_tokens_after_a_price_move(conn, demo) -> None:  # type: ignore[no-untyped-def]
    """USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE: the skew is OI in tokens x price, so a short opened after a
    move weighs its tokens, not its entry USD; a short's quoted APR is f x L / S in those terms (reference §8.1,
    the SDK's getFundingFactorPerPeriod with getOpenInterestForBalance)."""
    c = conn.profile.contracts
    market, weth, usdc = c["gmx:market:ETH/USD"], c["WETH"], c["USDC"]
    v = GmxVenue(conn)
    control.set_price("ETH", "+25%")
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("200000"))).txs).all_executed
    tokens = {s: sum(_oi(conn, "OPEN_INTEREST_IN_TOKENS", market, t, s) for t in (weth, usdc)) for s in (True, False)}
    usd = {s: sum(_oi(conn, "OPEN_INTEREST", market, t, s) for t in (weth, usdc)) for s in (True, False)}
    with localcontext() as ctx:
        ctx.prec = 60
        by_tokens = Decimal(tokens[True]) / tokens[False]
        by_usd = Decimal(usd[True]) / usd[False]
        assert abs(by_tokens - by_usd) / by_usd > Decimal("0.01")     # the move makes the two differ
        f = min(Decimal(_uint(conn, _key("FUNDING_FACTOR", ["address"], [market]))) * (tokens[True] - tokens[False])
                / (tokens[True] + tokens[False]),
                Decimal(_uint(conn, _key("MAX_FUNDING_FACTOR_PER_SECOND", ["address", "bool"], [market, True]))))
        expected = -f * by_tokens * YEAR / F
    q = next(q for q in v.fetch_markets() if q.market.lower() == market.lower())
    assert q.short_funding_apr == pytest.approx(expected, abs=Decimal("1e-9"))
