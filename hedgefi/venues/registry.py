"""The explicit registry of venues ("did you mean" on a typo). No directory scanning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from hedgefi.core.errors import UnknownNameError
from hedgefi.venues.base import Venue

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection


def _gmx(conn: "Connection") -> Venue:
    from hedgefi.venues.gmx.adapter import GmxVenue

    return GmxVenue(conn)


def _gtrade(conn: "Connection") -> Venue:
    from hedgefi.venues.gtrade.adapter import GtradeVenue

    return GtradeVenue(conn)


VENUES: dict[str, Callable[["Connection"], Venue]] = {"gmx": _gmx, "gtrade": _gtrade}


def venue_names() -> list[str]:
    return sorted(VENUES)


def get_venue(name: str, conn: "Connection") -> Venue:
    key = name.strip().lower()
    if key not in VENUES:
        raise UnknownNameError("venue", name, VENUES)
    return VENUES[key](conn)


__all__ = ["VENUES", "venue_names", "get_venue"]
