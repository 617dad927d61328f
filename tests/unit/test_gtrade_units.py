"""gTrade encodings, formulas and market hours against the reference's units (no chain needed)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from hedgefi.core.errors import InputError
from hedgefi.venues.base import MarketQuote
from hedgefi.venues.choose import choose_venue
from hedgefi.venues.gtrade import orders
from hedgefi.venues.gtrade.constants import codec, leverage_e3, price_e10, slippage_e3
from hedgefi.venues.gtrade.keeper import pack_price
from hedgefi.venues.gtrade.reads import borrowing_apr, short_funding_apr
from hedgefi.venues.gtrade.schedule import is_open_at, to_eastern

DIAMOND = "0xFF162c694eAA571f685030649814282eA457f169"
USER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_units() -> None:
    assert leverage_e3(Decimal("10")) == 10_000 and leverage_e3(Decimal("1.5")) == 1500
    assert slippage_e3(Decimal("0.005")) == 500 and slippage_e3(Decimal("0.01")) == 1000
    assert price_e10(Decimal("2400.5")) == 24_005_000_000_000


@pytest.mark.parametrize("name, args, selector", [
    ("openTrade", (orders.trade_tuple(USER, 90, 2000, 3, 10**9, 24 * 10**12), 500, orders.ZERO), "5bfcc4f8"),
    ("increasePositionSize", (1, 10**6, 2000, 1, 500), "24058ad3"),
    ("decreasePositionSize", (1, 10**6, 0, 1), "a7cac572"),
    ("closeTradeMarket", (1, 1), "36ce736b"),
    ("updateMaxClosingSlippageP", (1, 1000), "9e8433d0"),
    ("cancelOrderAfterTimeout", (7,), "b6919540"),
    ("multicall", ([b""],), "ac9650d8"),
    ("fulfill", (b"\x00" * 32, 1), "4357855e"),
])
def test_selectors_match_the_reference(name: str, args: tuple[object, ...], selector: str) -> None:
    assert codec().encode(name, *args)[:4].hex() == selector


def test_decrease_takes_exactly_one_delta() -> None:
    assert orders.decrease_args(5, 0) == (5, 0) and orders.decrease_args(0, 500) == (0, 500)
    for cd, ld in ((0, 0), (5, 500)):
        with pytest.raises(InputError, match="exactly one non-zero delta"):
            orders.decrease_tx(DIAMOND, 1, cd, ld, 10**10, 1000, "x")


def test_open_and_close_encodings() -> None:
    with pytest.raises(InputError, match="non-zero"):
        orders.open_trade_tx(DIAMOND, orders.trade_tuple(USER, 1, 2000, 3, 10**6, 0), 500, "x")
    tx = orders.close_tx(DIAMOND, 4, 3000 * 10**10, 700, "x")
    from eth_abi import decode

    (inner,) = decode(["bytes[]"], tx.data[4:])
    assert inner[0][:4].hex() == "9e8433d0" and decode(["uint32", "uint16"], inner[0][4:]) == (4, 700)
    assert inner[1][:4].hex() == "36ce736b" and decode(["uint32", "uint64"], inner[1][4:]) == (4, 3000 * 10**10)


def test_pack_price_bits() -> None:
    packed = pack_price(123, 456)
    assert packed & ((1 << 56) - 1) == 123 and (packed >> 224) == 456 and (packed >> 56) & ((1 << 56) - 1) == 123


def test_funding_sign_and_multiplier() -> None:
    r = 10**18 * 10 // 31_536_000          # +10% a year in 1e18 %/s: longs pay, shorts earn
    assert short_funding_apr(r, 1, 1, False) == pytest.approx(Decimal("-0.1"), rel=Decimal("1e-6"))
    assert short_funding_apr(-r, 1, 1, False) == pytest.approx(Decimal("0.1"), rel=Decimal("1e-6"))
    assert short_funding_apr(r, 3, 1, True) == pytest.approx(Decimal("-0.3"), rel=Decimal("1e-6"))
    assert borrowing_apr(317_097) == pytest.approx(Decimal("10"), rel=Decimal("1e-4"))   # the 1,000% cap


def test_market_hours() -> None:
    utc = timezone.utc
    assert to_eastern(datetime(2026, 7, 1, 14, 0, tzinfo=utc)).hour == 10       # EDT
    assert to_eastern(datetime(2026, 12, 1, 14, 0, tzinfo=utc)).hour == 9       # EST
    wed_1500 = datetime(2026, 11, 25, 15, 0, tzinfo=utc)                        # 10:00 EST
    assert is_open_at("stocks", wed_1500) and is_open_at("commodities", wed_1500) and is_open_at("forex", wed_1500)
    assert not is_open_at("stocks", datetime(2026, 11, 25, 14, 30, tzinfo=utc))  # 09:30, before 09:35
    sat = datetime(2026, 11, 28, 15, 0, tzinfo=utc)
    assert not any(is_open_at(k, sat) for k in ("stocks", "indices", "forex", "commodities"))
    assert is_open_at("crypto", sat)
    assert not is_open_at("commodities", datetime(2026, 11, 25, 22, 30, tzinfo=utc))   # 17:30 EST daily break
    assert is_open_at("commodities", datetime(2026, 11, 25, 23, 30, tzinfo=utc))
    # forex closes Friday 17:00 ET in winter, 16:00 ET under daylight saving time
    assert is_open_at("forex", datetime(2026, 11, 27, 21, 30, tzinfo=utc))          # Fri 16:30 EST
    assert not is_open_at("forex", datetime(2026, 7, 10, 20, 30, tzinfo=utc))       # Fri 16:30 EDT
    assert is_open_at("forex", datetime(2026, 7, 10, 19, 30, tzinfo=utc))           # Fri 15:30 EDT


def _q(venue: str, carry: str, room: str, is_open: bool = True) -> MarketQuote:
    return MarketQuote(venue, "m", "ETH", "crypto", Decimal(3000), Decimal(carry), Decimal(0), Decimal(1), Decimal(1),
                       Decimal(room), Decimal(50), is_open)


def test_choose_venue_by_cost_then_liquidity() -> None:
    quotes = [_q("gtrade", "0.08", "20000000"), _q("gmx", "-0.05", "1000000")]
    assert choose_venue(quotes, "eth", Decimal("10000")).venue == "gmx"
    choice = choose_venue(quotes, "ETH", Decimal("950000"))        # 1M x 0.9 margin < 950k
    assert choice.venue == "gtrade" and "gmx has only $900,000" in choice.reason
    with pytest.raises(InputError, match="no venue can take"):
        choose_venue([_q("gmx", "0", "10", False)], "ETH", Decimal("1"))
