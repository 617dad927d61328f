"""The Venue conformance suite: every registered venue passes it against its devnet replica.

Quoted rates are checked against the venue's raw on-chain factors, read here with plain ``eth_call``s
(own selectors, keys and decoding, none of the adapter's code) and turned into a short's APR with the
venue's published formula (GMX: reference §17.2 static funding; gTrade: reference §6.3-§6.4).
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any, Callable

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak

from hedgefi.venues.base import ShortRequest
from hedgefi.venues.registry import get_venue, venue_names

MARKET_KEYS = {"venue", "market", "asset", "asset_class", "price", "short_funding_apr", "short_borrowing_apr",
               "short_carry_apr", "long_oi_usd", "short_oi_usd", "available_short_liquidity_usd", "max_leverage", "open",
               "can_reduce", "position_fee_rate", "min_size_usd", "price_stale",
               # an asset may have several markets (GMX): their name and tokens; "" / [] where a venue has one
               "market_name", "index_token", "long_token", "short_token", "collateral_tokens"}
POSITION_KEYS = {"venue", "market", "asset", "side", "size_usd", "size_tokens", "collateral_token",
                 "collateral_amount", "collateral_value_usd", "entry_price", "mark_price", "pnl_usd",
                 "funding_fee_usd", "borrowing_fee_usd", "liquidation_price", "liquidation_distance", "price_stale",
                 "net_pnl_usd", "close_value_usd", "closing_fee_usd", "realized_trading_fees_usd", "realized_pnl_usd",
                 "claimable_funding_usd"}
ORDER_KEYS = {"venue", "key", "type", "asset", "size_delta_usd", "created_at"}


@pytest.fixture(params=venue_names())
def venue(request, conn):  # type: ignore[no-untyped-def]
    return get_venue(request.param, conn)


def test_capabilities_hold_for_the_markets_and_tokens_on_chain(venue, conn) -> None:  # type: ignore[no-untyped-def]
    """What a venue declares about itself agrees with what it quotes and with the chain."""
    caps = venue.capabilities
    tokens = {t.symbol: t.address for t in conn.profile.tokens}
    assert caps.collateral_tokens
    for symbol in caps.collateral_tokens:          # every collateral is a real token contract here
        assert conn.request("eth_getCode", [tokens[symbol], "latest"]) not in ("0x", None), symbol
    quotes = venue.fetch_markets()
    assert {q.asset_class for q in quotes} <= set(caps.asset_classes)
    assert max(q.max_leverage for q in quotes) <= caps.max_leverage_hint   # the hint bounds every market


def test_markets_have_the_shared_schema_and_sane_values(venue) -> None:  # type: ignore[no-untyped-def]
    quotes = venue.fetch_markets()
    assert {"ETH", "BTC"} <= {q.asset for q in quotes}
    for q in quotes:
        assert set(q.as_json()) == MARKET_KEYS
        assert q.price > 0 and q.long_oi_usd > 0 and q.short_oi_usd > 0
        assert q.available_short_liquidity_usd > 0 and q.max_leverage > 1
        assert q.open or q.asset_class != "crypto"          # crypto trades 24/7; other classes keep hours
        # mainnet's SKIP_BORROWING_FEE_FOR_SMALLER_SIDE on GMX: a short pays borrowing unless shorts are smaller
        assert (q.short_borrowing_apr > 0) == (q.venue != "gmx" or q.short_oi_usd >= q.long_oi_usd), q.asset
        # funding sign: shorts earn when longs are the larger side on the devnet seed
        assert (q.short_funding_apr < 0) == (q.long_oi_usd > q.short_oi_usd)


YEAR = 365 * 86400


def _eth_call(conn: Any, to: str, sig: str, args: list[Any], out: list[str]) -> tuple[Any, ...]:
    name, _, rest = sig.partition("(")
    types = [t for t in rest[:-1].split(",") if t]
    data = keccak(text=sig)[:4] + abi_encode(types, args)
    raw = conn.request("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])
    return tuple(abi_decode(out, bytes.fromhex(raw[2:])))


def _gmx_key(name: str, types: list[str] | None = None, values: list[Any] | None = None) -> bytes:
    base = keccak(abi_encode(["string"], [name]))
    return base if types is None else keccak(abi_encode(["bytes32", *types], [base, *(values or [])]))


def _gmx_raw_rates(conn: Any) -> dict[str, tuple[Decimal, Decimal]]:
    """Per market (address, lower case), a short's (funding, borrowing) APR from the replica's raw factors
    with mainnet's rules (reference §0, §8, §9): OI over both collaterals, halved in a single-token market;
    with USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE the skew is OPEN_INTEREST_IN_TOKENS x the index price (the
    price cancels out of the ratios below, so tokens suffice);
    f = min(FUNDING_FACTOR x |L - S| / (L + S), MAX_FUNDING_FACTOR_PER_SECOND(payer)); when longs are the
    larger side a short earns f x L / S, otherwise it pays f; borrowing is BORROWING_FACTOR(short), or 0 when
    SKIP_BORROWING_FEE_FOR_SMALLER_SIDE is set and shorts hold less USD OI than longs."""
    c = conn.profile.contracts
    ds = c["gmx:DataStore"]

    def uint(key: bytes) -> int:
        return int(_eth_call(conn, ds, "getUint(bytes32)", [key], ["uint256"])[0])

    def flag(name: str) -> bool:
        return bool(_eth_call(conn, ds, "getBool(bytes32)", [_gmx_key(name)], ["bool"])[0])

    in_tokens, skip_smaller = flag("USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE"), flag("SKIP_BORROWING_FEE_FOR_SMALLER_SIDE")
    rates = {}
    for name, market in c.items():
        if not name.startswith("gmx:market:"):
            continue
        (_, _, long_token, short_token), = _eth_call(conn, c["gmx:Reader"], "getMarket(address,address)",
                                                     [ds, market], ["(address,address,address,address)"])
        divisor = 2 if long_token == short_token else 1
        assert uint(_gmx_key("FUNDING_EXPONENT_FACTOR", ["address"], [market])) == 10**30   # linear in skew

        def oi(key: str, side: bool) -> int:
            return sum(uint(_gmx_key(key, ["address", "address", "bool"], [market, t, side]))
                       for t in (long_token, short_token)) // divisor

        usd = {side: oi("OPEN_INTEREST", side) for side in (True, False)}
        bal = {side: oi("OPEN_INTEREST_IN_TOKENS", side) for side in (True, False)} if in_tokens else usd
        long_oi, short_oi = bal[True], bal[False]
        longs_pay = long_oi > short_oi
        with localcontext() as ctx:
            ctx.prec = 60
            f = (Decimal(uint(_gmx_key("FUNDING_FACTOR", ["address"], [market]))) * abs(long_oi - short_oi)
                 / (long_oi + short_oi))
            cap = uint(_gmx_key("MAX_FUNDING_FACTOR_PER_SECOND", ["address", "bool"], [market, longs_pay]))
            f = min(f, Decimal(cap)) if cap else f
            funding = -f * long_oi / short_oi if longs_pay else f
            borrowing = Decimal(uint(_gmx_key("BORROWING_FACTOR", ["address", "bool"], [market, False])))
            if skip_smaller and usd[False] < usd[True]:
                borrowing = Decimal(0)
            rates[market.lower()] = (funding * YEAR / 10**30, borrowing * YEAR / 10**30)
    return rates


def _gtrade_raw_rates(conn: Any) -> dict[str, tuple[Decimal, Decimal]]:
    """Per pair, a short's (funding, borrowing) APR from the diamond's stored funding data and params:
    the v10 velocity model (SDK getPairPendingAccFundingFees, tests/gtrade_v10.py) projects the stored
    lastFundingRatePerSecondP (1e18 %/s, positive: longs pay) to the latest block; an earning short gets
    min(oiLong / oiShort, 100) with the APR multiplier; borrowing borrowingRatePerSecondP (1e10 %/s)."""
    from hedgefi.venues.gtrade.keeper import feed_price_e10, feeds_of
    from tests.gtrade_v10 import block_timestamp, fetch_pair_funding, project_funding

    c = conn.profile.contracts
    diamond = c["gtrade:Diamond"]
    (ci,) = _eth_call(conn, diamond, "getCollateralIndex(address)", [c["USDC"]], ["uint8"])
    (coll_price,) = _eth_call(conn, diamond, "getCollateralPriceUsd(uint8)", [ci], ["uint256"])
    feeds = feeds_of(conn.profile)
    now = block_timestamp(conn)
    rates = {}
    for key, index in conn.profile.params.items():
        if not key.startswith("gtrade:pair:"):
            continue
        asset, p = key.removeprefix("gtrade:pair:"), int(index)
        f = fetch_pair_funding(conn, diamond, ci, p)
        ((_, _, _, _, enabled, _, _),) = _eth_call(
            conn, diamond, "getPairFundingFeeParams(uint8[],uint16[])", [[ci], [p]],
            ["(uint112,uint24,uint24,uint32,bool,bool,uint48)[]"])[0]
        ((borrow_rate, _),) = _eth_call(conn, diamond, "getPairBorrowingFeeParams(uint8[],uint16[])", [[ci], [p]],
                                        ["(uint24,uint232)[]"])[0]
        _, _, rate = project_funding(f, feed_price_e10(conn.rpc_url, feeds[asset]), now, coll_price)
        with localcontext() as ctx:
            ctx.prec = 60
            yearly = Decimal(int(rate)) * YEAR / 10**18 / 100     # fraction of notional a year
            if not enabled:
                funding = Decimal(0)
            elif rate > 0:                                        # the short earns
                m = min(Decimal(f.oi_long_token) / f.oi_short_token, Decimal(100)) \
                    if f.apr_multiplier and f.oi_short_token else Decimal(1)
                funding = -yearly * m
            else:
                funding = -yearly
            rates[asset] = (funding, Decimal(borrow_rate) * YEAR / 10**10 / 100)
    return rates


RAW_RATES: dict[str, Callable[[Any], dict[str, tuple[Decimal, Decimal]]]] = {
    "gmx": _gmx_raw_rates, "gtrade": _gtrade_raw_rates}


def test_every_venue_has_an_independent_rate_check() -> None:
    assert set(RAW_RATES) == set(venue_names())


def test_quoted_rates_are_the_raw_factors_on_chain(venue, conn, demo) -> None:  # type: ignore[no-untyped-def]
    """Quoted funding and borrowing APRs equal the ones computed from the replica's raw factors, for the
    seeded book and again after our own short moves the skew (the quote follows the chain)."""
    from tests.helpers import send

    for step in ("seeded", "after our short"):
        if step == "after our short":
            if hasattr(venue, "fetch_verify"):
                venue.fetch_verify()
            assert send(conn, venue, demo, venue.plan_short(demo.address,
                                                            ShortRequest("ETH", Decimal("100000"))).txs).all_executed
        raw = RAW_RATES[venue.name](conn)
        quotes = venue.fetch_markets()

        def key(q: Any) -> str:   # GMX lists several markets per asset: its rates are per market
            return q.market.lower() if venue.name == "gmx" else q.asset

        assert {key(q) for q in quotes} <= set(raw)
        for q in quotes:
            funding, borrowing = raw[key(q)]
            assert q.short_funding_apr == pytest.approx(funding, abs=Decimal("1e-9")), (step, q.asset)
            assert q.short_borrowing_apr == pytest.approx(borrowing, abs=Decimal("1e-9")), (step, q.asset)
            assert q.short_carry_apr == pytest.approx(funding + borrowing, abs=Decimal("2e-9")), (step, q.asset)
        assert any(f != 0 for f, _ in raw.values()), step    # a book with skew: the check has teeth


def test_markets_take_at_most_two_round_trips(venue, conn) -> None:  # type: ignore[no-untyped-def]
    conn.requests.clear()
    conn.round_trips.clear()
    venue.fetch_markets()
    assert conn.requests["eth_call"] <= 2 and conn.round_trips["total"] <= 2


def test_positions_schema_and_empty_wallet(venue, demo) -> None:  # type: ignore[no-untyped-def]
    positions, pending = venue.fetch_positions(demo.address)
    assert positions == [] and pending == []
    seed_short = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # anvil #2 opened the seeded shorts
    positions, _ = venue.fetch_positions(seed_short)
    assert positions and all(set(p.as_json()) == POSITION_KEYS for p in positions)
    assert all(p.side == "short" and p.liquidation_price and p.liquidation_price > p.mark_price for p in positions)
    # every venue says what a short is worth: a close value after its closing fee
    assert all(p.close_value_usd is not None and p.closing_fee_usd and p.closing_fee_usd > 0 and p.net_pnl_usd
               is not None for p in positions)


def test_liquidation_of_a_planned_short_is_inside_one_over_leverage(venue) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.readplan import read

    quotes = read(venue.conn, venue.liquidation_reader({"*": [Decimal(2), Decimal(5)]}))
    eth = {q.leverage: q for q in quotes if q.asset == "ETH"}
    assert set(eth) == {Decimal(2), Decimal(5)} and all(q.venue == venue.name for q in quotes)
    for lev, q in eth.items():
        assert Decimal(0) < q.distance < 1 / lev          # fees and the maintenance margin come first
    assert eth[Decimal(5)].distance < eth[Decimal(2)].distance


def test_plan_builds_unsigned_transactions_only(venue, demo) -> None:  # type: ignore[no-untyped-def]
    plan = venue.plan_short(demo.address, ShortRequest("ETH", Decimal("1000")))
    assert plan.txs and all(isinstance(t.data, bytes) and t.to.startswith("0x") for t in plan.txs)
    assert plan.acceptable_price < plan.index_price  # a short's increase floor sits below the price


def test_unknown_asset_says_did_you_mean(venue, demo) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.core.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="did you mean 'ETH'"):
        venue.plan_short(demo.address, ShortRequest("ETHH", Decimal("1000")))


def test_each_venue_owns_the_order_keys_it_makes_and_no_other(conn, demo) -> None:  # type: ignore[no-untyped-def]
    """Keys as each venue's own code derives them (GMX: keccak of the DataStore nonce; gTrade: the pending
    order id) are claimed by that venue alone; strings of neither shape by none."""
    from hedgefi.venues.gmx.deployment import deployment_for
    from hedgefi.venues.gmx.keys import order_key as gmx_order_key
    from hedgefi.venues.gtrade.events import order_key as gtrade_order_key

    venues = {n: get_venue(n, conn) for n in venue_names()}
    data_store = deployment_for(conn.profile).data_store
    made = {"gmx": ["0x" + gmx_order_key(data_store, n).hex() for n in (0, 1, 2**64)],
            "gtrade": [gtrade_order_key(demo.address, i) for i in (0, 7, 2**32)]}
    assert set(made) == set(venues)
    for owner, keys in made.items():
        for key in keys:
            assert [n for n, v in venues.items() if v.owns_order_key(key)] == [owner], key
    not_keys = ["", "12345", demo.address, "0x" + "ab" * 31, "0x" + "zz" * 32, f"{demo.address}:", f"{demo.address}:-1",
                f"{demo.address[:-1]}:3", "0x" + "00" * 32 + ":1"]
    for text in not_keys:
        assert not any(v.owns_order_key(text) for v in venues.values()), text


def test_a_collateral_top_up_adds_collateral_at_the_same_size(venue, conn, demo) -> None:  # type: ignore[no-untyped-def]
    """Every venue's ``plan_add_collateral``: the position's margin model reproduces its liquidation price, and
    the top-up, signed and executed, leaves the size alone, takes the collateral from the wallet (through an
    approval when the allowance is short) and moves the liquidation price away."""
    from tests.helpers import send, short_position, usdc_raw

    send(conn, venue, demo, venue.plan_short(demo.address, ShortRequest("ETH", Decimal("3000"),
                                                                        leverage=Decimal(2))).txs)
    p = short_position(venue, demo.address)
    assert p.margin is not None
    assert p.margin.add_collateral(0).liquidation_price.quantize(Decimal("0.0001")) == \
        p.liquidation_price.quantize(Decimal("0.0001"))
    usdc = usdc_raw(conn, demo.address)
    plan = venue.plan_add_collateral(demo.address, p, 300 * 10**6)
    assert plan.action == "add_collateral" and plan.size_delta_usd == 0
    assert [t.kind for t in plan.txs][-1] == "order" and all(t.kind in ("approve", "order") for t in plan.txs)
    r = send(conn, venue, demo, plan.txs)
    assert [o.status for o in r.orders] == ["executed"]
    after = short_position(venue, demo.address)
    assert after.size_tokens == p.size_tokens
    pulled = usdc - usdc_raw(conn, demo.address)
    assert pulled >= 300 * 10**6 and after.collateral_amount - p.collateral_amount >= Decimal(299)
    assert after.liquidation_price > p.liquidation_price
