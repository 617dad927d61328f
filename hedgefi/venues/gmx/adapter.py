"""The GMX v2 ``Venue``: reads and unsigned order transactions, plus what a dry-run needs.

``plan_short`` turns a human request (asset, USD size delta, collateral, leverage, slippage, stop-loss)
into an ``OrderPlan``: the approval (if the Router's allowance is short) and one ExchangeRouter multicall.
Sizes are clamped against the live position before any decrease.

Markets are keyed by market token: an asset has several (ETH/USD [WETH-USDC], ETH/USD [WETH-WETH], ...).
``req.market`` picks one; else the existing position's market; else ``choose_market``: among the asset's
markets, those whose long or short token is the requested collateral, then, when several remain, the
cheapest short carry among those with the short liquidity for the size (a markets read only then).
"""

from __future__ import annotations

import time
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from hedgefi.chain.multicall import Call, CallResult
from hedgefi.chain.readplan import Reader, read
from hedgefi.chain.revert import ErrorDecoder
from hedgefi.core.errors import BadAmountError, HedgefiError, InputError, UnknownNameError
from hedgefi.core.units import CONTEXT, fmt, from_raw, money, to_raw
from hedgefi.venues.base import (Allowances, CreatedOrder, approval_needed, KeeperAction, LiquidationQuote, MarketQuote, OrderOutcome, OrderPlan,
                                 PendingOrderView, PositionView, Receipt, ShortRequest, UnsignedTx, Venue)
from hedgefi.venues.gmx import reads
from hedgefi.venues.gmx.constants import CAPABILITIES, OrderType, codec
from hedgefi.venues.gmx.deployment import ARBITRUM_RELEASES, GmxDeployment, deployment_for, fetch_verify
from hedgefi.venues.gmx.releases import fetch_live_release
from hedgefi.venues.gmx.errors import decoder
from hedgefi.venues.gmx.events import fetch_order_outcome, is_order_key, order_keys_from_receipt
from hedgefi.venues.gmx.orders import (ExecutionPriceQuery, FeeContext, OrderBundle, OrderParams, acceptable_price,
                                       approval_tx, cancel_tx, fee_context_calls, fee_context_from, fetch_fee_context)

if TYPE_CHECKING:
    from hedgefi.chain.readplan import Slot
    from hedgefi.chain.rpc import Connection

DEFAULT_LEVERAGE = Decimal("2")
REUSE_S = 30.0          # an order is planned off the last state read only while it is this fresh
LIQUIDITY_MARGIN = Decimal("0.9")     # a market "has the liquidity" for a size up to 90% of its available


def _takes(q: MarketQuote, collateral: str) -> bool:
    return not q.collateral_symbols or collateral.upper() in q.collateral_symbols


def _listed(quotes: Sequence[MarketQuote]) -> str:
    return ", ".join(f"{q.market_name or q.asset} {q.market}" for q in quotes)


@money
def choose_market(quotes: Sequence[MarketQuote], asset: str, collateral: str, size_usd: Decimal
                  ) -> tuple[MarketQuote, str]:
    """(market, why) for a new short of ``size_usd`` on ``asset`` with ``collateral``: the open markets whose
    long or short token is the collateral; among them the cheapest short carry with the short liquidity for
    the size (90% of the available), or, when none has it, the one with the most liquidity (the venue's own
    checks then say what is short)."""
    mine = [q for q in quotes if q.asset.upper() == asset.upper()]
    if not mine:
        raise UnknownNameError("GMX market for asset", asset, sorted({q.asset for q in quotes}))
    takes = [q for q in mine if _takes(q, collateral) and q.open]
    if not takes:
        raise InputError(f"GMX has {len(mine)} {asset} market(s) and none open takes {collateral} collateral "
                         f"({_listed(mine)}); pick one with --market and its --collateral")
    if len(takes) == 1:
        return takes[0], f"the only open {asset} market taking {collateral}"
    room = [q for q in takes if q.available_short_liquidity_usd * LIQUIDITY_MARGIN >= size_usd]
    if room:
        best = min(room, key=lambda q: (q.short_carry_apr, -q.available_short_liquidity_usd, q.market.lower()))
        return best, (f"cheapest short carry {fmt((best.short_carry_apr * 100).quantize(Decimal('0.01')))}%/yr of "
                      f"{len(takes)} {asset} markets taking {collateral} with liquidity for ${fmt(size_usd)}")
    best = max(takes, key=lambda q: (q.available_short_liquidity_usd, q.market.lower()))
    return best, (f"none of {len(takes)} {asset} markets taking {collateral} has liquidity for ${fmt(size_usd)}; "
                  "the one with the most")


def _fee_key(account: str, coll: str, market: str, query: ExecutionPriceQuery | None) -> tuple[str, ...]:
    return account.lower(), coll.lower(), market.lower(), repr(query)


class GmxVenue:
    capabilities = CAPABILITIES

    def __init__(self, conn: "Connection", deployment: GmxDeployment | None = None) -> None:
        self.conn = conn
        # what the last state read saw (a hedge run plans its orders off that block's snapshot and quotes),
        # and the fee contexts ``plans_reader`` read for the orders still to plan
        self._snap: reads.Snapshot | None = None
        self._quotes: list[MarketQuote] | None = None
        self._read_at = 0.0
        self._fees: dict[tuple[str, ...], tuple[list[CallResult], "Slot[Any]", str, ExecutionPriceQuery | None]] = {}
        if deployment is None and conn.profile.name == "arbitrum":
            # the live release, from RoleStore (public sources disagree on which one runs)
            deployment = fetch_live_release(conn, ARBITRUM_RELEASES)  # type: ignore[arg-type]
        self.d = deployment or deployment_for(conn.profile)

    @property
    def name(self) -> str:
        return "gmx"

    @property
    def errors(self) -> ErrorDecoder:
        return decoder()

    def fetch_verify(self) -> None:
        fetch_verify(self.conn, self.d)

    last_block: int = 0
    # what the last read could not show: a line per position in a market hedgefi cannot price
    # (``venues.base.read_warnings``), and the markets it cannot price (``markets`` lists them)
    read_warnings: tuple[str, ...] = ()
    unpriced_markets: tuple[reads.UnpricedMarket, ...] = ()

    def fetch_markets(self) -> list[MarketQuote]:
        return read(self.conn, self.markets_reader())

    def fetch_positions(self, account: str) -> tuple[list[PositionView], list[PendingOrderView]]:
        return read(self.conn, self.positions_reader(account))

    def markets_reader(self) -> Reader[list[MarketQuote]]:
        self.last_block, quotes, self.unpriced_markets = yield from reads.markets_reader(self.conn, self.d)
        return quotes

    def positions_reader(self, account: str) -> Reader[tuple[list[PositionView], list[PendingOrderView]]]:
        self.last_block, positions, pending, warnings = yield from reads.positions_reader(self.conn, self.d, account)
        self.read_warnings = tuple(warnings)
        return positions, pending

    def state_reader(self, account: str
                     ) -> Reader[tuple[list[MarketQuote], list[PositionView], list[PendingOrderView]]]:
        snap, quotes, positions, pending, warnings = yield from reads.state_reader(self.conn, self.d, account)
        self.last_block, self._snap, self._quotes, self._read_at = snap.block, snap, quotes, time.monotonic()
        self.read_warnings = tuple(warnings)
        return quotes, positions, pending

    def plans_reader(self, account: str, reqs: Sequence[tuple[ShortRequest, PositionView | None]],
                     gas_price: "Slot[Any]") -> Reader[None]:
        """One stage: every order's fee context (execution-fee keys, the wallet's allowance and balances, the
        position fee factor, ``Reader.getExecutionPrice`` for its size) for ``plan_short`` to take instead of
        reading its own, off the snapshot of this venue's last state read; ``gas_price`` is the batch's
        ``eth_gasPrice``. A request ``plan_short`` would refuse is left out (it refuses it then, in order)."""
        snap = self._fresh_snap()
        if snap is None:
            snap = self._snap = yield from reads.snapshot_reader(self.conn, self.d)
            self._read_at = time.monotonic()
        keyed: list[tuple[tuple[str, ...], str, ExecutionPriceQuery | None, int]] = []
        calls: list[Call] = []
        for req, existing in reqs:
            try:
                is_increase = req.size_delta_usd > 0 and not req.close
                market, _ = self._market(snap, req, existing, is_increase)
                coll = self._collateral(snap, market, req.collateral_symbol)
                query = self._execution_query(snap, market, req, existing, is_increase)
            except HedgefiError:
                continue
            c = fee_context_calls(self.conn, self.d, account, coll.address, market.key, query)
            keyed.append((_fee_key(account, coll.address, market.key, query), market.key, query, len(c)))
            calls += c
        if not calls:
            return None
        r = yield calls
        at = 0
        for key, market_key, query, n in keyed:
            self._fees[key] = (r[at:at + n], gas_price, market_key, query)
            at += n
        return None

    def _fresh_snap(self) -> reads.Snapshot | None:
        return self._snap if self._snap is not None and time.monotonic() - self._read_at < REUSE_S else None

    def _fee_context(self, account: str, coll: str, market: str, query: ExecutionPriceQuery | None) -> FeeContext:
        """The order's fee context: from ``plans_reader`` when it read it, else read now."""
        got = self._fees.pop(_fee_key(account, coll, market, query), None)
        if got is not None:
            results, gas, market_key, q = got
            return fee_context_from(self.d, results, gas.value, market_key, q)
        return fetch_fee_context(self.conn, self.d, account, coll, market, query)

    def liquidation_reader(self, leverages: Mapping[str, Sequence[Decimal]]) -> Reader[list[LiquidationQuote]]:
        from hedgefi.venues.gmx.planned_liquidation import liquidation_reader

        return liquidation_reader(self.conn, self.d, leverages)

    # ------------------------------------------------------------------ orders
    def _market(self, snap: reads.Snapshot, req: ShortRequest, existing: PositionView | None, is_increase: bool
                ) -> tuple[reads.GmxMarket, str]:
        """The market to trade, and why it (a note for the plan; "" when the user or the position said)."""
        markets = snap.market_by_asset(req.asset)
        if not markets:
            raise UnknownNameError("GMX market for asset", req.asset, sorted({m.asset for m in snap.markets}))
        names = ", ".join(f"{snap.market_name(m)} {reads.to_checksum(m.key)}" for m in markets)
        key = req.market or (existing.market if existing is not None and existing.market else None)
        if key:
            m = snap.market_by_key(key)
            if m is None:
                u = next((u for u in snap.unpriced if u.key.lower() == key.lower()), None)
                why = u.note if u else "not in GMX's market list"
                raise InputError(f"{key} is not a GMX market hedgefi can trade ({why}); GMX's {req.asset} markets: "
                                 f"{names}")
            if m.asset.upper() != req.asset.upper():
                raise InputError(f"GMX market {snap.market_name(m)} {reads.to_checksum(m.key)} trades {m.asset}, not "
                                 f"{req.asset}; GMX's {req.asset} markets: {names}")
            return m, ""
        takes = [m for m in markets if req.collateral_symbol.upper() in
                 {snap.tokens[t.lower()].symbol.upper() for t in (m.long_token, m.short_token)}]
        if len(markets) == 1 or len(takes) == 1:
            return (takes or markets)[0], ""
        if not takes:        # no market of the asset holds that token: the token is what is wrong
            raise UnknownNameError(f"collateral token for GMX {req.asset}/USD", req.collateral_symbol, sorted(
                {snap.tokens[t.lower()].symbol for m in markets for t in (m.long_token, m.short_token)}))
        if not is_increase:
            raise InputError(f"GMX has {len(takes)} {req.asset} markets taking {req.collateral_symbol} ({names}); "
                             "pick one with --market")
        fresh = self._quotes if self._fresh_snap() is not None else None
        quotes = [q for q in (fresh if fresh is not None else read(self.conn, self.markets_reader()))
                  if q.market.lower() in {m.key.lower() for m in takes}]
        q, why = choose_market(quotes, req.asset, req.collateral_symbol, req.size_delta_usd)
        m = snap.market_by_key(q.market)
        assert m is not None
        return m, f"market {q.market_name} {q.market} chosen: {why} (--market picks another)"

    @money
    def _execution_query(self, snap: reads.Snapshot, market: reads.GmxMarket, req: ShortRequest,
                         existing: PositionView | None, is_increase: bool) -> ExecutionPriceQuery | None:
        """``Reader.getExecutionPrice``'s arguments for the order: its size delta (a decrease clamped to the
        position, negative) against the position it changes (its sizeInTokens and pending impact as the
        Reader reported them), at the snapshot's prices (None: a decrease without a position, refused by the
        plan)."""
        size_usd = existing.size_usd_e30 if existing is not None else 0
        size_tokens = existing.size_tokens_raw if existing is not None else 0
        pending_impact = existing.pending_impact_amount_raw if existing is not None else 0
        if is_increase:
            delta = to_raw(req.size_delta_usd, 30, what="size")
        elif existing is None:
            return None          # nothing to decrease: the plan refuses it
        elif req.close or -req.size_delta_usd >= existing.size_usd:
            delta = -existing.size_usd_e30
        else:
            delta = -to_raw(-req.size_delta_usd, 30, what="size")
        return ExecutionPriceQuery(market.key, snap.market_prices(market), size_usd, size_tokens, delta,
                                   pending_impact)

    def _collateral(self, snap: reads.Snapshot, market: reads.GmxMarket, symbol: str) -> reads.TokenMeta:
        for t in (market.short_token, market.long_token):
            meta = snap.tokens[t.lower()]
            if meta.symbol.upper() == symbol.upper():
                return meta
        options = [snap.tokens[t.lower()].symbol for t in (market.short_token, market.long_token)]
        raise UnknownNameError(f"collateral token for GMX {market.asset}/USD", symbol, options)

    @money
    def plan_short(self, account: str, req: ShortRequest, *, existing: PositionView | None = None,
                   allowances: Allowances | None = None) -> OrderPlan:
        """Open/increase (size_delta_usd > 0) or decrease/close (< 0, or ``req.close``) a short."""
        if not (Decimal(0) < req.max_slippage < Decimal("0.5")):
            raise BadAmountError("--max-slippage must be above 0% and below 50%")
        snap = self._fresh_snap() or reads.fetch_snapshot(self.conn, self.d)
        is_increase = req.size_delta_usd > 0 and not req.close
        market, chosen = self._market(snap, req, existing, is_increase)
        coll = self._collateral(snap, market, req.collateral_symbol)
        index_e30 = snap.prices_e30[market.index_token.lower()]
        coll_e30 = snap.prices_e30[coll.address.lower()]
        fees = self._fee_context(account, coll.address, market.key,
                                 self._execution_query(snap, market, req, existing, is_increase))
        index_price = reads.human_price(index_e30, market.index_decimals)
        if is_increase:
            plan = self._plan_increase(account, req, market, coll, index_e30, coll_e30, fees, index_price, existing,
                                       allowances)
        else:
            plan = self._plan_decrease(account, req, market, coll, index_e30, fees, index_price, existing)
        if chosen:
            plan.notes.insert(0, chosen)
        return plan

    @money
    def plan_add_collateral(self, account: str, existing: PositionView, amount_raw: int, *,
                            leverage: Decimal | None = None, allowances: Allowances | None = None) -> OrderPlan:
        """Add ``amount_raw`` of the position's collateral token at the same size: a MarketIncrease with
        ``sizeDeltaUsd`` 0 and the collateral as ``initialCollateralDeltaAmount`` (GMX's IncreasePositionUtils
        takes a zero size: a collateral deposit; no position fee on a zero size). ``leverage`` is unused."""
        if amount_raw <= 0:
            raise BadAmountError("a collateral top-up needs a positive amount")
        snap = self._fresh_snap() or reads.fetch_snapshot(self.conn, self.d)
        m = snap.market_by_key(existing.market)
        if m is None:
            raise InputError(f"{existing.market} is not a GMX market hedgefi can trade")
        coll = self._collateral(snap, m, existing.collateral_token)
        req = ShortRequest(existing.asset, Decimal(0), coll.symbol, collateral_amount=from_raw(amount_raw, coll.decimals),
                           market=m.key)
        index_e30 = snap.prices_e30[m.index_token.lower()]
        fees = self._fee_context(account, coll.address, m.key, self._execution_query(snap, m, req, existing, True))
        return self._plan_increase(account, req, m, coll, index_e30, snap.prices_e30[coll.address.lower()], fees,
                                   reads.human_price(index_e30, m.index_decimals), existing, allowances,
                                   action="add_collateral")

    def _plan_increase(self, account: str, req: ShortRequest, market: reads.GmxMarket, coll: reads.TokenMeta,
                       index_e30: int, coll_e30: int, fees: FeeContext, index_price: Decimal,
                       existing: PositionView | None, allowances: Allowances | None = None,
                       action: str | None = None) -> OrderPlan:
        size_raw = to_raw(req.size_delta_usd, 30, what="size")
        if req.collateral_amount is not None:
            coll_raw = to_raw(req.collateral_amount, coll.decimals, what="--collateral-amount")
        else:
            leverage = req.leverage if req.leverage is not None else DEFAULT_LEVERAGE
            if leverage <= 0:
                raise BadAmountError("--leverage must be positive")
            usd_raw = CONTEXT.divide(Decimal(size_raw), leverage)
            coll_raw = int(CONTEXT.divide(usd_raw, Decimal(coll_e30)).to_integral_value(rounding=ROUND_CEILING))
        if coll_raw <= 0 and existing is None:
            raise BadAmountError("a new position needs collateral: give --leverage or --collateral-amount")
        fee = fees.execution_fee(True)
        txs: list[UnsignedTx] = []
        bundle = OrderBundle()
        is_wnt = coll.address.lower() == self.d.wnt.lower()
        # anchored on GMX's own execution price for this order (impact included), the slippage on top
        accept = acceptable_price(fees.execution_price_e30 or index_e30, req.max_slippage, is_long=False,
                                  is_increase=True)
        params = OrderParams(OrderType.MarketIncrease, market.key, coll.address, size_raw, coll_raw, accept, fee,
                             account)
        if is_wnt:
            bundle.add(self.d, params, wnt_collateral=coll_raw)
            if fees.native_balance_wei < coll_raw + fee:
                raise BadAmountError(f"the wallet has {from_raw(fees.native_balance_wei, 18)} ETH; this order needs "
                                     f"{from_raw(coll_raw + fee, 18)} ETH of collateral and fee plus gas")
        else:
            if fees.collateral_balance_raw < coll_raw:
                raise BadAmountError(f"the wallet holds {from_raw(fees.collateral_balance_raw, coll.decimals)} "
                                     f"{coll.symbol}; this order needs {from_raw(coll_raw, coll.decimals)}")
            if approval_needed(allowances, coll.address, self.d.router, fees.allowance_raw, coll_raw):
                txs.append(approval_tx(coll.address, self.d.router, coll_raw, coll.symbol))
            bundle.add(self.d, params, erc20_collateral=coll_raw)
        notes = []
        if req.stop_loss_price is not None:
            # a new stop replaces the earlier ones on this market, in the same transaction
            pending = reads.fetch_positions(self.conn, self.d, account)[2]
            router = codec("ExchangeRouter")
            old = [o.key for o in pending if o.type == "StopLossDecrease" and o.market.lower() == market.key.lower()]
            for key in old:
                bundle.entries.append(router.encode("cancelOrder", bytes.fromhex(key.removeprefix("0x"))))
            self._add_stop_loss(bundle, account, market, coll, req, fees, index_price,
                                size_raw + (existing.size_usd_e30 if existing else 0))
            notes.append(f"stop-loss at {fmt(req.stop_loss_price)} closes the whole short"
                         + (f"; it replaces {len(old)} earlier stop-loss order(s)" if old else ""))
        if action == "add_collateral":
            txs.append(bundle.tx(self.d, f"GMX add {from_raw(coll_raw, coll.decimals)} {coll.symbol} collateral to "
                                         f"the {req.asset} short (size unchanged)"))
        else:
            action = "increase" if existing else "open"
            txs.append(bundle.tx(self.d, f"GMX {action} {req.asset} short of ${fmt(req.size_delta_usd)}"))
        return OrderPlan("gmx", action, market.asset, market.key, req.size_delta_usd, coll.symbol,
                         from_raw(coll_raw, coll.decimals), reads.human_price(accept, market.index_decimals),
                         index_price, from_raw(bundle.value_wei - (coll_raw if is_wnt else 0), 18), txs, notes,
                         position_fee_usd=fees.position_fee_usd(size_raw),
                         closing_fee_usd=fees.position_fee_usd(size_raw + (existing.size_usd_e30 if existing else 0)))

    def _add_stop_loss(self, bundle: OrderBundle, account: str, market: reads.GmxMarket, coll: reads.TokenMeta,
                       req: ShortRequest, fees: FeeContext, index_price: Decimal, size_raw: int) -> None:
        assert req.stop_loss_price is not None
        if req.stop_loss_price <= index_price:
            raise BadAmountError(f"a short's stop-loss must be above the current price ({fmt(index_price)})")
        trigger = to_raw(req.stop_loss_price, 30 - market.index_decimals, what="--stop-loss") \
            if 30 - market.index_decimals >= 0 else 0
        far = max(req.max_slippage * 10, Decimal("0.10"))  # a stop must fill on a gap; GMX freezes it otherwise
        accept = acceptable_price(trigger, far, is_long=False, is_increase=False)
        bundle.add(self.d, OrderParams(OrderType.StopLossDecrease, market.key, coll.address, size_raw, 0, accept,
                                       fees.execution_fee(False), account, trigger_price_e30=trigger,
                                       auto_cancel=True))

    def _plan_decrease(self, account: str, req: ShortRequest, market: reads.GmxMarket, coll: reads.TokenMeta,
                       index_e30: int, fees: FeeContext, index_price: Decimal, existing: PositionView | None) -> OrderPlan:
        if existing is None:
            raise InputError(f"there is no GMX {req.asset} short with {coll.symbol} collateral to reduce or close")
        if req.close or -req.size_delta_usd >= existing.size_usd:
            size_raw, action = existing.size_usd_e30, "close"
        else:
            size_raw, action = to_raw(-req.size_delta_usd, 30, what="size"), "decrease"
        fee = fees.execution_fee(False)
        accept = acceptable_price(fees.execution_price_e30 or index_e30, req.max_slippage, is_long=False,
                                  is_increase=False)
        bundle = OrderBundle()
        bundle.add(self.d, OrderParams(OrderType.MarketDecrease, market.key, coll.address, size_raw, 0, accept, fee,
                                       account))
        size_usd = from_raw(size_raw, 30)
        tx = bundle.tx(self.d, f"GMX {action} {req.asset} short by ${fmt(size_usd)}")
        notes = []
        if action == "decrease":   # GMX turns a decrease leaving less than its minimums into a full close
            from hedgefi.venues.gmx.decrease_rule import closes_whole_position, fetch_minimums

            why = closes_whole_position(existing, size_raw, *fetch_minimums(self.conn, self.d))
            if why:
                notes.append(why)
        return OrderPlan("gmx", action, market.asset, market.key, -size_usd, coll.symbol, Decimal(0),
                         reads.human_price(accept, market.index_decimals), index_price, from_raw(fee, 18), [tx], notes,
                         position_fee_usd=fees.position_fee_usd(size_raw),
                         closing_fee_usd=fees.position_fee_usd(max(0, existing.size_usd_e30 - size_raw)))

    def build_cancel(self, account: str, order_key: str) -> list[UnsignedTx]:
        return [cancel_tx(self.d, order_key)]

    # ------------------------------------------------------------------ after sending
    def owns_order_key(self, key: str) -> bool:
        return is_order_key(key)

    def order_keys(self, receipt: Receipt) -> list[CreatedOrder]:
        return order_keys_from_receipt(receipt, self.d.event_emitter)

    def wait_outcome(self, key: str, from_block: int, timeout_s: float = 30.0) -> OrderOutcome:
        return fetch_order_outcome(self.conn, self.d.event_emitter, key, from_block, timeout_s)

    def play_keeper(self, account: str | None = None, order_keys: list[str] | None = None) -> list[KeeperAction]:
        """Execute pending orders on a local chain (devnet or fork) as the ORDER_KEEPER would: exactly
        ``order_keys`` when given, else every pending order of ``account``."""
        from hedgefi.venues.gmx.keeper import execute_pending

        if not self.conn.profile.is_devnet:
            from hedgefi.venues.gmx.forkprep import install_mock_oracle

            install_mock_oracle(self.conn, self.d)
        return [KeeperAction(r.key, r.executed, (r.tx_hash,) if r.tx_hash else (), r.note)
                for r in execute_pending(self.conn.rpc_url, self.d, account=account, order_keys=order_keys)]


_IMPLEMENTS_VENUE: type[Venue] = GmxVenue   # the type checker proves GmxVenue is a Venue

__all__ = ["GmxVenue", "OrderPlan", "DEFAULT_LEVERAGE", "choose_market"]
