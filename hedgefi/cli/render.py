"""Rendering for the CLI: rich tables for people, ``--json`` with a stable schema for scripts.

Results go to stdout; messages, warnings and errors go to stderr, so ``--json`` output is
always parseable. Errors are one clear line (a panel on a terminal), never a traceback.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from rich.console import Group

    from hedgefi.venues.base import MarketQuote, PendingOrderView, PositionView

def _width() -> int | None:
    import os
    import sys

    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return None
    return 180  # wide enough for every table when output goes to a file or pipe


out = Console(highlight=False, soft_wrap=True, width=_width())
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_width())


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        from hedgefi.core.units import fmt

        return fmt(o)
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_default) + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """One clear line on stderr: 'error: ...'."""
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}")


def warn(message: str) -> None:
    from rich.markup import escape

    err.print(f"[yellow]warning:[/] {escape(message)}")


def info(message: str) -> None:
    err.print(message)


def usd(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "-"
    q = value.quantize(Decimal(1).scaleb(-places))
    return f"${q:,}"


def amount(value: Decimal, max_places: int = 8) -> str:
    from hedgefi.core.units import fmt

    if value == value.quantize(Decimal(1).scaleb(-max_places)):
        return fmt(value)
    return fmt(value.quantize(Decimal(1).scaleb(-max_places))) + "…"


__all__ = ["out", "err", "print_json", "error", "warn", "info", "usd", "amount"]


STALE_MARK = " [yellow](stale)[/]"    # after a price whose feed is older than its heartbeat


def markets_table(quotes: list["MarketQuote"], chain_id: int, block: int) -> None:
    from rich.table import Table

    t = Table(title=f"Markets for a short (chain {chain_id}, block {block}); APR > 0 is a cost, < 0 an income")
    for col in ("Venue", "Asset", "Market", "Price", "Funding APR", "Borrow APR", "Carry APR", "Long OI", "Short OI",
                "Short liquidity", "Max lev.", "Open"):
        t.add_column(col, justify="left" if col in ("Venue", "Asset", "Market") else "right")
    for q in quotes:
        market = f"{q.market_name}\n{q.market}" if q.market_name else q.market
        t.add_row(q.venue, q.asset, market, usd(q.price, 4 if q.price < 10 else 2) + STALE_MARK * q.price_stale,
                  pct(q.short_funding_apr),
                  pct(q.short_borrowing_apr), pct(q.short_carry_apr), usd(q.long_oi_usd, 0), usd(q.short_oi_usd, 0),
                  usd(q.available_short_liquidity_usd, 0), f"{fmt_dec(q.max_leverage)}x", "yes" if q.open else "no")
    out.print(t)


def fmt_dec(value: Decimal) -> str:
    from hedgefi.core.units import fmt

    return fmt(value)


def pct(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{(value * 100).quantize(Decimal('0.01'))}%"


def positions_table(positions: list["PositionView"], pending: list["PendingOrderView"], address: str, chain_id: int,
                    block: int, title: str | None = None) -> None:
    from rich.table import Table

    if positions:
        t = Table(title=title or f"Positions of {address} (chain {chain_id}, block {block})")
        for col in ("Venue", "Asset", "Market", "Side", "Size", "Collateral", "Entry", "Mark", "PnL", "Net PnL",
                    "Funding", "Borrow", "Realised", "Close fee", "Close value", "Liq. price", "Liq. dist."):
            t.add_column(col, justify="left" if col in ("Venue", "Asset", "Market", "Side") else "right")
        for p in positions:       # keyed by market: an asset may have shorts in several (GMX)
            t.add_row(p.venue, p.asset, p.market, p.side, usd(p.size_usd), f"{amount(p.collateral_amount, 4)} {p.collateral_token}",
                      usd(p.entry_price), usd(p.mark_price) + STALE_MARK * p.price_stale, usd(p.pnl_usd),
                      usd(p.net_pnl_usd), usd(p.funding_fee_usd, 4), usd(p.borrowing_fee_usd, 4),
                      usd(p.realized_pnl_usd - p.realized_trading_fees_usd, 4), usd(p.closing_fee_usd, 4),
                      usd(p.close_value_usd), usd(p.liquidation_price), pct(p.liquidation_distance))
        out.print(t)
    else:
        out.print(f"No open positions for {address} on chain {chain_id}.")
    if pending:
        t = Table(title="Pending orders")
        for col in ("Venue", "Key", "Type", "Asset", "Size delta", "Created"):
            t.add_column(col)
        for o in pending:
            t.add_row(o.venue, o.key, o.type + (" (frozen)" if o.frozen else "")
                      + (" (timed out: `hedgefi orders --cancel KEY` refunds it)" if o.expired else ""),
                      o.asset, usd(o.size_delta_usd), str(o.created_at))
        out.print(t)


def plan(p: object) -> None:
    from hedgefi.venues.base import OrderPlan

    assert isinstance(p, OrderPlan)
    err.print(f"[bold]{p.action.capitalize()} {p.asset} short[/] on {p.venue}: size delta {usd(p.size_delta_usd)}, "
              f"collateral {amount(p.collateral_amount, 6)} {p.collateral_symbol}, price {usd(p.index_price)}, "
              f"acceptable {usd(p.acceptable_price)}, execution fee {amount(p.execution_fee_eth, 8)} ETH"
              + (f", position fee {usd(p.position_fee_usd)}" if p.position_fee_usd is not None else "")
              + (f" (closing later: {usd(p.closing_fee_usd)})" if p.closing_fee_usd else ""))
    for n in p.notes:
        err.print(f"  note: {n}")


def bundle_preview(preview: dict[str, Any]) -> None:
    """What will be signed, one line per transaction, then the run's totals (on stderr)."""
    from rich.markup import escape

    from hedgefi.core.units import fmt, from_raw

    def fee(eth: str, usd_text: str | None) -> str:
        return f"{eth} ETH" + (f" (${Decimal(usd_text):,.2f})" if usd_text is not None else "")

    err.print(f"To be signed on chain {preview['chain_id']} from {preview['from']} (built at block "
              f"{preview['block']}):")
    for t in preview["transactions"]:
        line = (f"  {t['nonce']}: {escape(t['description'])} -> {t['to']}, value {fmt(from_raw(int(t['value']), 18))}"
                f" ETH, gas {t['gas']}, max fee {fmt(from_raw(int(t['maxFeePerGas']), 9))} gwei, gas fee up to "
                f"{t['gas_fee_eth']} ETH")
        if Decimal(t["execution_fee_eth"]):
            line += f", execution fee {t['execution_fee_eth']} ETH"
        err.print(line)
    tot = preview["totals"]
    err.print(f"  total: {tot['transactions']} transaction(s), up to {fee(tot['fee_eth'], tot['fee_usd'])} in gas "
              f"({tot['gas_fee_eth']}) and execution fees ({tot['execution_fee_eth']})")


def run_result(r: object) -> None:
    from hedgefi.execution import RunResult

    assert isinstance(r, RunResult)
    backend = str(((r.preview or {}).get("dry_run") or {}).get("backend") or "")
    where = {"simulation": "simulated by eth_simulateV1", "fork": "on an anvil fork"}.get(backend, "")
    label = f"Dry-run ({where + ', ' if where else ''}nothing sent)" if r.mode == "dry-run" else "Broadcast"
    for o in r.orders:
        color = "green" if o.status in ("executed", "placed") else "red"
        reason = f": {o.reason}" if o.reason else ""
        key = o.key if ":" in o.key else o.key[:10] + "…"
        out.print(f"{label}: order {key} [{color}]{o.status}[/]{reason}")
    if not r.orders:
        out.print(f"{label}: {len(r.tx_hashes)} transaction(s) done")
    if r.positions_after:
        positions_table(r.positions_after, [], "", 0, 0, title="Positions after" + (
            f" ({where})" if r.mode == "dry-run" and where else ""))


def hedge_plan(hp: object, to_stderr: bool = False) -> None:
    from rich.table import Table

    from hedgefi.hedge.planner import HedgePlan

    assert isinstance(hp, HedgePlan)
    console = err if to_stderr else out
    t = Table(title="Hedge plan")
    for col in ("Asset", "Exposure", "Hedge now", "Ratio", "Target", "Status"):
        t.add_column(col, justify="left" if col in ("Asset", "Status") else "right")
    for ln in hp.lines:
        t.add_row(ln.asset, usd(ln.exposure_usd), usd(ln.hedge_usd), fmt_dec(ln.hedge_ratio), usd(ln.target_usd),
                  ln.note or ("in band" if ln.in_band else "rebalance"))
    console.print(t)
    for tg in hp.targets:
        if tg.signal is not None:
            sg = tg.signal

            def q4(x: Decimal | None) -> str:
                return "-" if x is None else fmt_dec(x.quantize(Decimal("0.0001")))

            ref = "MA" if sg.signal == "ma" else "then" if sg.signal == "momentum" else "reference"
            console.print(f"Trend {tg.asset}: signal {sg.signal} over {sg.days} days ({sg.points} hourly prices): "
                          f"price {q4(sg.price)}, {ref} {q4(sg.reference)}, score {q4(sg.score)} -> ratio "
                          f"{q4(sg.ratio)} "
                          f"(between {fmt_dec(sg.min_ratio)} and {fmt_dec(sg.max_ratio)})"
                          + (f"; {sg.reason}" if sg.reason else ""), soft_wrap=True)
        if tg.proxy is not None:
            px, est = tg.proxy, tg.proxy.estimate
            if px.hedged and est is not None:
                corr = "-" if est.correlation is None else fmt_dec(est.correlation.quantize(Decimal("0.0001")))
                console.print(f"Proxy {tg.asset}: hedged on {px.proxy} with beta "
                              f"{fmt_dec(px.beta.quantize(Decimal('0.0001')))}, correlation {corr} over "
                              f"{est.window_days} days ({est.points} daily returns)", soft_wrap=True)
            else:
                console.print(f"Proxy {tg.asset}: unhedged: {px.reason}", soft_wrap=True)
        elif tg.hedge_asset is None:
            console.print(f"{tg.asset}: {tg.reason}", soft_wrap=True)
    if hp.intents:
        o = Table(title="Orders")
        for col in ("Venue", "Asset", "Action", "Size delta", "Leverage", "Est. fee", "Why"):
            o.add_column(col, justify="right" if col in ("Size delta", "Leverage", "Est. fee") else "left")
        for i in hp.intents:
            lev = f"{fmt_dec(i.leverage)}x" if i.action in ("open", "increase") or \
                (i.action == "add_collateral" and i.venue == "gtrade") else ""
            size = f"+{fmt_dec(i.collateral_delta)} {i.collateral}" if i.action == "add_collateral" \
                else usd(i.size_delta_usd)
            o.add_row(i.venue, i.asset, i.action, size, lev, usd(i.est_fee_usd), i.reason)
        console.print(o)
    else:
        console.print("No orders: every asset is within its drift band.")
    console.print(f"Estimated fees {usd(hp.est_fees_usd)}; yearly carry of the resulting shorts "
                  f"{usd(hp.carry_apr_usd_after)} (> 0 a cost, < 0 an income)")
    for n in hp.notes:
        console.print(f"[yellow]Capped:[/] {n}", soft_wrap=True)
    if hp.refused:
        console.print(f"[red]Refused:[/] {hp.refused}", soft_wrap=True)


def hedge_result(r: object) -> None:
    from rich.table import Table

    from hedgefi.hedge.executor import ApplyResult

    assert isinstance(r, ApplyResult)
    hedge_plan(r.plan)
    t = Table(title=("Fork dry-run (nothing sent)" if r.mode == "fork" else "Broadcast") + ": before -> after")
    for col in ("Asset", "Exposure", "Hedge before", "Ratio before", "Hedge after", "Ratio after"):
        t.add_column(col, justify="left" if col == "Asset" else "right")
    after = {a["asset"]: a for a in r.after.summary()["assets"]}
    for b in r.before.summary([ln.asset for ln in r.plan.lines])["assets"]:
        a = after.get(b["asset"], b)
        t.add_row(b["asset"], usd(Decimal(b["exposure_usd"])), usd(Decimal(b["hedge_usd"])), b["hedge_ratio"],
                  usd(Decimal(a["hedge_usd"])), a["hedge_ratio"])
    out.print(t)
    for o in r.orders:
        color = "green" if o.status in ("executed", "placed") else "red"
        out.print(f"{o.venue} {o.asset} {o.action} {usd(o.size_delta_usd)}: [{color}]{o.status}[/]"
                  + (f" ({o.reason})" if o.reason else ""))
    for w in r.warnings:
        warn(w)


def dashboard(snap: dict[str, Any]) -> "Group":
    """The watch dashboard as one rich renderable."""
    from rich.console import Group, RenderableType
    from rich.panel import Panel
    from rich.table import Table

    head = (f"Portfolio ${Decimal(snap['portfolio_value_usd']):,.2f}  ·  {snap['address']}  ·  chain "
            f"{snap['chain_id']} block {snap['block']}")
    ratios = Table(title="Hedge ratio per asset")
    for col in ("Asset", "Exposure", "Hedge", "Ratio"):
        ratios.add_column(col, justify="left" if col == "Asset" else "right")
    for a in snap["assets"]:
        ratios.add_row(a["asset"], usd(Decimal(a["exposure_usd"])), usd(Decimal(a["hedge_usd"])), a["hedge_ratio"])
    shorts = Table(title="Shorts")
    for col in ("Venue", "Asset", "Size", "PnL", "Margin", "Liq. price", "Liq. dist.", "Funding", "Funding APR",
                "Borrow", "Borrow APR", "Top-up"):
        shorts.add_column(col, justify="left" if col in ("Venue", "Asset") else "right")
    alerted = {a["subject"] for a in snap["alerts"]}
    for p in snap["positions"]:
        style = "red" if f"{p['venue']} {p['asset']} {p['side']}" in alerted else None
        shorts.add_row(p["venue"], p["asset"], usd(Decimal(p["size_usd"])), usd(Decimal(p["pnl_usd"])),
                       f"{p['collateral_amount']} {p['collateral_token']}",
                       usd(Decimal(p["liquidation_price"])) if p["liquidation_price"] else "-",
                       pct(Decimal(p["liquidation_distance"])) if p["liquidation_distance"] else "-",
                       usd(Decimal(p["funding_fee_usd"]), 4),
                       pct(Decimal(p["funding_apr"])) if p["funding_apr"] else "-",
                       usd(Decimal(p["borrowing_fee_usd"]), 4),
                       pct(Decimal(p["borrowing_apr"])) if p["borrowing_apr"] else "-",
                       _top_up(p.get("margin_top_up")), style=style)
    parts: list[RenderableType] = [head, ratios, shorts]
    if snap["pending_orders"]:
        parts.append(f"Pending orders: {len(snap['pending_orders'])} "
                     + ", ".join(f"{o['type']} {o['asset']}" for o in snap["pending_orders"]))
    if snap["alerts"]:
        parts.append(Panel("\n".join(a["message"] for a in snap["alerts"]), title="ALERTS", border_style="red"))
    else:
        parts.append("No alert.")
    return Group(*parts)


def _top_up(t: dict[str, Any] | None) -> str:
    """The watch column: what `hedge apply` would do to the short's margin ("-": nothing)."""
    if not t:
        return "-"
    after = f" -> {pct(Decimal(t['liquidation_distance_after']))}" if t.get("liquidation_distance_after") else ""
    if t["action"] == "add_collateral":
        return f"+{t['collateral_delta']} {t['collateral_token']}{after}"
    if t["action"] == "reduce":
        return f"reduce to {pct(Decimal(t['keep']))} of size{after}"
    if t["action"] == "close":
        return "close (no reduction enough)"
    return "none: " + str(t.get("note", ""))


def scenario_table(sc: object) -> None:
    from rich.table import Table

    from hedgefi.risk.scenario import Scenario

    assert isinstance(sc, Scenario)
    t = Table(title=f"{sc.asset} scenarios (carry over {sc.horizon_s // 86400} days: {usd(sc.carry_usd)})")
    for col in ("Move", "Price", "Unhedged change", "Hedged change"):
        t.add_column(col, justify="right")
    step = max(1, len(sc.moves) // 10)
    for i in range(0, len(sc.moves), step):
        m = sc.moves[i]
        t.add_row(pct(m), usd(sc.price * (1 + m)), usd(sc.unhedged[i]), usd(sc.hedged[i]))
    out.print(t)
    for leg, m in sc.liquidations:
        out.print(f"  {leg} is liquidated at a {pct(m)} move ({usd(sc.price * (1 + m))})")


def terminal_chart(kind: str, obj: object) -> None:
    """A plotext chart of a scenario or a backtest on stdout; without plotext, one line on stderr instead."""
    from rich.text import Text

    from hedgefi.risk.charts import ChartsUnavailableError, backtest_text_chart, scenario_text_chart

    width = max(40, min(out.width or 100, 100) - 2)
    try:
        chart = scenario_text_chart(obj, width) if kind == "scenario" else backtest_text_chart(obj, width)  # type: ignore[arg-type]
    except ChartsUnavailableError as exc:
        warn(f"no terminal chart: {exc.message}")
        return
    out.print(Text.from_ansi(chart))


def backtest_report(doc: dict[str, Any]) -> None:
    """The figures of a backtest (its ``--json`` document) as a table, then its assumptions and notes."""
    from rich.table import Table

    t = Table(title=f"Backtest over {doc['days']} days ({doc['hours']} hours)")
    for col in ("", "Unhedged", "Hedged"):
        t.add_column(col, justify="right")
    t.add_row("Start value", usd(Decimal(doc["start_unhedged_usd"])), usd(Decimal(doc["start_hedged_usd"])))
    t.add_row("Final value", usd(Decimal(doc["final_unhedged_usd"])), usd(Decimal(doc["final_hedged_usd"])))
    t.add_row("Max drawdown", pct(Decimal(doc["max_drawdown_unhedged"])), pct(Decimal(doc["max_drawdown_hedged"])))
    t.add_row("Carry paid (< 0: received)", "-", usd(Decimal(doc["carry_paid_usd"])))
    t.add_row("Fees", "-", usd(Decimal(doc["fees_usd"])))
    t.add_row("Rebalances", "-", str(doc["rebalances"]))
    t.add_row("Margin top-ups", "-", f"{doc['top_ups']} ({usd(Decimal(doc['top_up_usd']))})")
    t.add_row("Liquidations avoided / suffered", "-", f"{doc['liquidations_avoided']} / {doc['liquidations_suffered']}")
    out.print(t)
    for p in doc["proxies"]:
        if p["proxy"]:
            e = p["estimate"]
            out.print(f"  {p['asset']} hedged on {p['proxy']} x beta {p['beta']} (correlation {e['correlation']} "
                      f"over {e['window_days']} days, {e['points']} daily returns)")
    for note in doc["notes"]:
        warn(note)
    for a in doc["assumptions"]:
        out.print(f"  assumed: {a}")
