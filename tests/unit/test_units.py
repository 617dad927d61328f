from decimal import Decimal

import pytest

from hedgefi.core.errors import BadAmountError
from hedgefi.core.units import fmt, from_raw, parse_decimal, to_raw


def test_round_trip_is_exact_to_the_wei() -> None:
    raw = 123456789012345678901234567890123
    assert to_raw(from_raw(raw, 18), 18) == raw
    assert from_raw(1, 18) == Decimal("0.000000000000000001")


def test_too_many_decimals_is_refused_not_rounded() -> None:
    with pytest.raises(BadAmountError, match="more than 6 decimals"):
        to_raw(Decimal("1.0000001"), 6)


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-1", "1e5", "abc", "", "1.2.3"])
def test_parse_decimal_rejects_bad_numbers(text: str) -> None:
    with pytest.raises(BadAmountError):
        parse_decimal(text)


def test_parse_decimal_accepts_separators_and_zero_policy() -> None:
    assert parse_decimal("10_000.5") == Decimal("10000.5")
    assert parse_decimal("1,000") == Decimal("1000")
    with pytest.raises(BadAmountError, match="greater than zero"):
        parse_decimal("0", allow_zero=False)


def test_fmt_has_no_exponent_and_no_trailing_zeros() -> None:
    assert fmt(Decimal("1E+3")) == "1000"
    assert fmt(Decimal("2100.00000000")) == "2100"
    assert fmt(Decimal("0.000000000000000001")) == "0.000000000000000001"
    assert fmt(Decimal("0E-8")) == "0"
