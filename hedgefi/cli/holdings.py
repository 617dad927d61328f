"""``hedgefi holdings``: what the wallet holds, valued in USD, from one batched read."""

from __future__ import annotations

from typing import List, Optional

import typer

from hedgefi.cli.context import OPTIONS
from hedgefi.core.errors import ExitCode


def holdings(
    address: Optional[str] = typer.Option(None, "--address", help="Wallet address to read (read-only)."),
    account: Optional[str] = typer.Option(None, "--account", help="Keystore account whose address to read."),
    token: List[str] = typer.Option([], "--token", help="Extra ERC-20 address to include (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON with a stable schema."),
) -> None:
    """Native and ERC-20 balances valued with on-chain USD price feeds, and the total."""
    from hedgefi.cli import render
    from hedgefi.wallet.holdings import fetch_holdings
    from hedgefi.wallet.signers import parse_address, require_identity

    extras = [parse_address(t, what="--token") for t in token]
    profile = OPTIONS.profile()
    ident = require_identity(profile, address=address, account=account)
    conn = OPTIONS.connect()
    result = fetch_holdings(conn, ident.address, extras)
    if as_json:
        render.print_json(result.as_json())
    else:
        _table(result)
    for line in conn.prices.stale_lines():
        render.warn(f"stale price: {line}")
    for row in result.errors:
        render.warn(f"{row.symbol} {row.address}: {row.error}")
    if result.errors:
        raise typer.Exit(ExitCode.PARTIAL)


def _table(result: "object") -> None:
    from rich.table import Table

    from hedgefi.cli import render
    from hedgefi.wallet.holdings import Holdings

    assert isinstance(result, Holdings)
    table = Table(title=f"Holdings of {result.address} (chain {result.chain_id}, block {result.block})")
    table.add_column("Asset")
    table.add_column("Balance", justify="right")
    table.add_column("Price", justify="right")
    table.add_column("Value", justify="right")
    for a in result.assets:
        table.add_row(a.symbol, render.amount(a.balance) if not a.error or a.balance_raw else "-",
                      render.usd(a.price_usd, 4 if a.price_usd is not None and a.price_usd < 10 else 2)
                      + (" [yellow](stale)[/]" if a.price_stale else ""),
                      render.usd(a.value_usd) if not a.error else f"[red]{a.error}[/]")
    table.add_section()
    table.add_row("[bold]Total[/]", "", "", f"[bold]{render.usd(result.total_value_usd)}[/]")
    render.out.print(table)
