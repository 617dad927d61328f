"""Running venue transactions: a fork dry-run by default, a real broadcast on request.

``dry_run`` replays the unsigned transactions on an anvil fork of the current chain as the wallet
(impersonated: no key needed), plays the venue's keeper there and reads the resulting positions.
``broadcast`` prepares every transaction (simulate, estimate, fee cap, balance), asks for confirmation
through a callback, then signs and sends them one by one through the tx pipeline and follows each
order to its executed or cancelled end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from hedgefi.core.errors import HedgefiError
from hedgefi.venues.base import PositionView, Receipt, UnsignedTx, Venue

from decimal import Decimal

from hedgefi.core.units import from_raw, money

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection
    from hedgefi.chain.journal import Journal
    from hedgefi.chain.tx import PreparedTx
    from hedgefi.wallet.signers import Signer


class DeclinedError(HedgefiError):
    """The user said no at the confirmation: nothing was sent."""

    exit_code = 4


@dataclass
class OrderResult:
    key: str
    status: str                 # executed | placed (waiting for its trigger) | cancelled | frozen | pending
    reason: str = ""
    error_name: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "status": self.status, "reason": self.reason, "error": self.error_name}


@dataclass
class RunResult:
    mode: str                   # "dry-run" | "broadcast"
    tx_hashes: list[str] = field(default_factory=list)
    orders: list[OrderResult] = field(default_factory=list)
    positions_after: list[PositionView] = field(default_factory=list)

    @property
    def all_executed(self) -> bool:
        """Every market order executed, and every trigger order is in place."""
        return all(o.status in ("executed", "placed") for o in self.orders)

    def as_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "transactions": self.tx_hashes, "orders": [o.as_json() for o in self.orders],
                "positions_after": [p.as_json() for p in self.positions_after], "all_executed": self.all_executed}


def order_outcomes(venue: Venue, receipts: list[Receipt], timeout_s: float) -> list[OrderResult]:
    out = []
    for receipt in receipts:
        block = int(receipt["blockNumber"], 16) if isinstance(receipt["blockNumber"], str) else receipt["blockNumber"]
        for key, waits_for_trigger in venue.order_keys(receipt):
            o = venue.wait_outcome(key, block, 0.0 if waits_for_trigger else timeout_s)
            if waits_for_trigger and o.status == "pending":
                out.append(OrderResult(key, "placed", "waiting for its trigger price"))
            else:
                out.append(OrderResult(key, o.status, o.reason, o.error_name))
    return out


def dry_run(conn: "Connection", venue_name: str, account: str, txs: list[UnsignedTx]) -> RunResult:
    """Run ``txs`` on a fork as ``account``, execute its orders as the keeper, report the positions."""
    from hedgefi.sim.forkrun import fork_session
    from hedgefi.venues.registry import get_venue

    with fork_session(conn) as fs:
        venue = get_venue(venue_name, fs.conn)
        fs.impersonate(account)
        receipts = [fs.send_as(account, tx, venue.errors) for tx in txs]
        venue.play_keeper(account)
        result = RunResult("dry-run", [r["transactionHash"] for r in receipts], order_outcomes(venue, receipts, 5.0))
        result.positions_after = venue.fetch_positions(account)[0]
        return result


@money
def broadcast(conn: "Connection", venue: Venue, signer: "Signer", txs: list[UnsignedTx],
              confirm: Callable[[list["PreparedTx"]], bool], *, wait_s: float = 30.0,
              journal: "Journal | None" = None, max_fee_gwei: Decimal | None = None,
              max_total_fee_eth: Decimal | None = None) -> RunResult:
    """Prepare all, confirm once, then sign and send in order under the account lock, journaling every
    transaction and order; follow each order to its end."""
    from hedgefi.chain import tx as txp
    from hedgefi.chain.locks import account_lock
    from hedgefi.chain.journal import Journal

    journal = journal or Journal()
    fee_cap = max_fee_gwei if max_fee_gwei is not None else txp.DEFAULT_MAX_FEE_GWEI
    with account_lock(conn.chain_id, signer.address):
        prepared: list[txp.PreparedTx] = []
        # Transactions after the first may depend on it (an approval): prepare the first fully now,
        # and re-simulate each later one right before signing it.
        first = txp.prepare(conn, signer.address, txs[0], venue.errors, max_fee_gwei=fee_cap, journal=journal)
        prepared.append(first)
        nonce = first.nonce
        for t in txs[1:]:
            nonce += 1
            prepared.append(txp.PreparedTx(t, conn.chain_id, signer.address, nonce, 3_000_000,
                                           first.max_fee_per_gas, first.max_priority_fee_per_gas, gas_is_cap=True))
        txp.check_balance(conn, signer.address, prepared)
        total_fee_wei = sum(p.max_gas_cost_wei + p.utx.value for p in prepared if p.utx.kind == "order") \
            + sum(p.max_gas_cost_wei for p in prepared if p.utx.kind != "order")
        if max_total_fee_eth is not None and total_fee_wei > int(max_total_fee_eth * 10**18):
            from hedgefi.core.errors import InputError

            raise InputError(f"these transactions may cost up to {from_raw(total_fee_wei, 18)} ETH in gas and "
                             f"execution fees, above --max-total-fee-eth {max_total_fee_eth}; nothing was sent")
        if not confirm(prepared):
            raise DeclinedError("declined: nothing was sent")
        result = RunResult("broadcast")
        receipts = []
        for i, p in enumerate(prepared):
            if i > 0:
                p = txp.prepare(conn, signer.address, p.utx, venue.errors, nonce=p.nonce, max_fee_gwei=fee_cap)
            receipt = txp.send(conn, signer, p, venue.errors, journal=journal, venue=venue.name)
            receipts.append(receipt)
            result.tx_hashes.append(receipt["transactionHash"])
            for key, trigger in venue.order_keys(receipt):
                journal.add_order(key=key, tx_hash=receipt["transactionHash"], chain_id=conn.chain_id,
                                  account=signer.address, venue=venue.name, waits_for_trigger=trigger)
        from hedgefi.chain.faults import checkpoint

        checkpoint("after_mined")
    result.orders = order_outcomes(venue, receipts, wait_s)
    for o in result.orders:
        if o.status != "pending":
            journal.set_order(o.key, o.status, o.reason or None)
    result.positions_after = venue.fetch_positions(signer.address)[0]
    return result


__all__ = ["DeclinedError", "OrderResult", "RunResult", "dry_run", "broadcast", "order_outcomes"]
