"""Which of an account's shorts the venue liquidated: so ``watch`` and ``positions`` can say a position was
liquidated rather than that it is simply gone.

GMX announces a liquidation as a PositionDecrease whose ``orderType`` is Liquidation (7), indexed by the
trader's address. The search starts at the block the account's latest journaled, mined GMX transaction was
mined in (the last thing hedgefi did to its GMX positions; never block 0) and runs to the head in bounded
ranges (``chain.logs``). Without such a transaction (a read-only address, or a fresh journal) there is
nothing to search from, and nothing is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hedgefi.core.units import fmt, from_raw, money

if TYPE_CHECKING:
    from hedgefi.chain.journal import Journal
    from hedgefi.chain.rpc import Connection

JOURNAL_LOOKBACK = 200       # journaled transactions looked at for the latest mined GMX one


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

    def as_json(self) -> dict[str, Any]:
        return {"venue": self.venue, "market": self.market, "asset": self.asset, "side": self.side,
                "collateral_token": self.collateral_token, "size_usd": fmt(self.size_usd), "price": fmt(self.price),
                "position_key": self.position_key, "block": self.block, "tx_hash": self.tx_hash,
                "message": self.message()}


def search_from_block(journal: "Journal", chain_id: int, account: str) -> int | None:
    """The block of the account's latest mined GMX transaction in the journal, or None."""
    mined = [e for e in journal.txs(chain_id=chain_id, account=account, states=("mined",), limit=JOURNAL_LOOKBACK)
             if e.venue == "gmx" and e.block]
    return max((e.block for e in mined if e.block), default=None)


@money
def find_liquidations(conn: "Connection", account: str, journal: "Journal | None" = None) -> list[LiquidatedPosition]:
    """The account's GMX positions liquidated since its latest journaled GMX transaction, oldest first."""
    from hedgefi.chain.journal import Journal
    from hedgefi.core.errors import ConfigError
    from hedgefi.venues.gmx.deployment import deployment_for
    from hedgefi.venues.gmx.events import fetch_liquidations

    try:
        d = deployment_for(conn.profile)
    except ConfigError:      # GMX is not deployed on this chain
        return []
    own = journal is None
    if journal is None:
        from pathlib import Path

        from hedgefi.core.config import data_dir, env

        if not Path(env("HEDGEFI_JOURNAL") or data_dir() / "journal.sqlite").exists():
            return []          # nothing journaled: no block to search from (and no journal file is created)
        journal = Journal()
    try:
        start = search_from_block(journal, conn.chain_id, account)
    finally:
        if own:
            journal.close()
    if start is None:
        return []
    events = fetch_liquidations(conn, d.event_emitter, account, start)
    if not events:
        return []
    return [_view(ev, *_names(conn, d)) for ev in events]


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


__all__ = ["LiquidatedPosition", "find_liquidations", "search_from_block"]
