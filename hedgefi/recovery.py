"""Resuming after a crash: settle every unfinished journal entry of an account against the chain.

For each transaction left ``signed`` or ``sent``: mined -> recorded; still known to the node -> waited
for; unknown and its nonce still free -> the *same signed bytes* are sent again (a crash between signing
and sending); its nonce used by another transaction -> ``replaced``; too old to resend -> ``abandoned``.
A resend the node answers with an error is settled by chain state (``chain.outcome``), not by its words;
a reverted receipt gets its reason at its own block. For each order still ``pending``: its executed /
cancelled / frozen outcome is read from the venue's events, from the block its transaction was mined in
(journaled, or from its receipt; else the head when it was prepared), never from block 0.

Nothing new is signed here, except when the caller passes ``cancel_with`` (a signer): an abandoned
transaction's signature is then made void by a zero-value self-transfer at its nonce (``chain.cancel``);
without it the action's note says how (``hedgefi tx cancel NONCE``). The caller holds the account lock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hedgefi.chain.journal import UNFINISHED_ORDER, UNFINISHED_TX, Journal
from hedgefi.chain.revert import ErrorDecoder

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection
    from hedgefi.core.types import TxSigner
    from hedgefi.venues.base import Venue

RESEND_MAX_AGE_S = 600
LOOKBACK_BLOCKS = 100_000      # an order whose transaction's block is nowhere to be found: how far back to look


@dataclass(frozen=True, slots=True)
class Action:
    what: str          # "tx" | "order"
    ref: str
    before: str
    after: str
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"what": self.what, "ref": self.ref, "before": self.before, "after": self.after, "note": self.note}


def _int(v: Any) -> int:
    return int(v, 16) if isinstance(v, str) else int(v)


def resume(conn: "Connection", account: str, journal: Journal, *, wait_s: float = 30.0,
           cancel_with: "TxSigner | None" = None, max_fee_gwei: Decimal | None = None) -> list[Action]:
    from hedgefi.chain.outcome import after_send_error, revert_reason
    from hedgefi.chain.tx import wait_receipt

    actions: list[Action] = []

    def settle(e: Any, receipt: dict[str, Any], note: str = "") -> None:
        state = "mined" if _int(receipt["status"]) == 1 else "failed"
        reason = None
        if state == "failed":
            reason = revert_reason(conn, receipt, _decoder(conn, e.venue)).message
            note = "; ".join(n for n in (note, reason) if n)
        journal.set_tx(e.hash, state, block=_int(receipt["blockNumber"]), reason=reason)
        actions.append(Action("tx", e.hash, e.state, state, note))
        _record_orders(conn, journal, e.hash, e.venue, account, receipt)

    for e in sorted(journal.txs(chain_id=conn.chain_id, account=account, states=UNFINISHED_TX), key=lambda e: e.nonce):
        receipt = conn.request("eth_getTransactionReceipt", [e.hash])
        if receipt:
            settle(e, receipt)
            continue
        known = conn.request("eth_getTransactionByHash", [e.hash]) is not None
        latest = _int(conn.request("eth_getTransactionCount", [account, "latest"]))
        if not known and latest > e.nonce:
            time.sleep(1.0)  # look once more: a lagging RPC must not turn a mined order into "replaced"
            receipt = conn.request("eth_getTransactionReceipt", [e.hash])
            if receipt:
                settle(e, receipt)
                continue
            journal.set_tx(e.hash, "replaced", reason="another transaction used its nonce")
            actions.append(Action("tx", e.hash, e.state, "replaced", f"nonce {e.nonce} was used by another transaction"))
            continue
        if not known and time.time() - e.created_at > RESEND_MAX_AGE_S:
            journal.set_tx(e.hash, "abandoned", reason="signed long ago and never seen by the node")
            actions.append(Action("tx", e.hash, e.state, "abandoned", "too old to resend; nothing was sent; "
                                  f"its signature is still valid: `hedgefi tx cancel {e.nonce} --broadcast` voids it"))
            continue
        if not known:
            response = conn.raw("eth_sendRawTransaction", [e.raw])
            if "error" in response:
                verdict = after_send_error(conn, e.hash, account, e.nonce, response["error"])
                if verdict.state in ("replaced", "rejected"):
                    journal.set_tx(e.hash, verdict.state, reason=verdict.reason)
                    actions.append(Action("tx", e.hash, e.state, verdict.state, f"the resend: {verdict.reason}"))
                    continue
                if verdict.state == "unsent":
                    actions.append(Action("tx", e.hash, e.state, e.state, f"not taken now ({verdict.reason}); "
                                          "run `hedgefi tx resume` again"))
                    continue
            journal.set_tx(e.hash, "sent")
        settle(e, wait_receipt(conn, e.hash, e.raw, account, e.nonce, journal=journal, timeout_s=wait_s),
               "" if known else "sent again (same signed bytes)")
    if cancel_with is not None:
        actions += _void_abandoned(conn, cancel_with, journal, account, max_fee_gwei)
    for o in journal.orders(chain_id=conn.chain_id, account=account, states=UNFINISHED_ORDER):
        venue = _venue(conn, o.venue)
        from_block, note = _order_from_block(conn, journal, o.tx_hash)
        outcome = venue.wait_outcome(o.key, from_block, 0.0 if o.waits_for_trigger else 2.0)
        if outcome.status == "pending":
            if o.waits_for_trigger:
                journal.set_order(o.key, "placed", "waiting for its trigger price")
                actions.append(Action("order", o.key, "pending", "placed"))
            elif note:
                actions.append(Action("order", o.key, "pending", "pending", note))
            continue
        journal.set_order(o.key, outcome.status, outcome.reason or None)
        actions.append(Action("order", o.key, "pending", outcome.status, outcome.reason))
    return actions


def _order_from_block(conn: "Connection", journal: Journal, tx_hash: str) -> tuple[int, str]:
    """The block an order's outcome search starts at, and a note when it is only a guess: the block its
    transaction was mined in (journaled, else from its receipt), else the head when it was prepared,
    else the last ``LOOKBACK_BLOCKS`` blocks. Never block 0: public RPCs refuse such ranges."""
    tx = journal.tx(tx_hash)
    if tx is not None and tx.block:
        return tx.block, ""
    receipt = conn.request("eth_getTransactionReceipt", [tx_hash])
    if receipt:
        block = _int(receipt["blockNumber"])
        if tx is not None:
            journal.set_tx(tx.hash, tx.state, block=block)
        return block, ""
    if tx is not None and tx.head_block:
        return tx.head_block, ""
    head = _int(conn.request("eth_blockNumber", []))
    return max(1, head - LOOKBACK_BLOCKS), (f"its transaction {tx_hash} is unknown to the node: searched only the last "
                                            f"{LOOKBACK_BLOCKS} blocks for its outcome")


def _void_abandoned(conn: "Connection", signer: "TxSigner", journal: Journal, account: str,
                    max_fee_gwei: Decimal | None) -> list[Action]:
    """Every abandoned signature at a still-free nonce replaced by a zero-value self-transfer; one whose
    nonce another transaction took is void already (``replaced``)."""
    from hedgefi.chain.cancel import plan_cancel, send_cancel
    from hedgefi.chain.outcome import nonce_used
    from hedgefi.chain.tx import DEFAULT_MAX_FEE_GWEI

    actions: list[Action] = []
    abandoned = journal.txs(chain_id=conn.chain_id, account=account, states=("abandoned",), limit=10_000)
    for nonce in sorted({e.nonce for e in abandoned}):
        if nonce_used(conn, account, nonce):
            for e in (a for a in abandoned if a.nonce == nonce):
                journal.set_tx(e.hash, "replaced", reason="another transaction used its nonce")
                actions.append(Action("tx", e.hash, "abandoned", "replaced", f"nonce {nonce} is used: void"))
            continue
        plan = plan_cancel(conn, journal, account, nonce, max_fee_gwei=max_fee_gwei or DEFAULT_MAX_FEE_GWEI)
        receipt = send_cancel(conn, signer, plan, journal)
        actions.append(Action("tx", str(receipt["transactionHash"]), "new", "mined",
                              f"cancelled nonce {nonce}: a zero-value self-transfer replaced its signature"))
    return actions


def _decoder(conn: "Connection", venue_name: str | None) -> ErrorDecoder:
    return _venue(conn, venue_name).errors if venue_name else ErrorDecoder()


def _venue(conn: "Connection", name: str) -> "Venue":
    from hedgefi.venues.registry import get_venue

    return get_venue(name, conn)


def _record_orders(conn: "Connection", journal: Journal, tx_hash: str, venue_name: str | None, account: str,
                   receipt: dict[str, Any]) -> None:
    if not venue_name:
        return
    venue = _venue(conn, venue_name)
    for key, trigger in venue.order_keys(receipt):
        journal.add_order(key=key, tx_hash=tx_hash, chain_id=conn.chain_id, account=account, venue=venue_name,
                          waits_for_trigger=trigger)


__all__ = ["Action", "resume", "RESEND_MAX_AGE_S"]
