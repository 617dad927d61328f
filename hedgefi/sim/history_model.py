"""The devnet's seeded price history: hourly feed answers for the days before the deploy.

Pure and deterministic. A market factor walks through regimes anchored in *days before now* (an
uptrend, a chop, a second uptrend, a crash of about a third over four days 45 to 41 days ago, a
recovery, then a quiet drift); each asset's hourly return is ``beta x market + its own noise``, so ARB and
LINK move with ETH as they do on mainnet, gold barely does, and USDC stays pegged near 1. The path is
built backwards from the asset's current answer, so the last point before the deploy's round leads
exactly to today's seeded price and every existing figure stays what it was.

Random draws are integers (``random.Random`` seeded by ``seed`` and the asset name, the same on every
platform); a normal draw is the Irwin-Hall sum of twelve uniform integers; all arithmetic is ``Decimal``
in this module's own fixed context (34 digits), converted to int answers by half-even rounding.
Hour ``j`` before now uses the ``j``-th draw, so a shorter history is the tail of a longer one.
"""

from __future__ import annotations

import decimal
import functools
import random
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_SEED = 18
DEFAULT_DAYS = 180
HOUR = 3600

_CTX = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation,
                                                                        decimal.DivisionByZero, decimal.Overflow])
_BITS = 20
_UNIFORM = 1 << _BITS


@dataclass(frozen=True, slots=True)
class AssetModel:
    beta: Decimal          # hourly return's loading on the market factor
    noise_h: Decimal       # its own hourly noise (standard deviation)
    pegged: bool = False   # a stablecoin: no walk, the current price times (1 + noise)


MARKET_VOL_H = Decimal("0.005")        # the market factor's hourly standard deviation

MODELS: dict[str, AssetModel] = {
    "ETH": AssetModel(Decimal("1"), Decimal("0.002")),
    "BTC": AssetModel(Decimal("0.85"), Decimal("0.002")),
    "ARB": AssetModel(Decimal("1.4"), Decimal("0.006")),
    "LINK": AssetModel(Decimal("1.0"), Decimal("0.0035")),
    "SYN": AssetModel(Decimal("0.6"), Decimal("0.004")),
    "XAU": AssetModel(Decimal("0.05"), Decimal("0.0025")),
    "EUR": AssetModel(Decimal("0.02"), Decimal("0.0008")),
    "SPY": AssetModel(Decimal("0.25"), Decimal("0.0025")),
    "NVDA": AssetModel(Decimal("0.5"), Decimal("0.006")),
    "USDC": AssetModel(Decimal("0"), Decimal("0.0004"), pegged=True),
}
DEFAULT_MODEL = AssetModel(Decimal("0.5"), Decimal("0.004"))


@dataclass(frozen=True, slots=True)
class Regime:
    since_days: int        # starts this many days before now (and runs until the next regime's start)
    drift_h: Decimal       # the market factor's hourly drift
    vol: Decimal           # multiplies MARKET_VOL_H
    name: str


def _hourly(total: str, hours: int) -> Decimal:
    """The hourly return that compounds to ``total`` (e.g. '-0.33') over ``hours``."""
    return _CTX.subtract(_CTX.exp(_CTX.divide(_CTX.ln(_CTX.add(Decimal(1), Decimal(total))), Decimal(hours))),
                         Decimal(1))


# Oldest first; before the first start the first regime continues.
REGIMES: tuple[Regime, ...] = (
    Regime(180, _hourly("0.003", 24), Decimal("1.0"), "uptrend"),
    Regime(120, Decimal(0), Decimal("0.9"), "chop"),
    Regime(75, _hourly("0.0045", 24), Decimal("1.0"), "uptrend"),
    Regime(45, _hourly("-0.33", 96), Decimal("0.8"), "crash"),
    Regime(41, _hourly("0.009", 24), Decimal("1.1"), "recovery"),
    Regime(12, _hourly("0.001", 24), Decimal("0.8"), "quiet"),
)
CRASH_DAYS_AGO = (45, 41)


def regime_at(hours_ago: int) -> Regime:
    """The regime of the return that ends ``hours_ago`` hours before now (0: the last one)."""
    days_ago = _CTX.divide(Decimal(hours_ago + 1), Decimal(24))
    current = REGIMES[0]
    for r in REGIMES:
        if days_ago <= r.since_days:
            current = r
    return current


def _normal(rng: random.Random) -> Decimal:
    s = sum(rng.getrandbits(_BITS) for _ in range(12)) - 6 * _UNIFORM
    return _CTX.divide(Decimal(s), Decimal(_UNIFORM))


@functools.lru_cache(maxsize=8)
def market_returns(hours: int, seed: int = DEFAULT_SEED) -> tuple[Decimal, ...]:
    """The market factor's hourly returns, most recent first (index j ends j hours before now)."""
    rng = random.Random(f"hedgefi-history:{seed}:market")
    out: list[Decimal] = []
    for j in range(hours):
        r = regime_at(j)
        out.append(_CTX.add(r.drift_h, _CTX.multiply(_CTX.multiply(MARKET_VOL_H, r.vol), _normal(rng))))
    return tuple(out)


@functools.lru_cache(maxsize=32)
def history_answers(asset: str, current_answer: int, hours: int, seed: int = DEFAULT_SEED) -> tuple[int, ...]:
    """``hours`` hourly answers before the current one, oldest first (the point ``hours`` hours before
    now ... the point one hour before now); ``current_answer`` is the deploy's round, not included."""
    if hours <= 0:
        return ()
    if current_answer <= 0:
        raise ValueError(f"{asset}: the current answer must be positive")
    model = MODELS.get(asset.upper(), DEFAULT_MODEL)
    rng = random.Random(f"hedgefi-history:{seed}:{asset.upper()}")
    current = Decimal(current_answer)
    one = Decimal(1)
    floor = Decimal("-0.5")
    back: list[int] = []                  # most recent first
    if model.pegged:
        for _ in range(hours):
            point = _CTX.multiply(current, _CTX.add(one, _CTX.multiply(model.noise_h, _normal(rng))))
            back.append(max(1, int(point.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))))
        return tuple(reversed(back))
    market = market_returns(hours, seed)
    price = current
    for j in range(hours):                # the return of hour j leads from point j+1 (hours ago) to point j
        r = _CTX.add(_CTX.multiply(model.beta, market[j]), _CTX.multiply(model.noise_h, _normal(rng)))
        price = _CTX.divide(price, _CTX.add(one, max(r, floor)))
        back.append(max(1, int(price.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))))
    return tuple(reversed(back))


__all__ = ["AssetModel", "MODELS", "DEFAULT_MODEL", "Regime", "REGIMES", "CRASH_DAYS_AGO", "DEFAULT_SEED",
           "DEFAULT_DAYS", "regime_at", "market_returns", "history_answers"]
