"""The one write pipeline: steps -> the exact bundle at one block -> its fork dry-run -> a preview -> confirm ->
re-simulate and send exactly that bundle. ``short ...``, ``orders --cancel`` and ``hedge apply`` all go through it;
``tx resume`` only ever re-sends the signed bytes the journal holds.

- A ``Step`` is one venue action (an approval and its order, or a cancel): its unsigned transactions and, for
  an order, the ``PriceGuard`` its acceptable price promises.
- ``build`` fixes every transaction's nonce (consecutive) and fees at one block; nothing is estimated with a
  placeholder.
- ``dry_run`` runs exactly those transactions, in order, on a fork (an approval is mined before the order that
  spends it) and takes each one's gas limit from there (estimate on the fork state + margin).
- ``Bundle.preview_json`` is what is confirmed: per transaction the fields that will be signed, its gas fee and
  execution fee in ETH and USD; the run's totals. ``check_caps`` holds the whole run to ``--max-total-fee-eth``.
- ``send`` re-simulates each transaction at the current block (eth_call, gas estimate, base fee, nonce, and the
  step's price guard / position size) and signs exactly the previewed fields; if anything moved past what was
  confirmed it raises ``DriftError`` naming it, and nothing more is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from hedgefi.chain import tx as txp
from hedgefi.core.errors import ExitCode, HedgefiError
from hedgefi.core.units import fmt, from_raw, money, to_raw
from hedgefi.venues.base import OrderPlan, PositionView, Receipt, UnsignedTx, Venue

if TYPE_CHECKING:
    from hedgefi.chain.journal import Journal
    from hedgefi.chain.readplan import ReadBatch, Reader, Slot
    from hedgefi.chain.rpc import Connection
    from hedgefi.core.types import TxSigner

T = TypeVar("T")
USD_Q = Decimal("0.01")


class StoppedError(HedgefiError):
    """A run stopped part way: nothing more was sent. ``sent`` holds the receipts of what had gone out."""

    def __init__(self, message: str, sent: list[Receipt] | None = None) -> None:
        super().__init__(message)
        self.sent = sent or []


class DriftError(StoppedError):
    """A re-simulation just before sending found the market, the position, the gas or the fees past what was
    confirmed: nothing more was sent."""

    exit_code = ExitCode.REFUSED


class FeeCapError(HedgefiError):
    """The run's gas and execution fees together are above a cap: nothing was sent."""

    exit_code = ExitCode.REFUSED


@dataclass(frozen=True, slots=True)
class PriceGuard:
    """What a market order's acceptable price promises: a sell (a short opened or increased) fills at or above
    ``acceptable``, a buy (a short reduced or closed) at or below it. ``position_usd`` is the size of the
    position the order was sized against (0: none)."""

    venue: str
    asset: str
    collateral: str
    acceptable: Decimal
    sell: bool
    index_price: Decimal
    position_usd: Decimal = Decimal(0)
    market: str = ""                   # the venue market (GMX: market token; an asset has several); "": any

    def satisfiable_at(self, price: Decimal) -> bool:
        return price >= self.acceptable if self.sell else price <= self.acceptable


@dataclass
class Step:
    venue: Venue
    txs: list[UnsignedTx]
    label: str
    guard: PriceGuard | None = None
    execution_fee_wei: int = 0          # carried in the order transaction's value (GMX); 0 for gTrade, cancels


@money
def plan_step(venue: Venue, plan: OrderPlan, existing: PositionView | None) -> Step:
    """The step for a venue's ``OrderPlan``, guarded by its acceptable price and the position it was sized on."""
    guard = PriceGuard(plan.venue, plan.asset, plan.collateral_symbol, plan.acceptable_price,
                       plan.action in ("open", "increase", "add_collateral"), plan.index_price,
                       existing.size_usd if existing is not None else Decimal(0), plan.market)
    label = next((t.description for t in reversed(plan.txs) if t.kind == "order"), f"{plan.venue} {plan.action}")
    return Step(venue, list(plan.txs), label, guard, to_raw(plan.execution_fee_eth, 18, what="execution fee"))


@dataclass(frozen=True, slots=True)
class BundleTx:
    step: int
    prepared: txp.PreparedTx
    execution_fee_wei: int = 0

    @property
    def gas_fee_wei(self) -> int:
        return self.prepared.max_gas_cost_wei

    @money
    def preview_json(self, eth_usd: Decimal | None) -> dict[str, Any]:
        fee = self.gas_fee_wei + self.execution_fee_wei
        return {"step": self.step, "description": self.prepared.utx.description, "kind": self.prepared.utx.kind,
                **self.prepared.preview_json(),
                "gas_fee_eth": fmt(from_raw(self.gas_fee_wei, 18)),
                "execution_fee_eth": fmt(from_raw(self.execution_fee_wei, 18)),
                "fee_eth": fmt(from_raw(fee, 18)),
                "fee_usd": None if eth_usd is None else fmt((from_raw(fee, 18) * eth_usd).quantize(USD_Q))}


@dataclass
class Bundle:
    """Every transaction of one run, with the nonce and fees fixed at ``block`` and the gas from the fork."""

    chain_id: int
    sender: str
    block: int
    steps: list[Step]
    txs: list[BundleTx]
    eth_usd: Decimal | None = None
    gas_from_fork: bool = False         # every gas limit comes from the dry-run (fork or simulation)
    dry_run_backend: str = ""           # "simulation" | "fork" once dry-run
    dry_run_note: str = ""              # why the dry-run fell back to the fork

    def of_step(self, i: int) -> list[BundleTx]:
        return [t for t in self.txs if t.step == i]

    @property
    def gas_fee_wei(self) -> int:
        return sum(t.gas_fee_wei for t in self.txs)

    @property
    def execution_fee_wei(self) -> int:
        return sum(t.execution_fee_wei for t in self.txs)

    @property
    def total_fee_wei(self) -> int:
        return self.gas_fee_wei + self.execution_fee_wei

    @property
    @money
    def total_fee_usd(self) -> Decimal | None:
        if self.eth_usd is None:
            return None
        return (from_raw(self.total_fee_wei, 18) * self.eth_usd).quantize(USD_Q)

    @money
    def preview_json(self) -> dict[str, Any]:
        usd = self.total_fee_usd
        return {"chain_id": self.chain_id, "from": self.sender, "block": self.block,
                "eth_usd": None if self.eth_usd is None else fmt(self.eth_usd),
                "transactions": [t.preview_json(self.eth_usd) for t in self.txs],
                "totals": {"transactions": len(self.txs),
                           "gas_fee_eth": fmt(from_raw(self.gas_fee_wei, 18)),
                           "execution_fee_eth": fmt(from_raw(self.execution_fee_wei, 18)),
                           "fee_eth": fmt(from_raw(self.total_fee_wei, 18)),
                           "fee_usd": None if usd is None else fmt(usd),
                           "value_eth": fmt(from_raw(sum(t.prepared.utx.value for t in self.txs), 18))},
                "dry_run": {"backend": self.dry_run_backend, "note": self.dry_run_note}}


@dataclass
class OrderResult:
    key: str
    status: str                 # executed | placed (waiting for its trigger) | cancelled | frozen | pending
    reason: str = ""
    error_name: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "status": self.status, "reason": self.reason, "error": self.error_name}


@dataclass
class StepRun:
    """What one step did (on the fork or for real): its mined transactions and its orders' outcomes."""

    tx_hashes: list[str] = field(default_factory=list)
    orders: list[OrderResult] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    error: HedgefiError | None = None        # the step failed here (on the fork: the run ended with it)


def order_outcomes(venue: Venue, receipts: list[Receipt], timeout_s: float,
                   keeper_notes: dict[str, str] | None = None) -> list[OrderResult]:
    """Each order the receipts created, as the venue reports it; a market order still pending after a played
    keeper (a fork dry-run) says why the keeper could not execute it (``keeper_notes``: key -> note)."""
    notes = {k.lower(): n for k, n in (keeper_notes or {}).items() if n}
    out = []
    for receipt in receipts:
        block = int(receipt["blockNumber"], 16) if isinstance(receipt["blockNumber"], str) else receipt["blockNumber"]
        for key, waits_for_trigger in venue.order_keys(receipt):
            o = venue.wait_outcome(key, block, 0.0 if waits_for_trigger else timeout_s)
            if waits_for_trigger and o.status == "pending":
                out.append(OrderResult(key, "placed", "waiting for its trigger price"))
            elif o.status == "pending" and key.lower() in notes:
                out.append(OrderResult(key, o.status, f"the keeper could not execute it: {notes[key.lower()]}"))
            else:
                out.append(OrderResult(key, o.status, o.reason, o.error_name))
    return out


def fetch_eth_usd(conn: "Connection") -> Decimal | None:
    """The native token's USD price from the profile's feed (None when the profile has none)."""
    from hedgefi.chain.abi import decode, encode_call

    feed = conn.profile.native_feed
    if not feed:
        return None
    answer = conn.request("eth_call", [{"to": feed, "data": "0x" + encode_call("latestRoundData()").hex()}, "latest"])
    decimals = conn.request("eth_call", [{"to": feed, "data": "0x" + encode_call("decimals()").hex()}, "latest"])
    price = int(decode(["uint80", "int256", "uint256", "uint256", "uint80"], bytes.fromhex(answer[2:]))[1])
    return from_raw(price, int(decode(["uint8"], bytes.fromhex(decimals[2:]))[0]))


@dataclass(frozen=True)
class SendPrefetch:
    """What ``build`` reads (head block and base fee, priority fee, pending nonce, ETH/USD), riding in another
    read batch (``prefetch_send``) so that a hedge run reads them in the same round trip as its plan."""

    block: "Slot[Any]"
    tip: "Slot[Any]"
    pending_count: "Slot[Any]"
    eth_usd: "Slot[Decimal | None]"


def _eth_usd_reader(conn: "Connection") -> "Reader[Decimal | None]":
    from hedgefi.chain.abi import decode, encode_call
    from hedgefi.chain.multicall import Call

    feed = conn.profile.native_feed
    if not feed:
        return None
    r = yield [Call(feed, encode_call("latestRoundData()")), Call(feed, encode_call("decimals()"))]
    if not (r[0].ok and r[1].ok):
        return None
    price = int(decode(["uint80", "int256", "uint256", "uint256", "uint80"], r[0].data)[1])
    return from_raw(price, int(decode(["uint8"], r[1].data)[0]))


def prefetch_send(batch: "ReadBatch", conn: "Connection", sender: str) -> SendPrefetch:
    """Put ``build``'s reads into ``batch`` (before it runs); hand the result to ``build(prefetched=...)``."""
    block, tip, count = (batch.add_raw(m, p) for m, p in txp.send_context_requests(sender))
    return SendPrefetch(block, tip, count, batch.add(_eth_usd_reader(conn)))


@money
def build(conn: "Connection", sender: str, steps: list[Step], *, max_fee_gwei: Decimal | None = None,
          enforce_fee_cap: bool = True, journal: "Journal | None" = None,
          prefetched: SendPrefetch | None = None) -> Bundle:
    """Fix nonces and fees for every transaction of ``steps`` at the current block (gas comes from the fork).
    The fee cap (``max_fee_gwei``, default 100 gwei) is enforced unless ``enforce_fee_cap`` is off (a dry-run).
    ``prefetched``: the head, fees, nonce and ETH/USD were read already (``prefetch_send``): no request."""
    cap: Decimal | None = max_fee_gwei if max_fee_gwei is not None else txp.DEFAULT_MAX_FEE_GWEI
    if not enforce_fee_cap:
        cap = None
    if prefetched is not None:
        head = prefetched.block.value
        if isinstance(head, Exception):
            raise head
        max_fee, tip, block = txp.fees_from(head, prefetched.tip.value, cap)
        nonce = txp.next_nonce_from(conn, sender, prefetched.pending_count.value, journal)
        eth_usd = prefetched.eth_usd.value
    else:
        block = int(conn.request("eth_blockNumber", []), 16)
        max_fee, tip = txp.fetch_fees(conn, cap)
        nonce = txp.fetch_next_nonce(conn, sender, journal)
        eth_usd = fetch_eth_usd(conn)
    txs = []
    for si, step in enumerate(steps):
        order_at = max((i for i, t in enumerate(step.txs) if t.kind == "order"), default=-1)
        for i, t in enumerate(step.txs):
            p = txp.PreparedTx(t, conn.chain_id, sender, nonce, 0, max_fee, tip, gas_is_cap=True, head_block=block)
            txs.append(BundleTx(si, p, step.execution_fee_wei if i == order_at else 0))
            nonce += 1
    return Bundle(conn.chain_id, sender, block, steps, txs, eth_usd)


_SAID_FALLBACK: set[tuple[str, str]] = set()     # (RPC URL, note) said on stderr


def dry_run(conn: "Connection", bundle: Bundle, after: "Callable[[Connection], T] | None" = None, *,
            backend: str | None = None, after_reads: list[tuple[str, list[Any]]] | None = None,
            sim_setup: Any = None) -> tuple[Bundle, list[StepRun], "T | None"]:
    """Run exactly the bundle's transactions as its sender, step by step, with each venue's keeper after each
    step; return the bundle with each transaction's gas, what each step did (a failing step ends the run there),
    and ``after(connection to the resulting state)``. By one ``eth_simulateV1`` when the RPC serves it
    (``sim.simulate``), else on an anvil fork (said once on stderr and in the bundle's ``dry_run_note``);
    ``backend`` (or ``HEDGEFI_DRY_RUN``) = "simulate" | "fork" forces one. ``after_reads``: the requests ``after``
    made before the bundle (a simulation reads them after it instead of running ``after`` once to learn them);
    ``sim_setup``: the keepers' setup read beside them (``sim.simulate.setup_reader``)."""
    import sys

    from hedgefi.core.config import env
    from hedgefi.sim.simulate import SimulationUnavailable

    choice = (backend or env("HEDGEFI_DRY_RUN") or "auto").lower()
    if choice not in ("auto", "simulate", "fork"):
        raise HedgefiError(f"HEDGEFI_DRY_RUN must be auto, simulate or fork (got {choice!r})")
    if choice != "fork":
        try:
            return _simulated(conn, bundle, after, after_reads, sim_setup)
        except SimulationUnavailable as exc:
            if choice == "simulate":
                raise
            note = f"dry-run on an anvil fork: {exc.message}"
            if (conn.rpc_url, note) not in _SAID_FALLBACK:
                _SAID_FALLBACK.add((conn.rpc_url, note))
                print(f"note: {note}", file=sys.stderr)
            bundle = replace(bundle, dry_run_note=note)
    return _forked(conn, bundle, after)


def _simulated(conn: "Connection", bundle: Bundle, after: "Callable[[Connection], T] | None",
               after_reads: list[tuple[str, list[Any]]] | None = None, sim_setup: Any = None
               ) -> tuple[Bundle, list[StepRun], "T | None"]:
    from hedgefi.sim import simulate
    from hedgefi.venues.registry import get_venue

    specs = [simulate.StepSpec(step.venue, [bt.prepared for bt in bundle.of_step(si)])
             for si, step in enumerate(bundle.steps)]
    sim = simulate.run(conn, bundle.sender, specs, after, seen=after_reads, setup=sim_setup)
    gases: dict[int, int] = {}
    runs: list[StepRun] = []
    for si, (step, st) in enumerate(zip(bundle.steps, sim.steps)):
        run = StepRun(error=st.error)
        for bt, used, receipt in zip(bundle.of_step(si), st.gas_used, st.receipts):
            gases[bt.prepared.nonce] = txp.with_margin(simulate.estimate_from_used(used))
            run.receipts.append(receipt)
            run.tx_hashes.append(receipt["transactionHash"])
        if st.error is None:
            run.orders = order_outcomes(get_venue(step.venue.name, sim.conn), run.receipts, 0.0)
        runs.append(run)
    txs = [replace(t, prepared=replace(t.prepared, gas=gases[t.prepared.nonce], gas_is_cap=False))
           if t.prepared.nonce in gases else t for t in bundle.txs]
    return (replace(bundle, txs=txs, gas_from_fork=len(gases) == len(txs), dry_run_backend="simulation"),
            runs, sim.after)


def _forked(conn: "Connection", bundle: Bundle, after: "Callable[[Connection], T] | None" = None
            ) -> tuple[Bundle, list[StepRun], "T | None"]:
    """The fork backend: the bundle on an anvil fork, the keepers played there."""
    from hedgefi.sim.forkrun import fork_session
    from hedgefi.venues.registry import get_venue

    sender = bundle.sender
    gases: dict[int, int] = {}
    runs: list[StepRun] = []
    with fork_session(conn) as fs:
        fs.impersonate(sender)
        for si, step in enumerate(bundle.steps):
            venue = get_venue(step.venue.name, fs.conn)
            run = StepRun()
            try:
                for bt in bundle.of_step(si):
                    gas = txp.with_margin(txp.fetch_gas_estimate(fs.conn, sender, bt.prepared.utx, venue.errors))
                    receipt = fs.send_as(sender, bt.prepared.utx, venue.errors)
                    gases[bt.prepared.nonce] = gas
                    run.receipts.append(receipt)
                    run.tx_hashes.append(receipt["transactionHash"])
            except HedgefiError as exc:
                run.error = exc
                runs.append(run)
                break
            # exactly the orders this step's transactions created (a fork's order book holds other traders')
            played = venue.play_keeper(sender, [o.key for r in run.receipts for o in venue.order_keys(r)])
            run.orders = order_outcomes(venue, run.receipts, 5.0, {a.key: a.note for a in played if not a.executed})
            runs.append(run)
        extra = after(fs.conn) if after is not None else None
    txs = [replace(t, prepared=replace(t.prepared, gas=gases[t.prepared.nonce], gas_is_cap=False))
           if t.prepared.nonce in gases else t for t in bundle.txs]
    return replace(bundle, txs=txs, gas_from_fork=len(gases) == len(txs), dry_run_backend="fork"), runs, extra


def check_caps(bundle: Bundle, *, max_total_fee_eth: Decimal | None = None) -> None:
    """The whole run (every transaction's gas at its fee cap plus every execution fee) against the cap."""
    if max_total_fee_eth is not None and bundle.total_fee_wei > int(max_total_fee_eth * 10**18):
        raise FeeCapError(f"these {len(bundle.txs)} transactions may cost up to {from_raw(bundle.total_fee_wei, 18)} "
                          f"ETH in gas ({from_raw(bundle.gas_fee_wei, 18)}) and execution fees "
                          f"({from_raw(bundle.execution_fee_wei, 18)}), above --max-total-fee-eth "
                          f"{max_total_fee_eth}; nothing was sent")


def check_funds(conn: "Connection", bundle: Bundle) -> None:
    """The wallet covers every transaction's value and gas at its fee cap."""
    txp.check_balance(conn, bundle.sender, [t.prepared for t in bundle.txs])


def _position(venue: Venue, account: str, guard: PriceGuard) -> PositionView | None:
    positions, _ = venue.fetch_positions(account)
    return next((p for p in positions if p.asset.upper() == guard.asset.upper() and p.side == "short"
                 and p.collateral_token.upper() == guard.collateral.upper()
                 and (not guard.market or p.market.lower() == guard.market.lower())), None)


@money
def check_guard(venue: Venue, account: str, guard: PriceGuard) -> str | None:
    """What moved past the confirmed bounds of one order, in words, or None."""
    quote = next((q for q in venue.fetch_markets() if q.asset.upper() == guard.asset.upper()
                  and (not guard.market or q.market.lower() == guard.market.lower())), None)
    if quote is None:
        return f"the {venue.name} {guard.asset} market is gone"
    if not guard.satisfiable_at(quote.price):
        return (f"the {guard.asset} price moved from {fmt(guard.index_price)} to {fmt(quote.price)}, "
                f"{'below' if guard.sell else 'above'} the acceptable price {fmt(guard.acceptable)} confirmed for "
                f"this order")
    existing = _position(venue, account, guard)
    now = existing.size_usd if existing else Decimal(0)
    if now != guard.position_usd:
        return (f"the {venue.name} {guard.asset} short the order was sized against changed from "
                f"${fmt(guard.position_usd)} to ${fmt(now)}")
    return None


def _resimulate(conn: "Connection", bt: BundleTx, decoder: Any) -> str | None:
    """What moved for one transaction at the current block, in words, or None."""
    p = bt.prepared
    try:
        txp.simulate(conn, p.sender, p.utx, decoder)
        gas = txp.fetch_gas_estimate(conn, p.sender, p.utx, decoder)
    except txp.TxRevertedError as exc:
        return f"it would now revert: {exc.decoded.message}"
    if gas > p.gas:
        return f"it now needs {gas} gas, above the {p.gas} confirmed"
    block = conn.request("eth_getBlockByNumber", ["latest", False])
    base_fee = int(block.get("baseFeePerGas", "0x0"), 16)
    if base_fee > p.max_fee_per_gas:
        return (f"the base fee rose to {from_raw(base_fee, 9)} gwei, above the confirmed max fee "
                f"{from_raw(p.max_fee_per_gas, 9)} gwei")
    # a mined count past the confirmed nonce: another transaction took it (a lagging node may show less: fine)
    mined = int(conn.request("eth_getTransactionCount", [p.sender, "latest"]), 16)
    if mined > p.nonce:
        return f"nonce {p.nonce} was already used by another transaction (the account has sent {mined})"
    return None


@dataclass
class SendResult:
    runs: list[StepRun]                      # one per step that went out, with its orders' outcomes
    stopped: StoppedError | None = None      # why the run stopped part way (nothing after it was sent)
    stopped_step: int | None = None


def send(conn: "Connection", signer: "TxSigner", bundle: Bundle, *, journal: "Journal",
         wait_s: float = 30.0) -> SendResult:
    """Re-simulate and send exactly the bundle, step by step, and follow each order to its end. A drift
    (``DriftError``) or a failed send stops the run there: raised when nothing had gone out, else returned
    in ``stopped`` with what did go out."""
    from hedgefi.chain.faults import checkpoint

    if signer.address.lower() != bundle.sender.lower():
        raise HedgefiError("the signer does not match the bundle's sender; nothing was sent")
    result = SendResult([])
    sent: list[Receipt] = []

    def stop(step: Step, why: str) -> DriftError:
        return DriftError(f"stopped before sending {step.label}: {why}; nothing more was sent "
                          f"({len(sent)} of {len(bundle.txs)} transactions had gone out)", list(sent))

    try:
        for si, step in enumerate(bundle.steps):
            result.stopped_step = si
            run = StepRun()
            for i, bt in enumerate(bundle.of_step(si)):
                if step.guard is not None and (i == 0 or bt.prepared.utx.kind == "order"):  # before its approval too
                    moved = check_guard(step.venue, bundle.sender, step.guard)
                    if moved:
                        raise stop(step, moved)
                moved = _resimulate(conn, bt, step.venue.errors)
                if moved:
                    raise stop(step, f"{bt.prepared.utx.description}: {moved}")
                try:
                    receipt = txp.send(conn, signer, bt.prepared, step.venue.errors, journal=journal,
                                       venue=step.venue.name)
                except HedgefiError as exc:
                    if not sent:
                        raise
                    raise StoppedError(f"{exc.message} ({len(sent)} of {len(bundle.txs)} transactions had gone "
                                       "out before it; nothing after it was sent)", list(sent)) from exc
                sent.append(receipt)
                run.receipts.append(receipt)
                run.tx_hashes.append(receipt["transactionHash"])
                for key, trigger in step.venue.order_keys(receipt):
                    journal.add_order(key=key, tx_hash=receipt["transactionHash"], chain_id=conn.chain_id,
                                      account=bundle.sender, venue=step.venue.name, waits_for_trigger=trigger)
            result.runs.append(run)
        result.stopped_step = None
    except StoppedError as exc:
        if not sent:
            raise
        result.stopped = exc
        if run.receipts:                 # part of the stopped step went out (its approval)
            result.runs.append(run)
    checkpoint("after_mined")
    for si, run in enumerate(result.runs):
        venue = bundle.steps[si].venue
        run.orders = order_outcomes(venue, run.receipts, wait_s)
        for o in run.orders:
            if o.status != "pending":
                journal.set_order(o.key, o.status, o.reason or None)
    return result


__all__ = ["StoppedError", "DriftError", "FeeCapError", "check_funds", "plan_step", "PriceGuard", "Step", "BundleTx", "Bundle", "OrderResult", "StepRun",
           "order_outcomes", "fetch_eth_usd", "build", "dry_run", "check_caps", "check_guard", "send", "SendResult"]
