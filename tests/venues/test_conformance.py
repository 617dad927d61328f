"""The Venue conformance suite: every registered venue passes it against its devnet replica."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hedgefi.venues.base import ShortRequest
from hedgefi.venues.registry import get_venue, venue_names

MARKET_KEYS = {"venue", "market", "asset", "asset_class", "price", "short_funding_apr", "short_borrowing_apr",
               "short_carry_apr", "long_oi_usd", "short_oi_usd", "available_short_liquidity_usd", "max_leverage", "open",
               "can_reduce", "position_fee_rate", "min_size_usd", "price_stale"}
POSITION_KEYS = {"venue", "market", "asset", "side", "size_usd", "size_tokens", "collateral_token",
                 "collateral_amount", "entry_price", "mark_price", "pnl_usd", "funding_fee_usd", "borrowing_fee_usd",
                 "liquidation_price", "liquidation_distance", "price_stale"}
ORDER_KEYS = {"venue", "key", "type", "asset", "size_delta_usd", "created_at"}


@pytest.fixture(params=venue_names())
def venue(request, conn):  # type: ignore[no-untyped-def]
    return get_venue(request.param, conn)


def test_capabilities_are_data(venue) -> None:  # type: ignore[no-untyped-def]
    caps = venue.capabilities
    assert caps.name == venue.name and caps.collateral_tokens and caps.max_leverage_hint > 0


def test_markets_have_the_shared_schema_and_sane_values(venue) -> None:  # type: ignore[no-untyped-def]
    quotes = venue.fetch_markets()
    assert {"ETH", "BTC"} <= {q.asset for q in quotes}
    for q in quotes:
        assert set(q.as_json()) == MARKET_KEYS
        assert q.price > 0 and q.long_oi_usd > 0 and q.short_oi_usd > 0
        assert q.available_short_liquidity_usd > 0 and q.max_leverage > 1
        assert q.open or q.asset_class != "crypto"          # crypto trades 24/7; other classes keep hours
        assert q.short_carry_apr == q.short_funding_apr + q.short_borrowing_apr
        assert q.short_borrowing_apr > 0
        # funding sign: shorts earn when longs are the larger side on the devnet seed
        assert (q.short_funding_apr < 0) == (q.long_oi_usd > q.short_oi_usd)


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
