"""``hedgefi devnet ...``: start, inspect and steer the embedded anvil devnet."""

from __future__ import annotations

from typing import Optional

import typer

from hedgefi.core.errors import ExitCode

app = typer.Typer(help="The embedded devnet: anvil with devnet tokens, price feeds and venue replicas.",
                  no_args_is_help=True)


@app.callback()
def _only_on_the_devnet() -> None:
    """Devnet commands move time, prices and balances: never let them aim at a real chain profile."""
    from hedgefi.cli.context import OPTIONS
    from hedgefi.core.errors import InputError

    if OPTIONS.chain_name != "devnet" or OPTIONS.rpc:
        raise InputError("devnet commands act on the embedded devnet only; drop --chain/--rpc "
                         f"(got --chain {OPTIONS.chain_name})")


@app.command()
def up(
    port: int = typer.Option(8545, "--port", help="Loopback port for anvil."),
    block_time: float = typer.Option(0, "--block-time", help="Seconds per block (0: mine on every transaction)."),
    gmx_release: str = typer.Option("v2.2c", "--gmx-release",
                                    help="The GMX release whose struct layouts the replica speaks: v2.2b or v2.2c."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Start anvil in the background, deploy the devnet contracts and fund the demo wallet."""
    from hedgefi.cli import render
    from hedgefi.sim import control
    from hedgefi.chain.manifest import manifest_path
    from hedgefi.core.units import fmt, from_raw
    from hedgefi.sim.tools import foundry_binary

    foundry_binary("anvil")  # no anvil: its one-line install hint, before anything else is printed
    if not as_json:
        render.info("Starting anvil and deploying the devnet contracts…")
    m = control.up(port=port, block_time=block_time or None, gmx_release=gmx_release)
    if as_json:
        render.print_json(control.status().as_json())
        return
    render.out.print(f"[green]Devnet up[/] at {m.rpc_url} (chain id {m.chain_id}, anvil pid {m.pid}, "
                     f"GMX {m.params.get('gmx:release', 'v2.2c')})")
    render.out.print(f"Manifest: {manifest_path()}")
    for name, address in sorted(m.contracts.items()):
        render.out.print(f"  {name:<16} {address}")
    decimals = {t["symbol"]: t["decimals"] for t in m.tokens} | {"ETH": 18}
    funded = ", ".join(f"{fmt(from_raw(int(raw), decimals[s]))} {s}" for s, raw in m.funded.items())
    render.out.print(f"Demo wallet {m.demo_address} (anvil dev account #0) funded with {funded}")


@app.command()
def status(as_json: bool = typer.Option(False, "--json")) -> None:
    """Where the devnet runs, its chain id, demo wallet and contract addresses."""
    from hedgefi.cli import render
    from hedgefi.sim import control

    st = control.status()
    if as_json:
        render.print_json(st.as_json())
    else:
        m = st.manifest
        state = f"[green]running[/], block {st.block}" if st.running else "[red]not answering[/]"
        render.out.print(f"Devnet at {m.rpc_url}: {state}; chain id {m.chain_id}; demo wallet {m.demo_address}")
        for name, address in sorted(m.contracts.items()):
            render.out.print(f"  {name:<16} {address}")
    if not st.running:
        raise typer.Exit(ExitCode.ERROR)


@app.command()
def down() -> None:
    """Stop the anvil that `devnet up` started (by its pid) and forget the devnet."""
    from hedgefi.cli import render
    from hedgefi.sim import control

    if control.down():
        render.out.print("Devnet stopped.")
    else:
        render.out.print("No devnet was running.")


@app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": False})
def price(
    symbol: str = typer.Argument(..., help="Asset or token: ETH, BTC, XAU, WETH, WBTC, PAXG, ARB, LINK, USDC."),
    value: Optional[str] = typer.Argument(None, help="New USD price (2500) or a move (-30%, +5%)."),
    path: Optional[str] = typer.Option(
        None, "--path", help="A sequence of rounds one --every apart, the clock moving forward before each: "
        "comma-separated steps MOVE[/h] [x N], e.g. \"-2%/h x 48\" (a two-day downtrend) or "
        "\"+1% x 24, -3% x 10, 2500\". The other feeds re-post their price once at the end."),
    every: str = typer.Option("1h", "--every", help="Time between the rounds of --path: 30s, 15m, 1h, 1d."),
) -> None:
    """Post a new price round to a devnet feed, or a path of hourly rounds (--path)."""
    from hedgefi.cli import render
    from hedgefi.sim import control
    from hedgefi.core.errors import InputError
    from hedgefi.core.units import fmt

    if (value is None) == (path is None):
        raise InputError("give a price or a move, or --path, not both")
    if path is not None:
        walk = control.price_path(symbol, path, interval_s=control.parse_duration(every))
        render.out.print(f"{walk.asset}/USD: {fmt(walk.old_price)} -> {fmt(walk.new_price)} in {len(walk.steps)} "
                         f"rounds, {every} apart (chain time {walk.start_ts} .. {walk.end_ts})")
        return
    assert value is not None
    change = control.set_price(symbol, value)
    render.out.print(f"{change.asset}/USD: {fmt(change.old_price)} -> {fmt(change.new_price)}")


@app.command()
def advance(
    duration: Optional[str] = typer.Argument(None, help="How far: 30s, 15m, 8h, 3d, 1w."),
    until_open: Optional[str] = typer.Option(None, "--until-open", help="Instead, move to when a gTrade market "
                                             "opens: an asset (XAU, NVDA) or a class (commodities, stocks, forex)."),
) -> None:
    """Move chain time forward (funding and borrowing accrue) and mine a block."""
    from datetime import datetime, timezone

    from hedgefi.cli import render
    from hedgefi.sim import control
    from hedgefi.core.errors import InputError

    if (duration is None) == (until_open is None):
        raise InputError("give a duration (8h, 3d) or --until-open ASSET|CLASS")
    if until_open is not None:
        klass = _market_class(until_open)
        ts = control.move_to_market_hours(control.running_manifest().rpc_url, klass, True)
        if ts is None:
            render.out.print(f"gTrade {klass} markets are already open at the chain's time; nothing moved")
            return
        when = datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%a %Y-%m-%d %H:%M UTC")
        render.out.print(f"Moved the chain's clock to when gTrade {klass} markets open: {when}")
        return
    seconds = control.parse_duration(duration or "")
    ts = control.advance(seconds)
    when = datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    render.out.print(f"Advanced {seconds} s; chain time is now {when}")


def _market_class(name: str) -> str:
    """An asset class, or the class of a gTrade devnet pair (XAU -> commodities)."""
    from hedgefi.cli.context import OPTIONS
    from hedgefi.core.errors import UnknownNameError
    from hedgefi.venues.gtrade.constants import GROUP_CLASS

    classes = sorted(set(GROUP_CLASS.values()))
    if name.lower() in classes:
        return name.lower()
    from hedgefi.venues.gtrade.adapter import GtradeVenue

    quotes = GtradeVenue(OPTIONS.connect()).fetch_markets()
    q = next((q for q in quotes if q.asset.upper() == name.upper()), None)
    if q is None:
        raise UnknownNameError("gTrade asset or class", name, classes + sorted(q.asset for q in quotes))
    return q.asset_class


@app.command()
def fund(address: str = typer.Argument(..., help="Address to fund with ETH and every devnet token.")) -> None:
    """Give an address the demo amounts of ETH and every devnet token."""
    from hedgefi.cli import render
    from hedgefi.sim import control
    from hedgefi.wallet.signers import parse_address

    target = parse_address(address)
    funded = control.fund(target)
    render.out.print(f"Funded {target}: " + ", ".join(f"{s} {raw} (raw)" for s, raw in funded.items()))


keeper_app = typer.Typer(help="The devnet keeper that executes pending venue orders.", no_args_is_help=True)
app.add_typer(keeper_app, name="keeper")


@keeper_app.command("pause")
def keeper_pause() -> None:
    """Hold every order pending (the keeper stops executing)."""
    from hedgefi.cli import render
    from hedgefi.sim import control
    from hedgefi.sim.keeper import set_paused

    control.running_manifest()
    set_paused(True)
    render.out.print("Keeper paused: orders stay pending until `hedgefi devnet keeper resume`.")


@keeper_app.command("resume")
def keeper_resume() -> None:
    """Execute pending orders again."""
    from hedgefi.cli import render
    from hedgefi.sim import control
    from hedgefi.sim.keeper import set_paused

    control.running_manifest()
    set_paused(False)
    render.out.print("Keeper resumed.")


@app.command()
def liquidate(
    address: Optional[str] = typer.Option(None, "--address", help="Only this account's positions."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only report which positions are liquidatable."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Play GMX's LIQUIDATION_KEEPER: liquidate every GMX position past its liquidation point."""
    from hedgefi.cli import render
    from hedgefi.sim import control
    from hedgefi.sim.liquidator import liquidate_devnet
    from hedgefi.wallet.signers import parse_address

    account = parse_address(address, what="--address") if address else None
    results = liquidate_devnet(control.running_manifest(), account=account, send=not dry_run)
    if as_json:
        render.print_json({"dry_run": dry_run, "positions": [r.as_json() for r in results],
                           "liquidated": sum(r.liquidated for r in results)})
        return
    for r in results:
        side = "long" if r.is_long else "short"
        what = f"GMX {side} of {r.account} in market {r.market}"
        if r.liquidated:
            render.out.print(f"[red]liquidated[/] {what} in {r.tx_hash}")
        elif r.note == "liquidatable":
            render.out.print(f"[yellow]liquidatable[/] {what}")
        else:
            render.out.print(f"healthy {what}: {r.note}")
    if not results:
        render.out.print("No GMX positions on the devnet.")
