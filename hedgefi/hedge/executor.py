"""The hedge executor (I/O): read the state, plan, run the plan on a fork, and broadcast on request.

``fetch_state`` reads holdings and each venue's markets, positions and pending orders together
(``chain.readplan``: two HTTP requests in all, the holdings riding in the first).
``apply`` plans, refuses what a safety limit forbids (fee cap, collateral the wallet does not have), always
runs the orders on an anvil fork first (wallet impersonated, keepers played), and with ``broadcast=True``
sends them for real, order by order, following each to its end. The same objects serve the CLI and scripts.
Margin intents (``add_collateral``: the venue's ``plan_add_collateral``; a ``keep_collateral`` decrease) take the
same path: dry-run, preview, approvals through ``venues.base.approval_needed``, journal, broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Sequence

from hedgefi.core.errors import HedgefiError
from hedgefi.hedge.planner import Exposure, HedgePlan, OrderIntent, notional, plan
from hedgefi.hedge.policy import HedgePolicy
from hedgefi.hedge.targets import AssetTarget, history_days, resolve_targets
from hedgefi.core.units import fmt, money
from hedgefi.venues.base import (Allowances, LiquidationQuote, MarketQuote, PendingOrderView, PositionView, ShortRequest,
                                 UnsignedTx, Venue, read_warnings)

if TYPE_CHECKING:
    from hedgefi.chain.profiles import ChainProfile
    from hedgefi.pipeline import Bundle, OrderResult, Step, StepRun
    from hedgefi.chain.rpc import Connection
    from hedgefi.wallet.holdings import Holdings
    from hedgefi.wallet.signers import Identity

USD_Q = Decimal("0.000001")
DAY = 86400


class RefusedError(HedgefiError):
    """A safety limit refused the run: nothing was sent."""

    exit_code = 7


@dataclass
class HedgeState:
    chain_id: int
    block: int
    address: str
    holdings: "Holdings"
    exposures: list[Exposure]
    positions: list[PositionView]
    pending: list[PendingOrderView]
    markets: list[MarketQuote]
    liquidation: list[LiquidationQuote] = field(default_factory=list)   # new shorts, read for a policy
    warnings: list[str] = field(default_factory=list)   # positions a venue could not value (unpriced markets)
    venues: list[Venue] = field(default_factory=list, repr=False)   # the venues that read it (plans reuse them)
    reads: list[tuple[str, list[Any]]] = field(default_factory=list, repr=False)   # its eth_calls (a dry-run's
    # simulation reads the same after the bundle)
    sim_setup: Any = field(default=None, repr=False)   # the keepers' setup for a dry-run by simulation (if read)
    targets: dict[str, AssetTarget] = field(default_factory=dict)   # trend ratios and proxies (hedge.targets)

    def plan(self, policy: HedgePolicy) -> HedgePlan:
        """The hedge plan for ``policy`` off this state."""
        return plan(self.exposures, self.positions, self.pending, self.markets, policy, self.liquidation,
                    wallet_balances(self), self.targets)

    @money
    def summary(self, assets: Sequence[str] | None = None) -> dict[str, Any]:
        rows = []
        for e in self.exposures:
            if assets is not None and e.asset not in assets:
                continue
            hedge = sum((notional(p) for p in self.positions if p.asset == e.asset and p.side == "short"), Decimal(0))
            ratio = (hedge / e.exposure_usd).quantize(Decimal("0.0001")) if e.exposure_usd else Decimal(0)
            rows.append({"asset": e.asset, "exposure_usd": fmt(e.exposure_usd), "hedge_usd": fmt(hedge),
                         "hedge_ratio": fmt(ratio)})
        out: dict[str, Any] = {"assets": rows, "positions": [p.as_json() for p in self.positions],
                               "balances": {a.symbol: fmt(a.balance) for a in self.holdings.assets}}
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def _exposure_addresses(policy: HedgePolicy | None, address: str) -> list[str]:
    return [a for a in (policy.exposure_addresses if policy is not None else ()) if a.lower() != address.lower()]


@money
def exposures_from_holdings(profile: "ChainProfile", holdings: "Holdings", *more: "Holdings") -> list[Exposure]:
    """Group wallet balances by the asset they represent (WETH and ETH -> ETH, WBTC -> BTC, PAXG -> XAU; the
    user's ``tokens.toml`` adds tokens or leaves some unhedged), matched by token address; ``more``: the
    holdings of the plan's other exposure addresses, added in."""
    from hedgefi.chain.tokenmap import hedge_asset

    totals: dict[str, Decimal] = {}
    prices: dict[str, Decimal] = {}
    for a in [x for h in (holdings, *more) for x in h.assets]:
        if a.error or a.value_usd is None or a.price_usd is None:
            continue
        asset = hedge_asset(profile, a.address)
        if asset is None:
            continue
        totals[asset] = totals.get(asset, Decimal(0)) + a.value_usd
        prices[asset] = a.price_usd
    return [Exposure(k, v.quantize(USD_Q), prices[k]) for k, v in sorted(totals.items()) if v > 0]


def _venues(conn: "Connection", names: Sequence[str] | None) -> list[Venue]:
    from hedgefi.venues.registry import get_venue, venue_names

    return [get_venue(n, conn) for n in (names or venue_names())]


def fetch_state(conn: "Connection", address: str, venue_names: Sequence[str] | None = None,
                policy: HedgePolicy | None = None, *, sim_setup: bool = False, history: bool = True) -> HedgeState:
    """Holdings, markets, positions and pending orders; with a ``policy``, also where new shorts at its
    leverages would be liquidated on each venue (``hedge.liquidation``); with ``sim_setup``, what a dry-run by
    simulation needs of the venues' keepers (``sim.simulate.setup_reader``); with ``history`` (default) and a
    trend or proxy asset, the feeds' history its targets need (``hedge.targets``); all in the same two round
    trips."""
    from hedgefi.chain.readplan import ReadBatch
    from hedgefi.hedge.liquidation import probe_leverages
    from hedgefi.wallet.holdings import holdings_reader

    batch = ReadBatch(conn)
    held = batch.add(holdings_reader(conn, address))
    # the plan's other holders (a treasury Safe, hot wallets): their holdings count as exposure too
    others = [batch.add(holdings_reader(conn, a)) for a in _exposure_addresses(policy, address)]
    days = history_days(policy) if policy is not None and history else 0
    rounds = None
    if days:
        from hedgefi.chain.feedhistory import feed_history_reader

        # the trend signals' and proxy betas' window (and a day more: feeds update on deviation and heartbeat)
        rounds = batch.add(feed_history_reader(dict(conn.profile.feeds), lookback_s=(days + 1) * DAY))
    venues = _venues(conn, venue_names)
    states = [batch.add(v.state_reader(address)) for v in venues]
    probes = probe_leverages(policy) if policy is not None else {}
    liq = [batch.add(v.liquidation_reader(probes)) for v in venues] if probes else []
    setup = None
    if sim_setup:
        from hedgefi.sim.simulate import setup_reader

        setup = batch.add(setup_reader(conn, venues, address))
    batch.run()
    holdings = held.value
    exposures = exposures_from_holdings(conn.profile, holdings, *[o.value for o in others])
    positions: list[PositionView] = []
    pending: list[PendingOrderView] = []
    markets: list[MarketQuote] = []
    for state in states:
        quotes, pos, pend = state.value
        markets += quotes
        positions += pos
        pending += pend
    targets = {}
    if policy is not None and rounds is not None:      # a trend or proxy asset (history_days > 0)
        targets = resolve_targets(policy, [e.asset for e in exposures], rounds.value,
                                  {m.asset.upper() for m in markets if m.open and not m.price_stale})
    return HedgeState(conn.chain_id, holdings.block, address, holdings, exposures, positions, pending, markets,
                      [q for slot in liq for q in slot.value], [w for v in venues for w in read_warnings(v)],
                      venues, batch.sent, setup.value if setup is not None else None, targets)


def wallet_balances(state: HedgeState) -> dict[str, Decimal]:
    """The wallet's token balances by symbol (token units): what new collateral and margin top-ups may use."""
    out: dict[str, Decimal] = {}
    for a in state.holdings.assets:
        if not a.error:
            out[a.symbol.upper()] = out.get(a.symbol.upper(), Decimal(0)) + a.balance
    return out


@money
def intent_step(venue: Venue, account: str, intent: OrderIntent, positions: Sequence[PositionView],
                allowances: Allowances | None = None) -> "Step | None":
    """The pipeline step for one intent, sized against ``positions`` (None: no position to change);
    ``allowances`` carries token allowances through the steps of one run (``venues.base.approval_needed``)."""
    from hedgefi.pipeline import Step, plan_step

    if intent.action == "cancel":
        return Step(venue, list(venue.build_cancel(account, intent.order_key)),
                    f"{venue.name} cancel of order {intent.order_key}")
    if intent.action == "add_collateral":
        existing = _position_of(intent, positions)
        if existing is None or existing.margin is None:
            return None
        amount_raw = int((intent.collateral_delta * Decimal(10) ** existing.margin.collateral_decimals)
                         .to_integral_value())
        return plan_step(venue, venue.plan_add_collateral(account, existing, amount_raw, leverage=intent.leverage,
                                                          allowances=allowances), existing)
    got = intent_request(intent, positions)
    if got is None:
        return None
    req, existing = got
    return plan_step(venue, venue.plan_short(account, req, existing=existing, allowances=allowances), existing)


def _position_of(intent: OrderIntent, positions: Sequence[PositionView]) -> PositionView | None:
    # positions are keyed by market: the intent's (an asset may have shorts in several GMX markets)
    return next((p for p in positions if p.venue == intent.venue and p.asset == intent.asset
                 and p.side == "short" and p.collateral_token.upper() == intent.collateral.upper()
                 and (not intent.market or p.market.lower() == intent.market.lower())), None)


@money
def intent_request(intent: OrderIntent, positions: Sequence[PositionView]
                   ) -> tuple[ShortRequest, PositionView | None] | None:
    """The venue request for an order intent and the position it changes (None: a cancel, or no position to
    change)."""
    if intent.action == "cancel":
        return None
    existing = _position_of(intent, positions)
    market = intent.market or None
    if intent.action == "add_collateral":
        return None               # planned by the venue's plan_add_collateral (intent_step)
    if intent.action in ("open", "increase"):
        req = ShortRequest(intent.asset, intent.size_delta_usd, intent.collateral, leverage=intent.leverage,
                           market=market)
    elif intent.action == "close":
        if existing is None:
            return None
        req = ShortRequest(intent.asset, -existing.size_usd, intent.collateral, close=True, market=market)
    else:
        if existing is None:
            return None
        # the plan speaks in notional at the mark; the venue in entry USD: scale by the same fraction
        fraction = min(Decimal(1), -intent.size_delta_usd / notional(existing))
        req = ShortRequest(intent.asset, -(existing.size_usd * fraction).quantize(USD_Q), intent.collateral,
                           market=market, keep_collateral=intent.keep_collateral)
    return req, existing


def intent_txs(venue: Venue, account: str, intent: OrderIntent, positions: Sequence[PositionView]) -> list[UnsignedTx]:
    """The venue transactions for one intent, sized against the live position."""
    step = intent_step(venue, account, intent, positions)
    return step.txs if step is not None else []


def _collateral_needed(hp: HedgePlan) -> dict[str, Decimal]:
    need: dict[str, Decimal] = {}
    for i in hp.intents:
        if i.size_delta_usd > 0:
            need[i.collateral] = need.get(i.collateral, Decimal(0)) + (i.size_delta_usd / i.leverage)
        elif i.action == "add_collateral":
            need[i.collateral] = need.get(i.collateral, Decimal(0)) + i.collateral_delta_usd
    return need


@money
def check_limits(state: HedgeState, hp: HedgePlan) -> None:
    if hp.refused:
        raise RefusedError(f"refused: {hp.refused}; nothing was sent")
    balances = {a.symbol.upper(): a.value_usd or Decimal(0) for a in state.holdings.assets}
    for symbol, usd in _collateral_needed(hp).items():
        have = balances.get(symbol.upper(), Decimal(0))
        if usd > have:
            raise RefusedError(f"refused: the plan needs about ${fmt(usd.quantize(Decimal('0.01')))} of {symbol} "
                               f"collateral but the wallet holds ${fmt(have.quantize(Decimal('0.01')))}; "
                               "raise max_leverage, lower the ratio, or add collateral; nothing was sent")


def check_fresh_prices(conn: "Connection", hp: HedgePlan, allow_stale: bool) -> list[str]:
    """Refuse a run whose orders depend on a stale price (cancels of timed-out orders depend on none); with
    ``allow_stale``, the stale feeds' problems (the run carries them as warnings)."""
    from hedgefi.chain.freshness import require_fresh_prices

    orders = [i for i in hp.intents if i.action != "cancel"]
    if not orders:
        return []
    return require_fresh_prices(conn, sorted({i.asset for i in orders}),
                                if_read=sorted({i.collateral for i in orders}), allow_stale=allow_stale)


@dataclass
class OrderReport:
    venue: str
    asset: str
    action: str
    size_delta_usd: Decimal
    status: str                 # executed | placed | refunded | sent | skipped | pending | cancelled | frozen |
    reason: str = ""            # error (failed) | stopped (not sent: the market or fees moved past the preview)
    tx_hash: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"venue": self.venue, "asset": self.asset, "action": self.action,
                "size_delta_usd": fmt(self.size_delta_usd), "status": self.status, "reason": self.reason,
                "tx_hash": self.tx_hash}


@dataclass
class ApplyResult:
    mode: str                              # "fork" | "broadcast"
    plan: HedgePlan
    before: HedgeState
    after: HedgeState
    orders: list[OrderReport] = field(default_factory=list)
    preview: dict[str, Any] | None = None  # the bundle that was (or would be) signed, with fees and totals
    warnings: list[str] = field(default_factory=list)   # e.g. stale prices sent on with --allow-stale-prices

    @property
    def complete(self) -> bool:
        return all(o.status in ("executed", "placed", "refunded") for o in self.orders)

    @property
    def stopped(self) -> bool:
        return any(o.status == "stopped" for o in self.orders)

    def as_json(self) -> dict[str, Any]:
        assets = [ln.asset for ln in self.plan.lines]
        out = {"mode": self.mode, "before": self.before.summary(assets), "plan": self.plan.as_json(),
               "orders": [o.as_json() for o in self.orders], "after": self.after.summary(assets)}
        if self.preview is not None:
            out["preview"] = self.preview
        warnings = [*self.before.warnings, *self.warnings]
        if warnings:
            out["warnings"] = warnings
        return out


@dataclass
class ApplyPreview:
    """What the confirmation sees: the plan, its fork dry-run, and the exact bundle that will be signed."""

    plan: HedgePlan
    fork: ApplyResult
    bundle: "Bundle"


def _reports(intents: Sequence[OrderIntent], runs: Sequence["StepRun"]) -> list[OrderReport]:
    """One report per order of each step that ran (``runs[i]`` belongs to ``intents[i]``)."""
    reports = []
    for intent, run in zip(intents, runs):
        def report(status: str, reason: str = "") -> OrderReport:
            return OrderReport(intent.venue, intent.asset, intent.action, intent.size_delta_usd, status, reason,
                               run.tx_hashes[-1] if run.tx_hashes else None)

        if run.error is not None:
            reports.append(report("error", f"{run.error.message} (the orders above went out; this one and the "
                                           "rest did not)"))
            break
        if intent.action == "cancel":       # no new order: the timed-out one is closed and its collateral back
            reports.append(report("refunded", f"order {intent.order_key} cancelled after its timeout"))
            continue
        outcomes: list["OrderResult | None"] = list(run.orders) or [None]   # None: sent, no order to follow
        for o in outcomes:
            reports.append(report(o.status if o else "sent", o.reason if o else ""))
    return reports


@money
def apply(conn: "Connection", identity: "Identity", policy: HedgePolicy, *, broadcast: bool = False,
          confirm: Callable[[ApplyPreview], bool] = lambda _: False, venue_names: Sequence[str] | None = None,
          wait_s: float = 30.0, max_fee_gwei: Decimal | None = None,
          max_total_fee_eth: Decimal | None = None, allow_stale_prices: bool = False) -> ApplyResult:
    """Plan and run the hedge: on a fork always, then for real when ``broadcast`` (refused on a stale price
    unless ``allow_stale_prices``: ``hedgefi.chain.freshness``)."""
    if broadcast:
        from hedgefi.chain.locks import account_lock
        from hedgefi.chain.journal import Journal
        from hedgefi.recovery import resume

        # one run at a time per account, from resume through planning to the last send
        with account_lock(conn.chain_id, identity.address):
            resume(conn, identity.address, Journal())  # settle an interrupted run first: never duplicate
            return _apply(conn, identity, policy, broadcast, confirm, venue_names, wait_s, max_fee_gwei,
                          max_total_fee_eth, allow_stale_prices)
    return _apply(conn, identity, policy, broadcast, confirm, venue_names, wait_s, max_fee_gwei, max_total_fee_eth)


@money
def check_run_fees(policy: HedgePolicy, hp: HedgePlan, bundle: "Bundle", *,
                   max_total_fee_eth: Decimal | None) -> None:
    """The whole run against the caps: gas and execution fees (--max-total-fee-eth), and position fees plus
    gas and execution fees in USD (max_fees_usd)."""
    from hedgefi.pipeline import check_caps

    check_caps(bundle, max_total_fee_eth=max_total_fee_eth)
    if policy.max_fees_usd is None:
        return
    chain_usd = bundle.total_fee_usd
    if chain_usd is None:
        raise RefusedError("refused: max_fees_usd is set but this chain has no ETH/USD feed to price gas and "
                           "execution fees; nothing was sent")
    total = hp.est_fees_usd + chain_usd
    if total > policy.max_fees_usd:
        raise RefusedError(f"refused: this run's fees ${fmt(total.quantize(Decimal('0.01')))} (position fees "
                           f"${fmt(hp.est_fees_usd.quantize(Decimal('0.01')))} + gas and execution fees up to "
                           f"${fmt(chain_usd)} for {len(bundle.txs)} transactions) exceed the cap max_fees_usd "
                           f"${fmt(policy.max_fees_usd)}; nothing was sent")


def _apply(conn: "Connection", identity: "Identity", policy: HedgePolicy, broadcast: bool,
           confirm: Callable[[ApplyPreview], bool], venue_names: Sequence[str] | None, wait_s: float,
           max_fee_gwei: Decimal | None, max_total_fee_eth: Decimal | None,
           allow_stale_prices: bool = False) -> ApplyResult:
    from hedgefi import pipeline
    from hedgefi.chain.journal import Journal
    from hedgefi.execution import DeclinedError

    account = identity.address
    from hedgefi.core.config import env

    simulating = (env("HEDGEFI_DRY_RUN") or "auto").lower() != "fork"
    before = fetch_state(conn, account, venue_names, policy, sim_setup=simulating)
    hp = before.plan(policy)
    check_limits(before, hp)
    if not hp.intents:
        return ApplyResult("broadcast" if broadcast else "fork", hp, before, before)
    stale = check_fresh_prices(conn, hp, allow_stale_prices) if broadcast else []

    # intents -> steps, all sized against the positions read at one block; what the orders' plans read (fee
    # contexts, wallet allowances) and what the bundle's build reads (head, fees, nonce) go in one round trip
    from hedgefi.chain.readplan import ReadBatch

    venues = {v.name: v for v in before.venues if v.name in {i.venue for i in hp.intents}}
    prep = ReadBatch(conn)
    gas_price = prep.add_raw("eth_gasPrice", [])
    for name, v in venues.items():
        reqs = [r for r in (intent_request(i, before.positions) for i in hp.intents if i.venue == name) if r]
        prep.add(v.plans_reader(account, reqs, gas_price))
    prefetched = pipeline.prefetch_send(prep, conn, account)
    prep.run()
    skipped: list[OrderReport] = []
    intents: list[OrderIntent] = []
    steps: list[pipeline.Step] = []
    allowances: Allowances = {}      # an earlier step's approval and pull change what a later one finds
    for intent in hp.intents:
        step = intent_step(venues[intent.venue], account, intent, before.positions, allowances)
        if step is None:
            skipped.append(OrderReport(intent.venue, intent.asset, intent.action, intent.size_delta_usd, "skipped",
                                       "no position to change"))
            continue
        intents.append(intent)
        steps.append(step)
    if not steps:
        return ApplyResult("broadcast" if broadcast else "fork", hp, before, before, skipped)
    journal = Journal() if broadcast else None
    bundle = pipeline.build(conn, account, steps, max_fee_gwei=max_fee_gwei, enforce_fee_cap=broadcast,
                            journal=journal, prefetched=prefetched)
    bundle, runs, fork_after = pipeline.dry_run(conn, bundle, lambda fc: fetch_state(fc, account, venue_names),
                                                after_reads=before.reads, sim_setup=before.sim_setup)
    if runs and runs[0].error is not None:
        raise runs[0].error              # nothing would go out: a plain error
    assert fork_after is not None
    fork_result = ApplyResult("fork", hp, before, fork_after, skipped + _reports(intents, runs),
                              bundle.preview_json())
    if not broadcast:
        return fork_result
    if not fork_result.complete:
        raise RefusedError("refused: the fork dry-run did not execute every order ("
                           + "; ".join(f"{o.asset} {o.status}: {o.reason}" for o in fork_result.orders
                                       if o.status not in ("executed", "placed", "refunded")) + "); nothing was sent")
    check_run_fees(policy, hp, bundle, max_total_fee_eth=max_total_fee_eth)
    pipeline.check_funds(conn, bundle)
    if not confirm(ApplyPreview(hp, fork_result, bundle)):
        raise DeclinedError("declined: nothing was sent")
    assert journal is not None
    sent = pipeline.send(conn, identity.signer(), bundle, journal=journal, wait_s=wait_s)
    if sent.stopped is None or sent.stopped_step is None:
        reports = skipped + _reports(intents, sent.runs)
    else:
        reports = skipped + _reports(intents, sent.runs[:sent.stopped_step])
        i = intents[sent.stopped_step]
        partial = sent.runs[sent.stopped_step].tx_hashes if len(sent.runs) > sent.stopped_step else []
        status = "stopped" if isinstance(sent.stopped, pipeline.DriftError) else "error"
        reports.append(OrderReport(i.venue, i.asset, i.action, i.size_delta_usd, status, sent.stopped.message,
                                   partial[-1] if partial else None))
    return ApplyResult("broadcast", hp, before, fetch_state(conn, account, venue_names), reports,
                       bundle.preview_json(), [f"--allow-stale-prices: {p}; sent anyway" for p in stale])


__all__ = ["HedgeState", "RefusedError", "ApplyResult", "ApplyPreview", "OrderReport", "fetch_state",
           "exposures_from_holdings", "wallet_balances", "apply", "intent_txs", "intent_step", "check_limits", "check_run_fees",
           "check_fresh_prices"]
