"""Units: the one place where raw on-chain integers and human ``Decimal`` amounts meet.

Raw amounts (token base units, wei, 1e30 USD, feed answers) are ``int``; human amounts
are ``Decimal``. ``float`` never appears in a money path. Conversions are exact: a
human amount with more decimals than the token has is an error, never rounded.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from typing import NewType

from hedgefi.core.errors import BadAmountError

RawAmount = NewType("RawAmount", int)
Wei = NewType("Wei", int)

# 78 digits hold any uint256 exactly; products of two of them need more.
CONTEXT = decimal.Context(prec=160, rounding=decimal.ROUND_HALF_EVEN)


def from_raw(raw: int, decimals: int) -> Decimal:
    """Raw base units -> human amount, exactly."""
    return CONTEXT.divide(Decimal(int(raw)), Decimal(10) ** decimals)


def to_raw(amount: Decimal, decimals: int, *, what: str = "amount") -> int:
    """Human amount -> raw base units; refuses values the token cannot represent."""
    if not amount.is_finite():
        raise BadAmountError(f"{what} must be a finite number, got {amount}")
    scaled = CONTEXT.multiply(amount, Decimal(10) ** decimals)
    if scaled != scaled.to_integral_value():
        raise BadAmountError(f"{what} {fmt(amount)} has more than {decimals} decimals")
    return int(scaled)


def mul(a: Decimal, b: Decimal) -> Decimal:
    """Exact product of two human amounts."""
    return CONTEXT.multiply(a, b)


def fmt(value: Decimal | int) -> str:
    """A decimal string with no exponent and no trailing zeros ('1.5', '0', '-2')."""
    d = Decimal(value)
    if d == 0:
        return "0"
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_decimal(text: str, *, what: str = "amount", allow_negative: bool = False,
                  allow_zero: bool = True) -> Decimal:
    """Parse a user-typed number (underscores and commas as thousands separators allowed)."""
    cleaned = text.strip().replace("_", "").replace(",", "")
    if not _NUMBER.match(cleaned):
        raise BadAmountError(f"{what} must be a number, got '{text}'")
    value = Decimal(cleaned)
    if value < 0 and not allow_negative:
        raise BadAmountError(f"{what} must not be negative, got '{text}'")
    if value == 0 and not allow_zero:
        raise BadAmountError(f"{what} must be greater than zero")
    return value


__all__ = ["RawAmount", "Wei", "CONTEXT", "from_raw", "to_raw", "mul", "fmt", "parse_decimal"]
