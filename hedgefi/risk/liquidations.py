"""Which of an account's GMX shorts the venue liquidated: so ``watch`` and ``positions`` can say a position was
liquidated rather than that it is simply gone.

Each read records, in the journal's database, the account's open GMX positions and the block they were
seen open at (``gmx_seen_positions``). When a position seen before is no longer open, its PositionDecrease
logs (EventLog1, indexed by the trader's address) are read from that journaled block to the block of the
current read, in bounded ranges (``chain.logs``); one whose ``orderType`` is Liquidation (7) is recorded
(``gmx_liquidations``) and reported from then on, until the same position is open again. A position closed
by its owner is simply forgotten. So a read costs no extra request unless a position has just disappeared,
and the search never reaches further back than the last time the position was seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Sequence

from hedgefi.core.units import fmt, from_raw, money

if TYPE_CHECKING:
    from hedgefi.chain.journal import Journal
    from hedgefi.chain.rpc import Connection
    from hedgefi.venues.base import PositionView

@dataclass(frozen=True, slots=True)
class LiquidatedPosition:
    venue: str
    market: str
    asset: str
    side: str
    collateral_token: str
    size_usd: Decimal            # the size the liquidation closed
    price: Decimal               # the execution price, USD per whole index token
    position_key: str
    block: int
    tx_hash: str

    @property
    def subject(self) -> str:
        return f"{self.venue} {self.asset} {self.side}"

    @money
    def message(self) -> str:
        return (f"{self.subject} ({self.collateral_token} collateral, ${fmt(self.size_usd.quantize(Decimal('0.01')))}) "
                f"was liquidated at ${fmt(self.price.quantize(Decimal('0.01')))} in block {self.block} "
                f"(tx {self.tx_hash})")

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> "LiquidatedPosition":
        return cls(j["venue"], j["market"], j["asset"], j["side"], j["collateral_token"], Decimal(j["size_usd"]),
                   Decimal(j["price"]), j["position_key"], int(j["block"]), j["tx_hash"])

    def as_json(self) -> dict[str, Any]:
        return {"venue": self.venue, "market": self.market, "asset": self.asset, "side": self.side,
                "collateral_token": self.collateral_token, "size_usd": fmt(self.size_usd), "price": fmt(self.price),
                "position_key": self.position_key, "block": self.block, "tx_hash": self.tx_hash,
                "message": self.message()}


_SCHEMA = """
CREATE TABLE IF NOT EXISTS gmx_seen_positions (
    chain_id INTEGER NOT NULL, account TEXT NOT NULL, position_key TEXT NOT NULL, block INTEGER NOT NULL,
    PRIMARY KEY (chain_id, account, position_key));
CREATE TABLE IF NOT EXISTS gmx_liquidations (
    chain_id INTEGER NOT NULL, account TEXT NOT NULL, position_key TEXT NOT NULL, block INTEGER NOT NULL,
    record TEXT NOT NULL, PRIMARY KEY (chain_id, account, position_key, block));
"""


def track_liquidations(conn: "Connection", account: str, positions: Sequence["PositionView"], block: int,
                       journal: "Journal | None" = None) -> list[LiquidatedPosition]:
    """Record the account's open GMX positions as seen at ``block`` (the block ``positions`` were read at),
    look for the liquidation of any seen before and gone now, and return every liquidation on record."""
    from hedgefi.chain.journal import Journal

    own = journal is None
    journal = journal or Journal()
    try:
        return _track(conn, journal, account.lower(), positions, block)
    finally:
        if own:
            journal.close()


def _track(conn: "Connection", journal: "Journal", account: str, positions: Sequence["PositionView"],
           block: int) -> list[LiquidatedPosition]:
    import json

    db, chain = journal.db, conn.chain_id
    db.executescript(_SCHEMA)
    open_now = {p.key.lower() for p in positions if p.venue == "gmx" and p.key}
    seen = dict(db.execute("SELECT position_key, block FROM gmx_seen_positions WHERE chain_id=? AND account=?",
                           (chain, account)).fetchall())
    # a chain reverted below what was recorded (a devnet snapshot): those records describe another history
    db.execute("DELETE FROM gmx_liquidations WHERE chain_id=? AND account=? AND block>?", (chain, account, block))
    gone = {k: b for k, b in seen.items() if k not in open_now and b <= block}
    if gone:
        for x in fetch_liquidated(conn, account, min(gone.values()), block, set(gone)):
            db.execute("INSERT OR IGNORE INTO gmx_liquidations VALUES (?,?,?,?,?)",
                       (chain, account, x.position_key, x.block, json.dumps(x.as_json())))
    db.execute("DELETE FROM gmx_seen_positions WHERE chain_id=? AND account=?", (chain, account))
    for key in open_now:
        db.execute("INSERT INTO gmx_seen_positions VALUES (?,?,?,?)", (chain, account, key, block))
        db.execute("DELETE FROM gmx_liquidations WHERE chain_id=? AND account=? AND position_key=?",
                   (chain, account, key))      # open again: the liquidation is history
    rows = db.execute("SELECT record FROM gmx_liquidations WHERE chain_id=? AND account=? ORDER BY block",
                      (chain, account)).fetchall()
    return [LiquidatedPosition.from_json(json.loads(r[0])) for r in rows]


@money
def fetch_liquidated(conn: "Connection", account: str, from_block: int, to_block: int,
                     position_keys: set[str] | None = None) -> list[LiquidatedPosition]:
    """The account's GMX positions (of ``position_keys``, lower-case hex, when given) liquidated in
    ``[from_block, to_block]``, oldest first."""
    from hedgefi.core.errors import ConfigError
    from hedgefi.venues.gmx.deployment import deployment_for
    from hedgefi.venues.gmx.events import fetch_liquidations

    try:
        d = deployment_for(conn.profile)
    except ConfigError:      # GMX is not deployed on this chain
        return []
    events = [ev for ev in fetch_liquidations(conn, d.event_emitter, account, from_block, to_block)
              if position_keys is None or "0x" + bytes(ev.items["positionKey"]).hex() in position_keys]
    if not events:
        return []
    names = _names(conn, d)
    return [_view(ev, *names) for ev in events]


def _names(conn: "Connection", d: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(markets by key, tokens by address), lower-case keys, from one snapshot read."""
    from hedgefi.venues.gmx import reads

    snap = reads.fetch_snapshot(conn, d)
    return {m.key.lower(): m for m in snap.markets}, dict(snap.tokens)


def _view(ev: Any, markets: dict[str, Any], tokens: dict[str, Any]) -> LiquidatedPosition:
    from hedgefi.venues.gmx.reads import human_price

    market = str(ev.items["market"])
    m = markets.get(market.lower())
    coll = tokens.get(str(ev.items["collateralToken"]).lower())
    price = human_price(int(ev.items["executionPrice"]), m.index_decimals) if m is not None else Decimal(0)
    return LiquidatedPosition(
        "gmx", market, m.asset if m is not None else market, "long" if ev.items.get("isLong") else "short",
        coll.symbol if coll is not None else str(ev.items["collateralToken"]),
        from_raw(int(ev.items["sizeDeltaUsd"]), 30), price, "0x" + bytes(ev.items["positionKey"]).hex(),
        ev.block, ev.tx_hash)


__all__ = ["LiquidatedPosition", "track_liquidations", "fetch_liquidated"]
