"""The hedge executor (I/O): read the state, plan, run the plan on a fork, and broadcast on request.

``fetch_state`` reads holdings (one batched call), and each venue's markets, positions and pending orders.
``apply`` plans, refuses what a safety limit forbids (fee cap, collateral the wallet does not have), always
runs the orders on an anvil fork first (wallet impersonated, keepers played), and with ``broadcast=True``
sends them for real, order by order, following each to its end. The same objects serve the CLI and scripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Sequence

from hedgefi.core.errors import HedgefiError
from hedgefi.hedge.planner import Exposure, HedgePlan, OrderIntent, notional, plan
from hedgefi.hedge.policy import HedgePolicy
from hedgefi.core.units import fmt, money
from hedgefi.venues.base import MarketQuote, PendingOrderView, PositionView, ShortRequest, UnsignedTx, Venue

if TYPE_CHECKING:
    from hedgefi.chain.profiles import ChainProfile
    from hedgefi.execution import OrderResult, RunResult
    from hedgefi.chain.rpc import Connection
    from hedgefi.wallet.holdings import Holdings
    from hedgefi.wallet.signers import Identity

USD_Q = Decimal("0.000001")


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
        return {"assets": rows, "positions": [p.as_json() for p in self.positions],
                "balances": {a.symbol: fmt(a.balance) for a in self.holdings.assets}}


@money
def exposures_from_holdings(profile: "ChainProfile", holdings: "Holdings") -> list[Exposure]:
    """Group wallet balances by the asset they represent (WETH and ETH -> ETH, WBTC -> BTC, PAXG -> XAU; the
    user's ``tokens.toml`` adds tokens or leaves some unhedged), matched by token address."""
    from hedgefi.chain.tokenmap import hedge_asset

    totals: dict[str, Decimal] = {}
    prices: dict[str, Decimal] = {}
    for a in holdings.assets:
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


def fetch_state(conn: "Connection", address: str, venue_names: Sequence[str] | None = None) -> HedgeState:
    from hedgefi.wallet.holdings import fetch_holdings

    holdings = fetch_holdings(conn, address)
    positions: list[PositionView] = []
    pending: list[PendingOrderView] = []
    markets: list[MarketQuote] = []
    for v in _venues(conn, venue_names):
        markets += v.fetch_markets()
        pos, pend = v.fetch_positions(address)
        positions += pos
        pending += pend
    return HedgeState(conn.chain_id, holdings.block, address, holdings,
                      exposures_from_holdings(conn.profile, holdings), positions, pending, markets)


@money
def intent_txs(venue: Venue, account: str, intent: OrderIntent, positions: Sequence[PositionView]) -> list[UnsignedTx]:
    """The venue transactions for one intent, sized against the live position."""
    if intent.action == "cancel":
        return list(venue.build_cancel(account, intent.order_key))
    existing = next((p for p in positions if p.venue == intent.venue and p.asset == intent.asset
                     and p.side == "short" and p.collateral_token.upper() == intent.collateral.upper()), None)
    if intent.action in ("open", "increase"):
        req = ShortRequest(intent.asset, intent.size_delta_usd, intent.collateral, leverage=intent.leverage)
    elif intent.action == "close":
        if existing is None:
            return []
        req = ShortRequest(intent.asset, -existing.size_usd, intent.collateral, close=True)
    else:
        if existing is None:
            return []
        # the plan speaks in notional at the mark; the venue in entry USD: scale by the same fraction
        fraction = min(Decimal(1), -intent.size_delta_usd / notional(existing))
        req = ShortRequest(intent.asset, -(existing.size_usd * fraction).quantize(USD_Q), intent.collateral)
    return list(venue.plan_short(account, req, existing=existing).txs)


def _collateral_needed(hp: HedgePlan) -> dict[str, Decimal]:
    need: dict[str, Decimal] = {}
    for i in hp.intents:
        if i.size_delta_usd > 0:
            need[i.collateral] = need.get(i.collateral, Decimal(0)) + (i.size_delta_usd / i.leverage)
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


def check_fresh_prices(conn: "Connection", hp: HedgePlan, allow_stale: bool) -> None:
    """Refuse a run whose orders depend on a stale price (cancels of timed-out orders depend on none)."""
    from hedgefi.chain.freshness import require_fresh_prices

    orders = [i for i in hp.intents if i.action != "cancel"]
    if orders:
        require_fresh_prices(conn, sorted({i.asset for i in orders}), if_read=sorted({i.collateral for i in orders}),
                             allow_stale=allow_stale)


@dataclass
class OrderReport:
    venue: str
    asset: str
    action: str
    size_delta_usd: Decimal
    status: str
    reason: str = ""
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

    @property
    def complete(self) -> bool:
        return all(o.status in ("executed", "placed", "refunded") for o in self.orders)

    def as_json(self) -> dict[str, Any]:
        assets = [ln.asset for ln in self.plan.lines]
        return {"mode": self.mode, "before": self.before.summary(assets), "plan": self.plan.as_json(),
                "orders": [o.as_json() for o in self.orders], "after": self.after.summary(assets)}


def _run_intents(conn: "Connection", account: str, intents: Sequence[OrderIntent],
                 send: Callable[[Venue, list[UnsignedTx]], "RunResult"]) -> list[OrderReport]:
    reports = []
    for intent in intents:
        (venue,) = _venues(conn, [intent.venue])
        positions, _ = venue.fetch_positions(account)
        txs = intent_txs(venue, account, intent, positions)
        if not txs:
            reports.append(OrderReport(intent.venue, intent.asset, intent.action, intent.size_delta_usd, "skipped",
                                       "no position to change"))
            continue
        try:
            result = send(venue, txs)
        except HedgefiError as exc:
            if not reports:
                raise  # nothing went out: a plain error
            reports.append(OrderReport(intent.venue, intent.asset, intent.action, intent.size_delta_usd, "error",
                                       f"{exc.message} (the orders above went out; this one and the rest did not)"))
            break
        if intent.action == "cancel":       # no new order: the timed-out one is closed and its collateral back
            reports.append(OrderReport(intent.venue, intent.asset, intent.action, intent.size_delta_usd, "refunded",
                                       f"order {intent.order_key} cancelled after its timeout",
                                       result.tx_hashes[-1] if result.tx_hashes else None))
            continue
        outcomes: list[OrderResult | None] = list(result.orders) or [None]   # None: sent, no order to follow
        for o in outcomes:
            reports.append(OrderReport(intent.venue, intent.asset, intent.action, intent.size_delta_usd,
                                       o.status if o else "sent", o.reason if o else "",
                                       result.tx_hashes[-1] if result.tx_hashes else None))
    return reports


@money
def apply(conn: "Connection", identity: "Identity", policy: HedgePolicy, *, broadcast: bool = False,
          confirm: Callable[[HedgePlan], bool] = lambda _: False, venue_names: Sequence[str] | None = None,
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


def _apply(conn: "Connection", identity: "Identity", policy: HedgePolicy, broadcast: bool,
           confirm: Callable[[HedgePlan], bool], venue_names: Sequence[str] | None, wait_s: float,
           max_fee_gwei: Decimal | None, max_total_fee_eth: Decimal | None,
           allow_stale_prices: bool = False) -> ApplyResult:
    from hedgefi.sim.forkrun import fork_session
    from hedgefi.execution import DeclinedError, RunResult, order_outcomes
    from hedgefi.execution import broadcast as do_broadcast

    before = fetch_state(conn, identity.address, venue_names)
    hp = plan(before.exposures, before.positions, before.pending, before.markets, policy)
    check_limits(before, hp)
    if not hp.intents:
        return ApplyResult("broadcast" if broadcast else "fork", hp, before, before)
    if broadcast:
        check_fresh_prices(conn, hp, allow_stale_prices)

    with fork_session(conn) as fs:
        fs.impersonate(identity.address)

        def fork_send(venue: Venue, txs: list[UnsignedTx]) -> RunResult:
            receipts = [fs.send_as(identity.address, t, venue.errors) for t in txs]
            venue.play_keeper(identity.address)
            return RunResult("dry-run", [r["transactionHash"] for r in receipts], order_outcomes(venue, receipts, 5.0))

        fork_reports = _run_intents(fs.conn, identity.address, hp.intents, fork_send)
        fork_after = fetch_state(fs.conn, identity.address, venue_names)
    fork_result = ApplyResult("fork", hp, before, fork_after, fork_reports)
    if not broadcast:
        return fork_result
    if not fork_result.complete:
        raise RefusedError("refused: the fork dry-run did not execute every order ("
                           + "; ".join(f"{o.asset} {o.status}: {o.reason}" for o in fork_reports
                                       if o.status not in ("executed", "placed", "refunded")) + "); nothing was sent")
    if not confirm(hp):
        raise DeclinedError("declined: nothing was sent")
    signer = identity.signer()
    reports = _run_intents(conn, identity.address, hp.intents,
                           lambda venue, txs: do_broadcast(conn, venue, signer, txs, lambda _: True, wait_s=wait_s,
                                                           max_fee_gwei=max_fee_gwei,
                                                           max_total_fee_eth=max_total_fee_eth))
    return ApplyResult("broadcast", hp, before, fetch_state(conn, identity.address, venue_names), reports)


__all__ = ["HedgeState", "RefusedError", "ApplyResult", "OrderReport", "fetch_state", "exposures_from_holdings",
           "apply", "intent_txs", "check_limits", "check_fresh_prices"]
