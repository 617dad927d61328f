"""``hedgefi markets``, ``hedgefi positions`` and ``hedgefi orders``: reading the venues."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer

from hedgefi.cli.context import OPTIONS

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection
    from hedgefi.venues.base import MarketQuote, PendingOrderView, PositionView, Venue


def _venues(conn: "Connection", venue: str | None) -> list["Venue"]:
    from hedgefi.venues.registry import get_venue, venue_names

    names = [venue] if venue and venue != "all" else venue_names()
    return [get_venue(n, conn) for n in names]


def markets(
    venue: Optional[str] = typer.Option(None, "--venue", help="gmx or gtrade (default: every venue)."),
    asset: Optional[str] = typer.Option(None, "--asset", help="Only this asset, e.g. ETH."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Funding, borrowing and liquidity for a short on each market, cheapest carry first.

    Carry = funding + borrowing as a yearly rate on the short's notional: above 0 the short pays,
    below 0 it earns. Each asset's venues are listed side by side, cheapest first."""
    from hedgefi.cli import render

    from hedgefi.venues.gather import fetch_markets_of

    conn = OPTIONS.connect()
    venues = _venues(conn, venue)
    every: list[MarketQuote] = [q for qs in fetch_markets_of(conn, venues) for q in qs]
    block = max((v.last_block for v in venues), default=0)
    # markets a venue lists but hedgefi cannot price (GMX: an index without a feed hedgefi knows)
    unpriced = [{"venue": v.name, "market": _checksum(u.key), "index_token": _checksum(u.index_token),
                 "long_token": _checksum(u.long_token), "short_token": _checksum(u.short_token), "note": u.note}
                for v in venues for u in getattr(v, "unpriced_markets", ())]
    quotes = every
    if asset:
        quotes = [q for q in every if q.asset.upper() == asset.upper()]
        if not quotes:
            from hedgefi.core.errors import UnknownNameError

            raise UnknownNameError("asset", asset, sorted({q.asset for q in every}))
        unpriced = []
    quotes.sort(key=lambda q: (q.asset, q.short_carry_apr))
    if as_json:
        render.print_json({"chain_id": conn.chain_id, "block": block, "markets": [q.as_json() for q in quotes],
                           "unpriced_markets": unpriced, "stale_feeds": conn.prices.stale_report()})
    else:
        render.markets_table(quotes, conn.chain_id, block)
        for u in unpriced:
            render.info(f"{u['venue']} market {u['market']} (index {u['index_token']}, long {u['long_token']}, "
                        f"short {u['short_token']}): {u['note']}")
    _warn_stale(conn)


def _checksum(address: str) -> str:
    from eth_utils.address import to_checksum_address

    return str(to_checksum_address(address))


def _warn_stale(conn: "Connection") -> None:
    from hedgefi.cli import render

    for line in conn.prices.stale_lines():
        render.warn(f"stale price: {line}")


def positions(
    address: Optional[str] = typer.Option(None, "--address", help="Wallet to read (read-only)."),
    account: Optional[str] = typer.Option(None, "--account", help="Keystore account whose address to read."),
    venue: Optional[str] = typer.Option(None, "--venue"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open positions (size, collateral, PnL, fees, liquidation price) and pending orders."""
    from hedgefi.cli import render
    from hedgefi.wallet.signers import require_identity

    profile = OPTIONS.profile()
    ident = require_identity(profile, address=address, account=account)
    from hedgefi.venues.base import read_warnings
    from hedgefi.venues.gather import fetch_positions_of

    conn = OPTIONS.connect()
    all_pos: list[PositionView] = []
    all_pending: list[PendingOrderView] = []
    venues = _venues(conn, venue)
    for pos, pending in fetch_positions_of(conn, venues, ident.address):
        all_pos += pos
        all_pending += pending
    block = max((v.last_block for v in venues), default=0)
    from hedgefi.risk.liquidations import track_liquidations

    liquidated = track_liquidations(conn, ident.address, all_pos, block) if any(v.name == "gmx" for v in venues) \
        else []
    warnings = [w for v in venues for w in read_warnings(v)]   # positions left out: their market is unpriced
    if as_json:
        render.print_json({"chain_id": conn.chain_id, "block": block, "address": ident.address,
                           "positions": [p.as_json() for p in all_pos],
                           "pending_orders": [o.as_json() for o in all_pending],
                           "liquidated": [x.as_json() for x in liquidated],
                           "stale_feeds": conn.prices.stale_report(), "warnings": warnings})
    else:
        render.positions_table(all_pos, all_pending, ident.address, conn.chain_id, block)
        from rich.markup import escape

        for x in liquidated:
            render.out.print(f"[red]Liquidated:[/] {escape(x.message())}")
        for w in warnings:
            render.warn(w)
    _warn_stale(conn)


def orders(
    cancel: Optional[str] = typer.Option(None, "--cancel", help="Cancel the pending order with this key."),
    venue: Optional[str] = typer.Option(None, "--venue", help="gmx or gtrade (default: every venue; for --cancel, "
                                        "the venue the key belongs to)."),
    account: Optional[str] = typer.Option(None, "--account"),
    broadcast: bool = typer.Option(False, "--broadcast", help="Send for real (default: dry-run on a fork)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation (scripts)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List pending orders, or cancel one with --cancel KEY."""
    from hedgefi.cli import render
    from hedgefi.cli.short import run_txs
    from hedgefi.core.errors import InputError
    from hedgefi.wallet.signers import require_identity

    profile = OPTIONS.profile()
    ident = require_identity(profile, account=account)
    conn = OPTIONS.connect()
    if cancel is None:
        from hedgefi.venues.gather import fetch_positions_of

        venues = _venues(conn, venue)
        pending: list[PendingOrderView] = [o for _, orders in fetch_positions_of(conn, venues, ident.address)
                                           for o in orders]
        block = max((v.last_block for v in venues), default=0)
        if as_json:
            render.print_json({"chain_id": conn.chain_id, "address": ident.address,
                               "pending_orders": [o.as_json() for o in pending]})
        else:
            render.positions_table([], pending, ident.address, conn.chain_id, block)
        return
    owners = [v for v in _venues(conn, venue) if v.owns_order_key(cancel)]
    if not owners:
        raise InputError(f"{cancel} is not an order key of {venue or 'any venue'}: give the key `hedgefi orders` "
                         "lists")
    if len(owners) > 1:
        raise InputError(f"{cancel} could be an order of {' or '.join(v.name for v in owners)}: pass --venue")
    (v,) = owners
    _, pending = v.fetch_positions(ident.address)
    key = cancel.lower()
    if not any(o.key.lower() == key for o in pending):
        raise InputError(f"no pending {v.name} order with key {cancel} for {ident.address}")
    run_txs(conn, v, ident, v.build_cancel(ident.address, key), {"action": "cancel", "key": key},
            broadcast=broadcast, yes=yes, as_json=as_json)
