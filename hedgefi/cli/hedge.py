"""``hedgefi hedge plan|apply``: keep a share of each asset hedged with shorts, from cron or by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from hedgefi.cli.context import OPTIONS
from hedgefi.core.errors import ExitCode

app = typer.Typer(help="Plan and apply hedges: short a share of each asset's exposure on the cheapest venue.",
                  no_args_is_help=True)

_RATIO = typer.Option(None, "--ratio", help="Hedge this share of every hedgeable asset (0..1).")
_PLAN = typer.Option(None, "--plan", help="A TOML plan with per-asset ratio, venue, leverage, band, limits.")
_FEES = typer.Option(None, "--max-fees-usd", help="Refuse a run whose estimated fees exceed this.")


def _policy(ratio: Optional[str], plan_file: Optional[Path], max_fees: Optional[str]) -> Any:
    from hedgefi.core.errors import InputError
    from hedgefi.hedge.policy import HedgePolicy, load_plan
    from hedgefi.core.units import parse_decimal

    if (ratio is None) == (plan_file is None):
        raise InputError("give exactly one of --ratio or --plan")
    fees = parse_decimal(max_fees, what="--max-fees-usd") if max_fees is not None else None
    if plan_file is not None:
        policy = load_plan(plan_file)
        if fees is not None:
            policy = HedgePolicy(policy.default, policy.assets, fees)
        return policy
    r = parse_decimal(ratio or "", what="--ratio")
    if r > 1:
        raise InputError("--ratio must be between 0 and 1")
    return HedgePolicy.from_ratio(r, max_fees_usd=fees)


@app.command("plan")
def plan_cmd(
    ratio: Optional[str] = _RATIO, plan_file: Optional[Path] = _PLAN, max_fees_usd: Optional[str] = _FEES,
    address: Optional[str] = typer.Option(None, "--address"), account: Optional[str] = typer.Option(None, "--account"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What the hedge needs: exposure, current hedge, target, orders, fees and yearly carry. Sends nothing."""
    from hedgefi.cli import render
    from hedgefi.hedge.executor import fetch_state, wallet_balances
    from hedgefi.hedge.planner import plan
    from hedgefi.wallet.signers import require_identity

    policy = _policy(ratio, plan_file, max_fees_usd)
    ident = require_identity(OPTIONS.profile(), address=address, account=account)
    conn = OPTIONS.connect()
    state = fetch_state(conn, ident.address, policy=policy)
    hp = plan(state.exposures, state.positions, state.pending, state.markets, policy, state.liquidation,
              wallet_balances(state))
    if as_json:
        render.print_json({"chain_id": conn.chain_id, "block": state.block, "address": ident.address, **hp.as_json(),
                           "warnings": state.warnings})
    else:
        render.hedge_plan(hp)
        for w in state.warnings:
            render.warn(w)
    if hp.refused:
        raise typer.Exit(ExitCode.REFUSED)


@app.command("apply")
def apply_cmd(
    ratio: Optional[str] = _RATIO, plan_file: Optional[Path] = _PLAN, max_fees_usd: Optional[str] = _FEES,
    account: Optional[str] = typer.Option(None, "--account"),
    broadcast: bool = typer.Option(False, "--broadcast", help="Send for real after the fork dry-run."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation (cron, CI)."),
    as_json: bool = typer.Option(False, "--json"),
    max_fee_gwei: Optional[str] = typer.Option(None, "--max-fee-gwei", help="Refuse to send above this gas price."),
    max_total_fee_eth: Optional[str] = typer.Option(None, "--max-total-fee-eth",
                                                    help="The whole run: refuse if gas + execution fees of all its "
                                                    "transactions may exceed this."),
    allow_stale_prices: bool = typer.Option(False, "--allow-stale-prices", help="Send even when a price feed the "
                                            "orders depend on is older than its heartbeat; refused by default."),
) -> None:
    """Run the plan on a fork (default) or for real (--broadcast); print before and after."""
    import sys

    from hedgefi.cli import render
    from hedgefi.core.errors import InputError
    from hedgefi.hedge.executor import apply

    policy = _policy(ratio, plan_file, max_fees_usd)
    from hedgefi.wallet.signers import require_identity

    ident = require_identity(OPTIONS.profile(), account=account)
    conn = OPTIONS.connect()
    if broadcast and not yes and not sys.stdin.isatty():
        raise InputError("no terminal to confirm on: pass --yes to send from a script; nothing was sent")

    def confirm(preview: Any) -> bool:
        render.bundle_preview(preview.bundle.preview_json())     # what will be signed, always shown
        if yes:
            return True          # the result below shows the plan; no need to show it twice
        render.hedge_plan(preview.plan, to_stderr=True)
        return input("Send these orders for real? [y/N] ").strip().lower() in ("y", "yes")

    from hedgefi.core.units import parse_decimal

    gwei = parse_decimal(max_fee_gwei, what="--max-fee-gwei", allow_zero=False) if max_fee_gwei else None
    total = parse_decimal(max_total_fee_eth, what="--max-total-fee-eth", allow_zero=False) if max_total_fee_eth else None
    result = apply(conn, ident, policy, broadcast=broadcast, confirm=confirm, max_fee_gwei=gwei,
                   max_total_fee_eth=total, allow_stale_prices=allow_stale_prices)
    if as_json:
        render.print_json(result.as_json())
    else:
        render.hedge_result(result)
    if result.stopped:
        raise typer.Exit(ExitCode.REFUSED)      # the market or fees moved past what was confirmed
    if not result.complete:
        raise typer.Exit(incomplete_exit_code({o.status for o in result.orders}))


def incomplete_exit_code(statuses: set[str]) -> int:
    """The exit code of a run that did not complete, by what its orders show: an error (a send failed or its
    answer was lost: run `hedgefi tx resume`) 1, a venue cancellation 5, orders still pending 6."""
    if "error" in statuses:
        return ExitCode.ERROR
    if statuses & {"cancelled", "frozen"}:
        return ExitCode.ORDER_CANCELLED
    if statuses & {"pending", "sent"}:
        return ExitCode.ORDER_PENDING
    return ExitCode.ORDER_CANCELLED
