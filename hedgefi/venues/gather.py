"""Several venues' reads together: each stage of every venue in one HTTP request (``chain.readplan``).

``fetch_markets_of(conn, venues)`` and ``fetch_positions_of(conn, venues, account)`` return one result per
venue, in order, after as many round trips as the slowest venue has stages (two), not their sum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from hedgefi.chain.readplan import ReadBatch

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection
    from hedgefi.venues.base import MarketQuote, PendingOrderView, PositionView, Venue


def fetch_markets_of(conn: "Connection", venues: Sequence["Venue"]) -> list[list["MarketQuote"]]:
    batch = ReadBatch(conn)
    slots = [batch.add(v.markets_reader()) for v in venues]
    batch.run()
    return [s.value for s in slots]


def fetch_positions_of(conn: "Connection", venues: Sequence["Venue"], account: str
                       ) -> list[tuple[list["PositionView"], list["PendingOrderView"]]]:
    batch = ReadBatch(conn)
    slots = [batch.add(v.positions_reader(account)) for v in venues]
    batch.run()
    return [s.value for s in slots]


__all__ = ["fetch_markets_of", "fetch_positions_of"]
