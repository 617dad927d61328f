"""``hedgefi short open|resize|close``: a short on a venue, dry-run on a fork unless ``--broadcast``."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Optional

import typer

from hedgefi.cli.context import OPTIONS
from hedgefi.core.errors import ExitCode

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection
    from hedgefi.pipeline import Bundle, Step
    from hedgefi.venues.base import OrderPlan, PositionView, UnsignedTx, Venue
    from hedgefi.wallet.signers import Identity

app = typer.Typer(help="Open, resize or close a short perp (dry-run on a fork unless --broadcast).",
                  no_args_is_help=True)

_BROADCAST = typer.Option(False, "--broadcast", help="Sign and send for real (default: dry-run on a fork).")
_YES = typer.Option(False, "--yes", help="Do not ask for confirmation (for scripts).")
_SLIPPAGE = typer.Option("0.5%", "--max-slippage", help="Worst acceptable price move, e.g. 0.5%.")
_COLLATERAL = typer.Option("USDC", "--collateral", help="Collateral token.")
_VENUE = typer.Option("auto", "--venue", help="gmx, gtrade, or auto (open: the cheapest venue with enough "
                      "liquidity; resize/close: the venue holding the short).")
_FORCE = typer.Option(False, "--force", help="Send even when the market is closed (the order times out; "
                      "recover the collateral with `orders --cancel`).")
_ACCOUNT = typer.Option(None, "--account", help="Keystore account to sign with.")
_MARKET = typer.Option(None, "--market", help="The market to trade (GMX: its market token address, as `hedgefi "
                       "markets` lists it; an asset has several). Default: the market of your short, or, for a new "
                       "one, the cheapest carry with liquidity among those taking the collateral.")
_JSON = typer.Option(False, "--json")
_MAX_FEE = typer.Option(None, "--max-fee-gwei", help="Refuse to send above this gas price (default 100).")
_MAX_TOTAL = typer.Option(None, "--max-total-fee-eth", help="Refuse if gas + execution fees may exceed this.")
_STALE = typer.Option(False, "--allow-stale-prices", help="Send even when a price feed the order depends on is "
                      "older than its heartbeat (or the L2 sequencer is down); refused by default.")
_WAIT = typer.Option(None, "--wait", help="Seconds to follow each order to executed or cancelled before exiting 6 "
                     "with it still pending (default 30).")


def _pct(text: str, what: str) -> Decimal:
    from hedgefi.core.units import parse_decimal

    t = text.strip()
    if t.endswith("%"):
        return parse_decimal(t[:-1], what=what) / 100
    return parse_decimal(t, what=what)


def _confirm_factory(yes: bool, as_json: bool) -> Callable[["Bundle"], bool]:
    def confirm(bundle: "Bundle") -> bool:
        import sys

        from hedgefi.cli import render
        from hedgefi.core.errors import InputError

        render.bundle_preview(bundle.preview_json())
        if yes:
            return True
        if not sys.stdin.isatty():
            raise InputError("no terminal to confirm on: pass --yes to send from a script; nothing was sent")
        answer = input("Sign and send these transactions? [y/N] ").strip().lower()
        return answer in ("y", "yes")
    return confirm


def run_txs(conn: "Connection", venue: "Venue", ident: "Identity", txs: list["UnsignedTx"], plan_json: dict[str, Any], *,
            broadcast: bool, yes: bool, as_json: bool, caps: dict[str, Any] | None = None, force: bool = False,
            step: "Step | None" = None) -> None:
    """The write pipeline for one venue: bundle, fork dry-run (always), then, when asked, preview, confirm and
    send exactly what was previewed; print and set the exit code."""
    from hedgefi.chain.journal import Journal
    from hedgefi.cli import render
    from hedgefi.execution import broadcast_bundle, dry_run_steps
    from hedgefi.pipeline import Step

    caps = dict(caps or {})
    step = step or Step(venue, list(txs), txs[-1].description if txs else "these transactions")
    journal = Journal() if broadcast else None
    render.info(f"Dry-run against chain {conn.chain_id} ({len(step.txs)} transaction(s))…")
    bundle, result = dry_run_steps(conn, ident.address, [step], max_fee_gwei=caps.get("max_fee_gwei"),
                                   enforce_fee_cap=broadcast, journal=journal)
    only_pending = bool(result.orders) and all(o.status in ("executed", "placed", "pending") for o in result.orders)
    if broadcast and not result.all_executed and force and only_pending:
        render.warn("--force: the dry-run's order was not filled (market closed); sending it anyway")
    if broadcast and (result.all_executed or (force and only_pending)):
        signer = ident.signer()
        render.info("Sending for real:")
        wait_s = float(caps.get("wait_s", 30.0))
        if not result.all_executed:     # forced on a closed market: no answer is coming, do not wait long
            wait_s = min(wait_s, 3.0)
        result = broadcast_bundle(conn, signer, bundle, _confirm_factory(yes, as_json), wait_s=wait_s,
                                  journal=journal, max_total_fee_eth=caps.get("max_total_fee_eth"))
    elif broadcast:
        render.warn("the dry-run did not execute every order, so nothing was sent")
    if as_json:
        render.print_json({"chain_id": conn.chain_id, "plan": plan_json, "result": result.as_json()})
    else:
        render.run_result(result)
    if any(o.status in ("cancelled", "frozen") for o in result.orders):
        raise typer.Exit(ExitCode.ORDER_CANCELLED)
    if any(o.status == "pending" for o in result.orders):
        raise typer.Exit(ExitCode.ORDER_PENDING)


def _context(account: Optional[str], venue: str, broadcast: bool = False
             ) -> tuple["Connection", "Venue", "Identity"]:
    from hedgefi.venues.registry import get_venue
    from hedgefi.wallet.signers import require_identity

    profile = OPTIONS.profile()
    ident = require_identity(profile, account=account)
    conn = OPTIONS.connect()
    if broadcast:
        from hedgefi.chain.locks import hold_account_lock

        hold_account_lock(conn.chain_id, ident.address)  # plan, dry-run and send as one run per account
        resume_first(conn, ident.address)
    v = get_venue(venue, conn)
    v.fetch_verify()
    return conn, v, ident


def resume_first(conn: "Connection", address: str) -> None:
    """Before planning new writes, settle what an interrupted run left (never duplicates)."""
    from hedgefi.cli import render
    from hedgefi.chain.journal import Journal
    from hedgefi.recovery import resume

    for a in resume(conn, address, Journal()):
        render.info(f"resumed from an earlier run: {a.what} {a.ref[:12]}… {a.before} -> {a.after}"
                    + (f" ({a.note})" if a.note else ""))


def _existing(v: "Venue", account: str, asset: str, collateral: str, market: str | None = None
              ) -> "PositionView | None":
    """The short on ``asset`` with ``collateral`` (in ``market`` when given): positions are keyed by market,
    and an asset may have shorts in several markets, which then need ``--market``."""
    from hedgefi.core.errors import InputError

    positions, _ = v.fetch_positions(account)
    found = [p for p in positions if p.asset.upper() == asset.upper() and p.side == "short"
             and p.collateral_token.upper() == collateral.upper()
             and (market is None or p.market.lower() == market.lower())]
    if len(found) > 1:
        raise InputError(f"{v.capabilities.display_name} has {len(found)} {asset} shorts with {collateral} "
                         f"collateral (markets {', '.join(p.market for p in found)}); pick one with --market")
    return found[0] if found else None


def _venue_of_market(market: str) -> str:
    """For `--venue auto` with `--market`: the venue that lists the market."""
    from hedgefi.core.errors import UnknownNameError
    from hedgefi.venues.gather import fetch_markets_of
    from hedgefi.venues.registry import get_venue, venue_names

    conn = OPTIONS.connect()
    quotes = [q for qs in fetch_markets_of(conn, [get_venue(n, conn) for n in venue_names()]) for q in qs]
    for q in quotes:
        if q.market.lower() == market.lower():
            return q.venue
    raise UnknownNameError("--market", market, sorted({q.market for q in quotes}))


def _caps(max_fee_gwei: Optional[str], max_total_fee_eth: Optional[str], wait: Optional[str] = None
          ) -> dict[str, Any]:
    from hedgefi.core.errors import InputError
    from hedgefi.core.units import parse_decimal

    caps: dict[str, Any] = {
        "max_fee_gwei": parse_decimal(max_fee_gwei, what="--max-fee-gwei", allow_zero=False) if max_fee_gwei else None,
        "max_total_fee_eth": parse_decimal(max_total_fee_eth, what="--max-total-fee-eth", allow_zero=False)
        if max_total_fee_eth else None}
    if wait is not None:
        seconds = parse_decimal(wait, what="--wait")
        if seconds > 3600:
            raise InputError("--wait is in seconds, at most 3600")
        caps["wait_s"] = float(seconds)        # a duration, not money
    return caps


def fresh_prices_or_refuse(conn: "Connection", plan: "OrderPlan", allow_stale: bool) -> None:
    """Before a write: refuse (exit 7) when a feed the plan was priced with is stale; warn instead when allowed."""
    from hedgefi.cli import render
    from hedgefi.chain.freshness import ALLOW_FLAG, require_fresh_prices

    for problem in require_fresh_prices(conn, [plan.asset], if_read=[plan.collateral_symbol],
                                        allow_stale=allow_stale):
        render.warn(f"{ALLOW_FLAG}: {problem}; sending anyway")


def _execute_plan(conn: "Connection", v: "Venue", ident: "Identity", plan: "OrderPlan", broadcast: bool, yes: bool,
                  as_json: bool, caps: dict[str, Any] | None = None, force: bool = False,
                  existing: "PositionView | None" = None, allow_stale: bool = False) -> None:
    from hedgefi.cli import render
    from hedgefi.pipeline import plan_step

    if not as_json:
        render.plan(plan)
    if broadcast:
        fresh_prices_or_refuse(conn, plan, allow_stale)
    run_txs(conn, v, ident, plan.txs, plan.as_json(), broadcast=broadcast, yes=yes, as_json=as_json, caps=caps,
            force=force, step=plan_step(v, plan, existing))


def _auto_open_venue(asset: str, size_usd: Decimal | None, size_tokens: Decimal | None) -> tuple[str, str]:
    """(venue, why) for `--venue auto` on an open: cheapest carry among open venues with the liquidity."""
    from hedgefi.venues.choose import choose_venue
    from hedgefi.venues.registry import get_venue, venue_names

    conn = OPTIONS.connect()
    quotes = [q for n in venue_names() for q in get_venue(n, conn).fetch_markets()]
    if size_usd is None:
        mine = [q for q in quotes if q.asset.upper() == asset.upper()]
        size_usd = (size_tokens or Decimal(0)) * (mine[0].price if mine else Decimal(0))
    choice = choose_venue(quotes, asset, size_usd)
    return choice.venue, choice.reason


def _venue_holding(asset: str, collateral: str, account: Optional[str]) -> str:
    """For `--venue auto` on a resize/close: the one venue that holds this short."""
    from hedgefi.core.errors import InputError
    from hedgefi.venues.registry import get_venue, venue_names
    from hedgefi.wallet.signers import require_identity

    ident = require_identity(OPTIONS.profile(), account=account)
    conn = OPTIONS.connect()
    holding = [n for n in venue_names() if _existing(get_venue(n, conn), ident.address, asset, collateral)]
    if not holding:
        raise InputError(f"there is no {asset} short with {collateral} collateral on any venue")
    if len(holding) > 1:
        raise InputError(f"there are {asset} shorts on {' and '.join(holding)}: pass --venue to say which one")
    return holding[0]


@app.command("open")
def open_(
    asset: str = typer.Argument(..., help="Asset to short, e.g. ETH."),
    size_usd: Optional[str] = typer.Option(None, "--size-usd", help="Size in USD."),
    size: Optional[str] = typer.Option(None, "--size", help="Size in units of the asset."),
    leverage: Optional[str] = typer.Option(None, "--leverage", help="Collateral = size / leverage (default 2)."),
    collateral_amount: Optional[str] = typer.Option(None, "--collateral-amount", help="Collateral, in tokens."),
    collateral: str = _COLLATERAL,
    max_slippage: str = _SLIPPAGE,
    stop_loss: Optional[str] = typer.Option(None, "--stop-loss", help="Close the short if the price reaches this."),
    venue: str = _VENUE, account: Optional[str] = _ACCOUNT, force: bool = _FORCE,
    broadcast: bool = _BROADCAST, yes: bool = _YES, as_json: bool = _JSON,
    max_fee_gwei: Optional[str] = _MAX_FEE, max_total_fee_eth: Optional[str] = _MAX_TOTAL, wait: Optional[str] = _WAIT,
    allow_stale_prices: bool = _STALE, market: Optional[str] = _MARKET,
) -> None:
    """Open (or add to) a short."""
    from hedgefi.core.errors import InputError
    from hedgefi.core.units import parse_decimal
    from hedgefi.venues.base import ShortRequest

    if (size_usd is None) == (size is None):
        raise InputError("give exactly one of --size-usd or --size")
    if leverage is not None and collateral_amount is not None:
        raise InputError("give --leverage or --collateral-amount, not both")
    lev = parse_decimal(leverage, what="--leverage", allow_zero=False) if leverage else None
    coll_amt = parse_decimal(collateral_amount, what="--collateral-amount", allow_zero=False) \
        if collateral_amount else None
    slip = _pct(max_slippage, "--max-slippage")
    sl = parse_decimal(stop_loss, what="--stop-loss", allow_zero=False) if stop_loss else None
    amount = parse_decimal(size_usd or size or "", what="--size-usd" if size_usd else "--size", allow_zero=False)
    why = ""
    if venue.strip().lower() == "auto" and market:
        venue = _venue_of_market(market)
    elif venue.strip().lower() == "auto":
        from hedgefi.cli import render

        venue, why = _auto_open_venue(asset, amount if size_usd else None, amount if size else None)
        render.info(f"--venue auto chose {venue}: {why}")
    conn, v, ident = _context(account, venue, broadcast)
    if lev is not None and lev > v.capabilities.max_leverage_hint:
        raise InputError(f"--leverage {lev} is above {v.capabilities.display_name}'s maximum of "
                         f"{v.capabilities.max_leverage_hint}x")
    if size is not None:
        quotes = [q for q in v.fetch_markets() if q.asset.upper() == asset.upper()]
        if not quotes:
            from hedgefi.core.errors import UnknownNameError

            raise UnknownNameError("asset", asset, sorted({q.asset for q in v.fetch_markets()}))
        amount = (amount * quotes[0].price).quantize(Decimal("0.000001"))
    existing = _existing(v, ident.address, asset, collateral, market)
    plan = v.plan_short(ident.address, ShortRequest(asset, amount, collateral, coll_amt, lev, slip, sl, force=force,
                                                    market=market), existing=existing)
    if why:
        plan.notes.insert(0, f"venue chosen by --venue auto: {why}")
    _execute_plan(conn, v, ident, plan, broadcast, yes, as_json, _caps(max_fee_gwei, max_total_fee_eth, wait), force,
                  existing, allow_stale_prices)


@app.command()
def resize(
    asset: str = typer.Argument(...),
    to_usd: str = typer.Option(..., "--to-usd", help="The short's new size in USD (0 closes it)."),
    leverage: Optional[str] = typer.Option(None, "--leverage", help="For an increase: collateral = delta / leverage."),
    collateral: str = _COLLATERAL,
    max_slippage: str = _SLIPPAGE,
    venue: str = _VENUE, account: Optional[str] = _ACCOUNT, force: bool = _FORCE,
    broadcast: bool = _BROADCAST, yes: bool = _YES, as_json: bool = _JSON,
    max_fee_gwei: Optional[str] = _MAX_FEE, max_total_fee_eth: Optional[str] = _MAX_TOTAL, wait: Optional[str] = _WAIT,
    allow_stale_prices: bool = _STALE, market: Optional[str] = _MARKET,
) -> None:
    """Resize a short to a target USD size."""
    from hedgefi.core.errors import InputError
    from hedgefi.core.units import parse_decimal
    from hedgefi.venues.base import ShortRequest

    target = parse_decimal(to_usd, what="--to-usd")
    lev = parse_decimal(leverage, what="--leverage", allow_zero=False) if leverage else None
    slip = _pct(max_slippage, "--max-slippage")
    if venue.strip().lower() == "auto":
        venue = _venue_of_market(market) if market else _venue_holding(asset, collateral, account)
    conn, v, ident = _context(account, venue, broadcast)
    existing = _existing(v, ident.address, asset, collateral, market)
    current = existing.size_usd if existing else Decimal(0)
    delta = (target - current).quantize(Decimal("0.000001"))
    if delta == 0:
        raise InputError(f"the {asset} short is already ${current}; nothing to do")
    req = ShortRequest(asset, delta, collateral, None, lev, slip, None, close=target == 0, force=force,
                       market=market)
    plan = v.plan_short(ident.address, req, existing=existing)
    _execute_plan(conn, v, ident, plan, broadcast, yes, as_json, _caps(max_fee_gwei, max_total_fee_eth, wait), force,
                  existing, allow_stale_prices)


@app.command()
def close(
    asset: str = typer.Argument(...),
    fraction: str = typer.Option("1", "--fraction", help="Part of the short to close, 0 < F <= 1."),
    collateral: str = _COLLATERAL,
    max_slippage: str = _SLIPPAGE,
    venue: str = _VENUE, account: Optional[str] = _ACCOUNT, force: bool = _FORCE,
    broadcast: bool = _BROADCAST, yes: bool = _YES, as_json: bool = _JSON,
    max_fee_gwei: Optional[str] = _MAX_FEE, max_total_fee_eth: Optional[str] = _MAX_TOTAL, wait: Optional[str] = _WAIT,
    allow_stale_prices: bool = _STALE, market: Optional[str] = _MARKET,
) -> None:
    """Close a short (or a fraction of it)."""
    from hedgefi.core.errors import BadAmountError, InputError
    from hedgefi.core.units import parse_decimal
    from hedgefi.venues.base import ShortRequest

    f = parse_decimal(fraction, what="--fraction", allow_zero=False)
    if f > 1:
        raise BadAmountError("--fraction must be at most 1")
    slip = _pct(max_slippage, "--max-slippage")
    if venue.strip().lower() == "auto":
        venue = _venue_of_market(market) if market else _venue_holding(asset, collateral, account)
    conn, v, ident = _context(account, venue, broadcast)
    existing = _existing(v, ident.address, asset, collateral, market)
    if existing is None:
        raise InputError(f"there is no {venue} {asset} short with {collateral} collateral"
                         + (f" in market {market}" if market else "") + " to close")
    delta = -(existing.size_usd * f).quantize(Decimal("0.000001"))
    plan = v.plan_short(ident.address, ShortRequest(asset, delta, collateral, None, None, slip, None, close=f == 1,
                                                    force=force, market=market), existing=existing)
    _execute_plan(conn, v, ident, plan, broadcast, yes, as_json, _caps(max_fee_gwei, max_total_fee_eth, wait), force,
                  existing, allow_stale_prices)
