"""Market hours of gTrade's non-crypto pairs (reference §8; SDK ``markets/schedules``), as pure functions.

The v10 contracts do not check trading hours: the oracle side does not answer while a market is
closed, so a market order then times out. hedgefi refuses such an order up front (unless forced).
Times are US Eastern wall time from the IANA ``America/New_York`` zone (``zoneinfo``; the ``tzdata``
package supplies it where the system has none), so daylight saving follows the real rules, past ones
included; exchange holidays are not modelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=5)
EASTERN = ZoneInfo("America/New_York")


def is_us_dst(t_utc: datetime) -> bool:
    """Whether US Eastern is on daylight saving time (EDT) at this moment."""
    return bool(t_utc.astimezone(EASTERN).dst())


def to_eastern(t_utc: datetime) -> datetime:
    """An aware moment -> naive US Eastern wall time."""
    return t_utc.astimezone(EASTERN).replace(tzinfo=None)


def _minutes(et: datetime) -> int:
    return et.hour * 60 + et.minute


def is_open_at(asset_class: str, t_utc: datetime) -> bool:
    if asset_class == "crypto":
        return True
    et = to_eastern(t_utc)
    wd, m = et.weekday(), _minutes(et)          # Monday = 0 ... Sunday = 6
    if asset_class in ("stocks", "indices"):
        return wd < 5 and 9 * 60 + 35 <= m < 16 * 60
    if asset_class == "forex":
        # Sun 17:00 -> Fri 17:00 ET; the Friday close is 16:00 while daylight saving time is on (reference 8)
        close = 16 * 60 if is_us_dst(t_utc) else 17 * 60
        if wd == 5:
            return False
        if wd == 6:
            return m >= 17 * 60
        return not (wd == 4 and m >= close)
    if asset_class == "commodities":
        if wd == 5 or (wd == 6 and m < 18 * 60 + 10) or (wd == 4 and m >= 17 * 60):
            return False
        return not (17 * 60 <= m < 18 * 60 + 10)
    return True


def next_change(asset_class: str, t_utc: datetime, limit: timedelta = timedelta(days=8)) -> datetime | None:
    """The first moment (to 5 minutes) after ``t_utc`` when the market's open/closed state flips."""
    state = is_open_at(asset_class, t_utc)
    t = t_utc.replace(second=0, microsecond=0)
    t -= timedelta(minutes=t.minute % 5)
    end = t_utc + limit
    while t < end:
        t += STEP
        if is_open_at(asset_class, t) != state:
            return t
    return None


def describe(asset_class: str, t_utc: datetime) -> str:
    if asset_class == "crypto":
        return "open 24/7"
    nxt = next_change(asset_class, t_utc)
    state = "open" if is_open_at(asset_class, t_utc) else "closed"
    verb = "closes" if state == "open" else "opens"
    return f"{state}; {verb} {nxt:%a %Y-%m-%d %H:%M} UTC" if nxt else state


__all__ = ["is_open_at", "next_change", "describe", "to_eastern", "is_us_dst", "EASTERN"]
