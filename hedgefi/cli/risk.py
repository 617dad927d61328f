"""``hedgefi watch`` (a live risk dashboard with alerts) and ``hedgefi scenario`` (value across price moves).

``watch`` keeps running through transient RPC errors (``ChainError``: unreachable, an error answer): it
shows the error and retries at the next tick. It ends on Ctrl-C, or on an error retrying cannot fix (bad
input, another chain behind the RPC, a contract missing); ``--once`` fails on any error (cron sees it).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

import typer

from hedgefi.cli.context import OPTIONS
from hedgefi.core.errors import ExitCode


def _pct(text: Optional[str], what: str, *, allow_negative: bool = False) -> Decimal | None:
    from hedgefi.core.units import parse_decimal

    if text is None:
        return None
    t = text.strip()
    if t.endswith("%"):
        return parse_decimal(t[:-1], what=what, allow_negative=allow_negative) / 100
    return parse_decimal(t, what=what, allow_negative=allow_negative)


def _snapshot(conn: Any, address: str, thresholds: Any, policy: Any = None) -> dict[str, Any]:
    from hedgefi.hedge.executor import fetch_state
    from hedgefi.risk.alerts import evaluate
    from hedgefi.risk.equity import equity_usd
    from hedgefi.core.units import fmt

    from hedgefi.risk.alerts import liquidated_alerts
    from hedgefi.risk.liquidations import track_liquidations

    from hedgefi.hedge import margin
    from hedgefi.hedge.executor import wallet_balances
    from hedgefi.hedge.policy import DEFAULT_MIN_LIQ_DISTANCE

    st = fetch_state(conn, address)
    liquidated = track_liquidations(conn, address, st.positions, st.block)
    wallet = wallet_balances(st)
    alerts = evaluate(st.exposures, st.positions, st.markets, thresholds) + liquidated_alerts(liquidated)
    carry = {(m.venue, m.market.lower()): m for m in st.markets}     # by market: an asset has several
    positions = []
    equity = Decimal(0)
    for p in st.positions:
        row = p.as_json()
        q = carry.get((p.venue, p.market.lower()))
        row["funding_apr"] = fmt(q.short_funding_apr) if q else None
        row["borrowing_apr"] = fmt(q.short_borrowing_apr) if q else None
        # the margin step `hedge apply` would take for this short (each short judged alone against the wallet)
        ap = policy.for_asset(p.asset) if policy is not None else None
        min_d = ap.min_liquidation_distance if ap is not None else DEFAULT_MIN_LIQ_DISTANCE
        shorts = [s for s in st.positions if s.asset == p.asset and s.side == "short"]
        row["margin_top_up"] = margin.preview_json(p, min_d, margin.room_raw(
            p, wallet, shorts, ap.max_collateral if ap is not None else None))
        positions.append(row)
        equity += equity_usd(p)
    return {"chain_id": conn.chain_id, "block": st.block, "address": address,
            "portfolio_value_usd": fmt((st.holdings.total_value_usd + equity).quantize(Decimal("0.01"))),
            "assets": st.summary()["assets"], "positions": positions,
            "pending_orders": [o.as_json() for o in st.pending], "liquidated": [x.as_json() for x in liquidated],
            "alerts": [a.as_json() for a in alerts], "warnings": st.warnings}


def watch(
    interval: float = typer.Option(10, "--interval", help="Seconds between refreshes."),
    alert_liq_distance: Optional[str] = typer.Option(None, "--alert-liq-distance", help="e.g. 15%"),
    alert_carry_apr: Optional[str] = typer.Option(None, "--alert-carry-apr", help="e.g. 20%"),
    alert_drift: Optional[str] = typer.Option(None, "--alert-drift", help="e.g. 10% (needs --target-ratio)"),
    target_ratio: Optional[str] = typer.Option(None, "--target-ratio", help="The hedge ratio drift is measured from."),
    once: bool = typer.Option(False, "--once", help="One snapshot; exit 8 when an alert is active (cron)."),
    address: Optional[str] = typer.Option(None, "--address"),
    account: Optional[str] = typer.Option(None, "--account"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per tick."),
    plan_file: Optional[Path] = typer.Option(None, "--plan", help="The hedge plan whose min_liquidation_distance "
                                             "and max_collateral the margin top-up column uses (else 0.2, no cap)."),
) -> None:
    """A live dashboard: value, hedge ratio per asset, each short's PnL, margin, liquidation, carry; alerts;
    per short the margin top-up `hedge apply` would make (JSON key ``margin_top_up``)."""
    import json
    import time

    from hedgefi.cli import render
    from hedgefi.core.errors import InputError
    from hedgefi.risk.alerts import Thresholds
    from hedgefi.wallet.signers import require_identity

    if interval <= 0:
        raise InputError("--interval must be positive")
    t = Thresholds(_pct(alert_liq_distance, "--alert-liq-distance"), _pct(alert_carry_apr, "--alert-carry-apr"),
                   _pct(alert_drift, "--alert-drift"), _pct(target_ratio, "--target-ratio"))
    if t.drift is not None and not t.target_ratio:
        raise InputError("--alert-drift needs --target-ratio (the ratio the hedge should be at)")
    from hedgefi.hedge.policy import load_plan

    policy = load_plan(plan_file) if plan_file is not None else None
    ident = require_identity(OPTIONS.profile(), address=address, account=account)
    conn = OPTIONS.connect()
    if once:
        snap = _snapshot(conn, ident.address, t, policy)
        render.print_json(snap) if as_json else render.out.print(render.dashboard(snap))
        if snap["alerts"]:
            for a in snap["alerts"]:
                render.err.print(f"[red]ALERT[/] {a['message']}")
            raise typer.Exit(ExitCode.ALERT)
        return
    try:
        if as_json:
            while True:
                tick = _tick(conn, ident.address, t, interval, policy)
                if tick is not None:
                    print(json.dumps(tick), flush=True)
                time.sleep(interval)
        from rich.console import Group
        from rich.live import Live
        from rich.text import Text

        last: Any = Text("waiting for the first snapshot…")
        with Live(last, console=render.out, refresh_per_second=1) as live:
            while True:
                tick = _tick(conn, ident.address, t, interval, policy)
                if tick is not None:
                    last = render.dashboard(tick)
                    live.update(last)
                else:
                    live.update(Group(last, Text(f"RPC error at {time.strftime('%H:%M:%S')}; retrying every "
                                                 f"{interval:g} s (see above)", style="red")))
                time.sleep(interval)
    except KeyboardInterrupt:
        return


def _tick(conn: Any, address: str, thresholds: Any, interval: float, policy: Any = None) -> dict[str, Any] | None:
    """One refresh of ``watch``: the snapshot, or None after a transient RPC error (shown; the next tick
    retries). A node on another chain or a missing contract is not transient: that error ends the watch."""
    from hedgefi.cli import render
    from hedgefi.core.errors import ChainError, ChainIdMismatchError, NoCodeError

    try:
        return _snapshot(conn, address, thresholds, policy)
    except (ChainIdMismatchError, NoCodeError):
        raise
    except ChainError as exc:
        render.warn(f"{exc.message}; retrying in {interval:g} s")
        return None


def scenario(
    asset: str = typer.Option("ETH", "--asset"),
    from_: str = typer.Option("-50%", "--from", help="Lowest price move."),
    to: str = typer.Option("50%", "--to", help="Highest price move."),
    horizon: str = typer.Option("30d", "--horizon", help="Carry is paid over this long."),
    ratio: Optional[str] = typer.Option(None, "--ratio", help="Show a planned hedge at this ratio instead of the current one."),
    plan_file: Optional[Path] = typer.Option(None, "--plan", help="Show the hedge a plan file would leave."),
    svg: Optional[Path] = typer.Option(None, "--chart", "--svg", help="Also write the chart to FILE.svg or FILE.png "
                                       "(matplotlib: pip install 'hedgefi[charts]')."),
    address: Optional[str] = typer.Option(None, "--address"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The portfolio's value, unhedged and hedged, across price moves of one asset, with liquidation points."""
    from hedgefi.cli import render
    from hedgefi.sim.control import parse_duration
    from hedgefi.core.errors import InputError, UnknownNameError
    from hedgefi.hedge.executor import fetch_state
    from hedgefi.risk.charts import check_chart_path, scenario_chart_file
    from hedgefi.risk.scenario import compute
    from hedgefi.wallet.signers import require_identity

    lo = _pct(from_, "--from", allow_negative=True)
    hi = _pct(to, "--to", allow_negative=True)
    assert lo is not None and hi is not None
    if not (Decimal(-1) < lo < hi):
        raise InputError("--from must be above -100% and below --to")
    horizon_s = parse_duration(horizon)
    if svg is not None:
        check_chart_path(svg)
    ident = require_identity(OPTIONS.profile(), address=address)
    conn = OPTIONS.connect()
    policy = _scenario_policy(ratio, plan_file)
    st = fetch_state(conn, ident.address, policy=policy)
    exp = next((e for e in st.exposures if e.asset.upper() == asset.upper()), None)
    if exp is None:
        raise UnknownNameError("asset in the wallet", asset, [e.asset for e in st.exposures])
    legs = _legs(st, exp, policy)
    sc = compute(exp.asset, exp.price, exp.exposure_usd, legs, lo=lo, hi=hi, horizon_s=horizon_s)
    if svg is not None:
        scenario_chart_file(sc, svg)
    if as_json:
        render.print_json({"chain_id": conn.chain_id, "address": ident.address, **sc.as_json(),
                           "svg": str(svg) if svg else None})
        return
    render.terminal_chart("scenario", sc)
    render.scenario_table(sc)
    if svg is not None:
        render.out.print(f"Chart written to {svg}")


def _scenario_policy(ratio: Optional[str], plan_file: Optional[Path]) -> Any:
    from hedgefi.hedge.policy import HedgePolicy, load_plan
    from hedgefi.core.units import parse_decimal

    if ratio is None and plan_file is None:
        return None
    return load_plan(plan_file) if plan_file else HedgePolicy.from_ratio(parse_decimal(ratio or "", what="--ratio"))


def _legs(st: Any, exp: Any, policy: Any) -> list[Any]:
    from hedgefi.hedge.planner import notional, plan
    from hedgefi.risk.equity import equity_usd
    from hedgefi.risk.scenario import ShortLeg

    carry = {(m.venue, m.market.lower()): m for m in st.markets}     # by market: an asset has several
    legs = []
    positions = [p for p in st.positions if p.asset == exp.asset and p.side == "short"]
    for p in positions:
        q = carry.get((p.venue, p.market.lower()))
        legs.append(ShortLeg(f"{p.venue} {p.asset} short", p.size_tokens, equity_usd(p),
                             p.liquidation_price, q.short_carry_apr if q else Decimal(0), notional(p)))
    if policy is None:
        return legs
    hp = plan([exp], positions, st.pending, st.markets, policy, st.liquidation)
    for i in hp.intents:
        q = carry.get((i.venue, i.market.lower()))
        if i.size_delta_usd <= 0 or q is None:
            continue  # decreases shrink existing legs; shown approximately by the current ones
        # where the venue itself would liquidate the new short (hedge.liquidation), else 1/L less the margin
        real = next((x for x in st.liquidation if (x.venue, x.asset, x.leverage) == (i.venue, i.asset, i.leverage)),
                    None)
        min_coll = 1 / q.max_leverage if q.max_leverage else Decimal("0.01")
        liq = real.liquidation_price if real is not None else exp.price * (1 + 1 / i.leverage - min_coll)
        legs.append(ShortLeg(f"planned {i.venue} {i.asset} short", i.size_delta_usd / exp.price,
                             i.size_delta_usd / i.leverage - i.est_fee_usd, liq, q.short_carry_apr, i.size_delta_usd))
    return legs
