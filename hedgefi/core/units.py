"""Units: the one place where raw on-chain integers and human ``Decimal`` amounts meet.

Raw amounts (token base units, wei, 1e30 USD, feed answers) are ``int``; human amounts
are ``Decimal``. ``float`` never appears in a money path. Conversions are exact: a
human amount with more decimals than the token has is an error, never rounded.

All of hedgefi's money math runs in ``CONTEXT`` (160 digits, half-even), never in the caller's
``decimal.getcontext()``: a library user who sets ``prec = 6`` or traps ``Inexact`` changes nothing
hedgefi computes. The rule is held at boundaries, not operator by operator: every public function or
property that does ``Decimal`` arithmetic (``*``, ``/``, ``+``, ``quantize``, ``**``, ...) is decorated
with ``@money`` (or runs its body under ``with money_context():``); private helpers called only from
such a function inherit the context. Comparisons and ``Decimal(str | int)`` are exact anywhere.
``tests/unit/test_decimal_context.py`` and ``tests/venues/test_decimal_context_devnet.py`` run the
planner, the adapters and the reads under a hostile global context to hold the rule.
"""

from __future__ import annotations

import decimal
import functools
import re
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Callable, NewType, ParamSpec, TypeVar

from hedgefi.core.errors import BadAmountError

RawAmount = NewType("RawAmount", int)
Wei = NewType("Wei", int)

# 78 digits hold any uint256 exactly; products of two of them need more.
# Every field given, so nothing is copied from a ``decimal.DefaultContext`` someone may have changed.
CONTEXT = decimal.Context(prec=160, rounding=decimal.ROUND_HALF_EVEN, Emin=-999_999, Emax=999_999, capitals=1,
                          clamp=0, flags=[],
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])

_P = ParamSpec("_P")
_R = TypeVar("_R")


def money_context() -> AbstractContextManager[decimal.Context]:
    """``with money_context():`` runs the block's Decimal arithmetic in a private copy of ``CONTEXT``."""
    return decimal.localcontext(CONTEXT)


def money(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: the function's Decimal arithmetic runs in hedgefi's ``CONTEXT``, whatever the caller's."""
    @functools.wraps(fn)
    def in_context(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(CONTEXT):
            return fn(*args, **kwargs)
    return in_context


def from_raw(raw: int, decimals: int) -> Decimal:
    """Raw base units -> human amount, exactly."""
    return CONTEXT.divide(Decimal(int(raw)), _ten_to(decimals))


def _ten_to(decimals: int) -> Decimal:
    return CONTEXT.power(Decimal(10), decimals)


def to_raw(amount: Decimal, decimals: int, *, what: str = "amount") -> int:
    """Human amount -> raw base units; refuses values the token cannot represent."""
    if not amount.is_finite():
        raise BadAmountError(f"{what} must be a finite number, got {amount}")
    scaled = CONTEXT.multiply(amount, _ten_to(decimals))
    if scaled != scaled.to_integral_value(context=CONTEXT):
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


__all__ = ["RawAmount", "Wei", "CONTEXT", "money", "money_context", "from_raw", "to_raw", "mul", "fmt", "parse_decimal"]
