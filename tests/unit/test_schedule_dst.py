"""gTrade market hours across US daylight-saving changes, against published dates (not our own rule).

US Eastern switched to EDT at 2026-03-08 07:00 UTC and back to EST at 2026-11-01 06:00 UTC; before 2007
the US rule was the first Sunday of April to the last Sunday of October (2006: 2 Apr - 29 Oct).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hedgefi.venues.gtrade.schedule import EASTERN, is_open_at, is_us_dst, next_change, to_eastern

UTC = timezone.utc


def test_the_eastern_zone_is_available() -> None:
    assert EASTERN.key == "America/New_York"
    assert datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(EASTERN).utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(("moment", "dst"), [
    (datetime(2026, 3, 8, 6, 59, tzinfo=UTC), False), (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), True),
    (datetime(2026, 11, 1, 5, 59, tzinfo=UTC), True), (datetime(2026, 11, 1, 6, 0, tzinfo=UTC), False),
    (datetime(2025, 3, 9, 7, 0, tzinfo=UTC), True), (datetime(2025, 3, 9, 6, 59, tzinfo=UTC), False),
    (datetime(2006, 3, 20, 12, 0, tzinfo=UTC), False),     # the pre-2007 rule: EDT only from 2 April 2006
    (datetime(2006, 10, 15, 12, 0, tzinfo=UTC), True),
])
def test_daylight_saving_switches_on_the_published_dates(moment: datetime, dst: bool) -> None:
    assert is_us_dst(moment) is dst
    assert to_eastern(moment) == moment.replace(tzinfo=None) - timedelta(hours=4 if dst else 5)


def test_forex_friday_close_moves_with_daylight_saving() -> None:
    # Fri 2026-03-06 is EST (close 17:00 ET = 22:00 UTC); Fri 2026-03-13 is EDT (close 16:00 ET = 20:00 UTC)
    assert is_open_at("forex", datetime(2026, 3, 6, 21, 30, tzinfo=UTC))
    assert next_change("forex", datetime(2026, 3, 6, 21, 30, tzinfo=UTC)) == datetime(2026, 3, 6, 22, 0, tzinfo=UTC)
    assert not is_open_at("forex", datetime(2026, 3, 13, 20, 30, tzinfo=UTC))
    assert next_change("forex", datetime(2026, 3, 13, 19, 0, tzinfo=UTC)) == datetime(2026, 3, 13, 20, 0, tzinfo=UTC)


def test_stocks_open_at_0935_eastern_either_side_of_the_switch() -> None:
    # Mon 2026-03-02 (EST): 09:35 ET = 14:35 UTC; Mon 2026-03-09 (EDT): 09:35 ET = 13:35 UTC
    assert next_change("stocks", datetime(2026, 3, 2, 12, 0, tzinfo=UTC)) == datetime(2026, 3, 2, 14, 35, tzinfo=UTC)
    assert next_change("stocks", datetime(2026, 3, 9, 12, 0, tzinfo=UTC)) == datetime(2026, 3, 9, 13, 35, tzinfo=UTC)
