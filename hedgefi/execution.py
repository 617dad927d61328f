"""Running one venue's transactions through the write pipeline: a fork dry-run always, a broadcast on request.

``dry_run_steps`` builds the bundle (nonces and fees at one block) and runs exactly it on an anvil fork as the
wallet (impersonated: no key needed), playing the venue's keeper and reading the resulting positions; the gas
of every transaction comes from there. ``broadcast_bundle`` holds the run to its caps, asks for confirmation
with the bundle's preview, then re-simulates and sends exactly the previewed transactions under the account
lock, journaling each, and follows every order to its executed or cancelled end. ``dry_run`` / ``broadcast``
are the same for a plain list of unsigned transactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable

from hedgefi import pipeline
from hedgefi.core.errors import HedgefiError
from hedgefi.pipeline import Bundle, OrderResult, Step, order_outcomes
from hedgefi.venues.base import PositionView, UnsignedTx, Venue

if TYPE_CHECKING:
    from hedgefi.chain.journal import Journal
    from hedgefi.chain.rpc import Connection
    from hedgefi.wallet.signers import Signer


class DeclinedError(HedgefiError):
    """The user said no at the confirmation: nothing was sent."""

    exit_code = 4


@dataclass
class RunResult:
    mode: str                   # "dry-run" | "broadcast"
    tx_hashes: list[str] = field(default_factory=list)
    orders: list[OrderResult] = field(default_factory=list)
    positions_after: list[PositionView] = field(default_factory=list)
    preview: dict[str, Any] | None = None      # the bundle: what is (or was) signed, with fees and totals

    @property
    def all_executed(self) -> bool:
        """Every market order executed, and every trigger order is in place."""
        return all(o.status in ("executed", "placed") for o in self.orders)

    def as_json(self) -> dict[str, Any]:
        out = {"mode": self.mode, "transactions": self.tx_hashes, "orders": [o.as_json() for o in self.orders],
               "positions_after": [p.as_json() for p in self.positions_after], "all_executed": self.all_executed}
        if self.preview is not None:
            out["preview"] = self.preview
        return out


def dry_run_steps(conn: "Connection", account: str, steps: list[Step], *, max_fee_gwei: Decimal | None = None,
                  enforce_fee_cap: bool = False, journal: "Journal | None" = None) -> tuple[Bundle, RunResult]:
    """Build the bundle of ``steps`` and run exactly it on a fork; a step that fails there raises."""
    venue_name = steps[0].venue.name
    bundle = pipeline.build(conn, account, steps, max_fee_gwei=max_fee_gwei, enforce_fee_cap=enforce_fee_cap,
                            journal=journal)
    bundle, runs, positions = pipeline.dry_run(
        conn, bundle, lambda fc: _venue(venue_name, fc).fetch_positions(account)[0])
    for run in runs:
        if run.error is not None:
            raise run.error
    result = RunResult("dry-run", [h for r in runs for h in r.tx_hashes], [o for r in runs for o in r.orders],
                       positions or [], bundle.preview_json())
    return bundle, result


def broadcast_bundle(conn: "Connection", signer: "Signer", bundle: Bundle, confirm: Callable[[Bundle], bool], *,
                     wait_s: float = 30.0, journal: "Journal | None" = None,
                     max_total_fee_eth: Decimal | None = None) -> RunResult:
    """Caps, confirm once with the preview, then re-simulate and send exactly ``bundle`` under the account lock."""
    from hedgefi.chain.journal import Journal
    from hedgefi.chain.locks import account_lock

    journal = journal or Journal()
    pipeline.check_caps(bundle, max_total_fee_eth=max_total_fee_eth)
    pipeline.check_funds(conn, bundle)
    if not confirm(bundle):
        raise DeclinedError("declined: nothing was sent")
    with account_lock(conn.chain_id, signer.address):
        sent = pipeline.send(conn, signer, bundle, journal=journal, wait_s=wait_s)
    if sent.stopped is not None:
        raise sent.stopped
    runs = sent.runs
    venue = bundle.steps[-1].venue
    return RunResult("broadcast", [h for r in runs for h in r.tx_hashes], [o for r in runs for o in r.orders],
                     venue.fetch_positions(signer.address)[0], bundle.preview_json())


def _venue(name: str, conn: "Connection") -> Venue:
    from hedgefi.venues.registry import get_venue

    return get_venue(name, conn)


def dry_run(conn: "Connection", venue_name: str, account: str, txs: list[UnsignedTx]) -> RunResult:
    """Run ``txs`` on a fork as ``account``, execute its orders as the keeper, report the positions."""
    return dry_run_steps(conn, account, [Step(_venue(venue_name, conn), list(txs), "these transactions")])[1]


def broadcast(conn: "Connection", venue: Venue, signer: "Signer", txs: list[UnsignedTx],
              confirm: Callable[[Bundle], bool], *, wait_s: float = 30.0,
              journal: "Journal | None" = None, max_fee_gwei: Decimal | None = None,
              max_total_fee_eth: Decimal | None = None) -> RunResult:
    """The pipeline for a plain list of ``txs``: bundle, fork run (for the gas), confirm, send exactly it."""
    bundle, _ = dry_run_steps(conn, signer.address, [Step(venue, list(txs), "these transactions")],
                              max_fee_gwei=max_fee_gwei, enforce_fee_cap=True, journal=journal)
    return broadcast_bundle(conn, signer, bundle, confirm, wait_s=wait_s, journal=journal,
                            max_total_fee_eth=max_total_fee_eth)


__all__ = ["DeclinedError", "OrderResult", "RunResult", "dry_run", "dry_run_steps", "broadcast", "broadcast_bundle",
           "order_outcomes"]
