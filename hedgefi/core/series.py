"""Price history as the hedge engine consumes it: one asset's USD prices at points in time.

``PriceSeries`` is what ``chain/feedhistory`` reads from a Chainlink-compatible feed's rounds and what the
trend signal, the proxy beta and the backtest take. Points are ``(unix seconds, Decimal USD price)``,
oldest first, strictly increasing in time; ``hourly()`` resamples to the last price at or before each
whole hour (a feed updates on deviation and heartbeat, not on the hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hedgefi.core.errors import InputError

HOUR = 3600


@dataclass(frozen=True, slots=True)
class PriceSeries:
    asset: str
    points: tuple[tuple[int, Decimal], ...]   # (unix seconds, USD price), oldest first
    source: str = ""                          # where it came from, e.g. the feed address

    def __post_init__(self) -> None:
        for (t0, _), (t1, _) in zip(self.points, self.points[1:]):
            if t1 <= t0:
                raise InputError(f"{self.asset} price history is not in time order at {t1}")
        for _, p in self.points:
            if p <= 0:
                raise InputError(f"{self.asset} price history has a non-positive price {p}")

    @property
    def start(self) -> int:
        return self.points[0][0] if self.points else 0

    @property
    def end(self) -> int:
        return self.points[-1][0] if self.points else 0

    @property
    def prices(self) -> tuple[Decimal, ...]:
        return tuple(p for _, p in self.points)

    def since(self, t: int) -> "PriceSeries":
        """The points at or after ``t``."""
        return PriceSeries(self.asset, tuple(pt for pt in self.points if pt[0] >= t), self.source)

    def hourly(self, *, step: int = HOUR) -> "PriceSeries":
        """The last price at or before each whole ``step`` from the first one the history covers."""
        if not self.points:
            return self
        out: list[tuple[int, Decimal]] = []
        t = -(-self.start // step) * step
        i = 0
        n = len(self.points)
        while t <= self.end:
            while i + 1 < n and self.points[i + 1][0] <= t:
                i += 1
            out.append((t, self.points[i][1]))
            t += step
        return PriceSeries(self.asset, tuple(out), self.source)


__all__ = ["PriceSeries", "HOUR"]
