"""``hedgefi tx list|status|resume|cancel``: the journal of signed transactions and venue orders.

``resume`` and ``cancel`` run under the account lock, like every write. ``cancel NONCE`` (a dry-run
unless ``--broadcast``) voids an open signed transaction with a zero-value self-transfer at its nonce;
``resume --cancel-abandoned`` does the same for every transaction it finds abandoned."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer

from hedgefi.cli.context import OPTIONS

if TYPE_CHECKING:
    from decimal import Decimal

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


_YES = typer.Option(False, "--yes", help="Do not ask for confirmation (for scripts).")
_MAX_FEE = typer.Option(None, "--max-fee-gwei", help="Refuse to send above this gas price (default 100).")


def _fee_cap(max_fee_gwei: Optional[str]) -> "Decimal":
    from hedgefi.chain.tx import DEFAULT_MAX_FEE_GWEI
    from hedgefi.core.units import parse_decimal

    return parse_decimal(max_fee_gwei, what="--max-fee-gwei", allow_zero=False) if max_fee_gwei \
        else DEFAULT_MAX_FEE_GWEI


def _confirm(question: str, yes: bool) -> None:
    import sys

    from hedgefi.core.errors import InputError
    from hedgefi.execution import DeclinedError

    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError("no terminal to confirm on: pass --yes to send from a script; nothing was sent")
    if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
        raise DeclinedError("declined: nothing was sent")


@app.command()
def resume(account: Optional[str] = typer.Option(None, "--account"),
           cancel_abandoned: bool = typer.Option(
               False, "--cancel-abandoned",
               help="Void every abandoned signature with a zero-value self-transfer at its nonce (signs new ones)."),
           yes: bool = _YES, max_fee_gwei: Optional[str] = _MAX_FEE,
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Settle what an interrupted run left: follow, resend the same signed bytes, or report. Signs nothing new
    unless --cancel-abandoned. Runs under the account lock."""
    from hedgefi.cli import render
    from hedgefi.chain.journal import Journal
    from hedgefi.chain.locks import hold_account_lock
    from hedgefi.recovery import resume as do_resume
    from hedgefi.wallet.signers import require_identity

    ident = require_identity(OPTIONS.profile(), account=account)
    conn = OPTIONS.connect()
    signer = None
    if cancel_abandoned:
        _confirm("Sign and send a zero-value self-transfer for every abandoned nonce?", yes)
        signer = ident.signer()
    hold_account_lock(conn.chain_id, ident.address)
    actions = do_resume(conn, ident.address, Journal(), cancel_with=signer, max_fee_gwei=_fee_cap(max_fee_gwei))
    if as_json:
        render.print_json({"chain_id": conn.chain_id, "address": ident.address,
                           "actions": [a.as_json() for a in actions]})
        return
    if not actions:
        render.out.print("Nothing to resume: every journaled transaction and order is settled.")
    for a in actions:
        render.out.print(f"{a.what} {a.ref}: {a.before} -> {a.after}" + (f" ({a.note})" if a.note else ""))


@app.command()
def cancel(nonce: int = typer.Argument(..., min=0, help="The nonce of the signed transaction to void."),
           account: Optional[str] = typer.Option(None, "--account"),
           broadcast: bool = typer.Option(False, "--broadcast", help="Sign and send for real (default: dry-run)."),
           yes: bool = _YES, max_fee_gwei: Optional[str] = _MAX_FEE,
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Void a journaled transaction that is signed but not mined: a zero-value self-transfer at its nonce,
    with fees 10% above it. A dry-run unless --broadcast; refused if the nonce is already mined."""
    from hedgefi.cli import render
    from hedgefi.chain.cancel import plan_cancel, send_cancel
    from hedgefi.chain.journal import Journal
    from hedgefi.chain.locks import hold_account_lock
    from hedgefi.wallet.signers import require_identity

    ident = require_identity(OPTIONS.profile(), account=account)
    conn = OPTIONS.connect()
    journal = Journal()
    if broadcast:
        hold_account_lock(conn.chain_id, ident.address)  # plan and send as one run for the account
    plan = plan_cancel(conn, journal, ident.address, nonce, max_fee_gwei=_fee_cap(max_fee_gwei))
    if not as_json:
        for e in plan.replaces:
            render.info(f"  replaces {e.hash} ({e.state}): {e.description}")
        render.info(f"  - {plan.prepared.summary()}")
    if not broadcast:
        if as_json:
            render.print_json({"mode": "dry-run", "cancel": plan.as_json()})
        else:
            render.out.print(f"dry-run: nothing was signed; add --broadcast to void nonce {nonce}")
        return
    _confirm(f"Sign and send this replacement for nonce {nonce}?", yes)
    receipt = send_cancel(conn, ident.signer(), plan, journal)
    if as_json:
        render.print_json({"mode": "broadcast", "cancel": plan.as_json(), "tx": receipt["transactionHash"]})
    else:
        render.out.print(f"nonce {nonce} voided by {receipt['transactionHash']}: "
                         f"{len(plan.replaces)} signed transaction(s) replaced")
