"""``hedgefi tx list|status|resume``: the journal of signed transactions and venue orders."""

from __future__ import annotations

from typing import Optional

import typer

from hedgefi.cli.context import OPTIONS

app = typer.Typer(help="The journal of every signed transaction and venue order; resume after a crash.",
                  no_args_is_help=True)


@app.command("list")
def list_(limit: int = typer.Option(20, "--limit", help="how many entries of each kind (at least 1)"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Recent transactions and orders, newest first."""
    from rich.table import Table

    from hedgefi.chain.journal import Journal
    from hedgefi.cli import render
    from hedgefi.core.errors import BadAmountError

    if limit < 1:
        raise BadAmountError(f"--limit must be at least 1 (got {limit})")

    j = Journal()
    txs, orders = j.txs(limit=limit), j.orders(limit=limit)
    if as_json:
        render.print_json({"journal": str(j.path), "transactions": [t.as_json() for t in txs],
                           "orders": [o.as_json() for o in orders]})
        return
    t = Table(title=f"Transactions ({j.path})")
    for col in ("Hash", "Chain", "Nonce", "State", "What", "Reason"):
        t.add_column(col)
    for e in txs:
        t.add_row(e.hash, str(e.chain_id), str(e.nonce), e.state, e.description, e.reason or "")
    render.out.print(t)
    o = Table(title="Orders")
    for col in ("Key", "Venue", "State", "Reason"):
        o.add_column(col)
    for oe in orders:
        o.add_row(oe.key, oe.venue, oe.state, oe.reason or "")
    render.out.print(o)


@app.command()
def status(tx_hash: str = typer.Argument(..., help="Transaction hash."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """One journaled transaction, and what the chain says about it now."""
    from hedgefi.cli import render
    from hedgefi.core.errors import InputError
    from hedgefi.chain.journal import Journal

    j = Journal()
    e = j.tx(tx_hash.lower())
    if e is None:
        raise InputError(f"transaction {tx_hash} is not in the journal ({j.path})")
    conn = OPTIONS.connect()
    receipt = conn.request("eth_getTransactionReceipt", [e.hash])
    on_chain = ("mined" if int(receipt["status"], 16) == 1 else "reverted") if receipt else (
        "pending in the mempool" if conn.request("eth_getTransactionByHash", [e.hash]) else "unknown to the node")
    orders = [o.as_json() for o in j.orders() if o.tx_hash == e.hash]
    if as_json:
        render.print_json({**e.as_json(), "on_chain": on_chain, "orders": orders})
        return
    render.out.print(f"{e.hash}: journal state {e.state}; on chain: {on_chain}; {e.description}")
    for o in orders:
        render.out.print(f"  order {o['key']}: {o['state']}" + (f" ({o['reason']})" if o["reason"] else ""))


@app.command()
def resume(account: Optional[str] = typer.Option(None, "--account"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Settle what an interrupted run left: follow, resend the same signed bytes, or report. Signs nothing new."""
    from hedgefi.cli import render
    from hedgefi.chain.journal import Journal
    from hedgefi.recovery import resume as do_resume
    from hedgefi.wallet.signers import require_identity

    ident = require_identity(OPTIONS.profile(), account=account)
    conn = OPTIONS.connect()
    actions = do_resume(conn, ident.address, Journal())
    if as_json:
        render.print_json({"chain_id": conn.chain_id, "address": ident.address,
                           "actions": [a.as_json() for a in actions]})
        return
    if not actions:
        render.out.print("Nothing to resume: every journaled transaction and order is settled.")
    for a in actions:
        render.out.print(f"{a.what} {a.ref}: {a.before} -> {a.after}" + (f" ({a.note})" if a.note else ""))
