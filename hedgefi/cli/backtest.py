"""``hedgefi backtest``: replay a hedge plan over the feeds' price history; hedged vs unhedged.

The wallet's holdings (and the plan's ``exposure_addresses``), the venues' current carry and position fees
and the feeds' rounds are read once (``hedge.backtest_inputs``); the replay itself is pure
(``hedge.backtest``). ``--chart`` writes an SVG or PNG (matplotlib); the terminal view draws with plotext.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from hedgefi.cli.context import OPTIONS


def backtest(
    plan_file: Path = typer.Option(..., "--plan", help="The TOML hedge plan to replay."),
    days: int = typer.Option(90, "--days", help="Days of history to replay, ending now."),
    chart: Optional[Path] = typer.Option(None, "--chart", help="Also write the chart to FILE.svg or FILE.png "
                                         "(matplotlib: pip install 'hedgefi[charts]')."),
    address: Optional[str] = typer.Option(None, "--address"),
    account: Optional[str] = typer.Option(None, "--account"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Replay a plan over the feeds' history: hedged vs unhedged value, drawdown, carry, fees, liquidations."""
    from hedgefi.cli import render
    from hedgefi.core.errors import InputError
    from hedgefi.hedge.backtest_inputs import gather_backtest_inputs
    from hedgefi.hedge.policy import load_plan
    from hedgefi.risk.charts import backtest_chart_file, check_chart_path
    from hedgefi.wallet.signers import require_identity

    if days <= 0:
        raise InputError("--days must be positive")
    if chart is not None:
        check_chart_path(chart)
    policy = load_plan(plan_file)
    ident = require_identity(OPTIONS.profile(), address=address, account=account)
    conn = OPTIONS.connect()
    inputs = gather_backtest_inputs(conn, ident.address, policy, days)
    result = inputs.run()
    if chart is not None:
        backtest_chart_file(result, chart)
    doc = {"chain_id": conn.chain_id, "address": ident.address, "days": days, "markets": inputs.markets,
           "proxies": [c.as_json() for c in inputs.proxy_choices], "notes": list(inputs.notes),
           **result.as_json(), "chart": str(chart) if chart else None}
    if as_json:
        render.print_json(doc)
        return
    render.terminal_chart("backtest", result)
    render.backtest_report(doc)
    if chart is not None:
        render.out.print(f"Chart written to {chart}")
