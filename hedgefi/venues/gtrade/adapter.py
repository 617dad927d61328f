"""The gTrade v10 ``Venue``: reads, unsigned request transactions, and oracle fulfilment on local chains.

``plan_short`` turns a human request into an ``OrderPlan``: the USDC approval for the diamond (when the
allowance is short) and one request transaction (``openTrade``, ``increasePositionSize``, or a
``multicall`` that sets the closing slippage before ``decreasePositionSize`` / ``closeTradeMarket``).
v10 keeps the collateral as sent (size = collateral x leverage, in collateral units) and realises the
opening fee against the trade, so the collateral is size / leverage / the collateral's USD price
(``getCollateralPriceUsd``, read with the pair). A market outside its trading hours is refused for
a new order unless forced; while trading is CLOSE_ONLY only decreases and closes go out.
"""

from __future__ import annotations

import time
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.blocks import block_number_calls, block_number_from
from hedgefi.chain.multicall import Call, CallResult, fetch_aggregate3
from hedgefi.chain.readplan import Reader, read
from hedgefi.chain.revert import ErrorDecoder
from hedgefi.core.errors import BadAmountError, InputError, MarketClosedError, UnknownNameError
from hedgefi.core.units import CONTEXT, fmt, from_raw, money
from hedgefi.venues.base import (Allowances, CreatedOrder, approval_needed, KeeperAction, LiquidationQuote, MarketQuote, OrderOutcome, OrderPlan,
                                 PendingOrderView, PositionView, Receipt, ShortRequest, UnsignedTx, Venue)
from hedgefi.venues.gtrade import orders, reads
from hedgefi.venues.gtrade.constants import (CAPABILITIES, LEVERAGE_SCALE, PERCENT_E10, PRICE_DECIMALS, codec,
                                             leverage_e3, price_e10, slippage_e3)
from hedgefi.venues.gtrade.deployment import GtradeDeployment, deployment_for, fetch_verify
from hedgefi.venues.gtrade.errors import decoder
from hedgefi.venues.gtrade.events import fetch_order_outcome, is_order_key, order_keys_from_receipt, parse_key

if TYPE_CHECKING:
    from hedgefi.chain.readplan import Slot
    from hedgefi.chain.rpc import Connection

DEFAULT_LEVERAGE = Decimal("2")
REUSE_S = 30.0          # an order is planned off the last state read only while it is this fresh


class GtradeVenue:
    capabilities = CAPABILITIES
    last_block: int = 0

    def __init__(self, conn: "Connection", deployment: GtradeDeployment | None = None) -> None:
        self.conn = conn
        self.d = deployment or deployment_for(conn.profile)
        # what the last state read saw (a hedge run plans its orders off it, if not older than REUSE_S) and what
        # ``plans_reader`` read for the orders still to plan
        self._markets: reads.MarketsRead | None = None
        self._read_at = 0.0
        self._wallet_cache: dict[str, tuple[int, int]] = {}
        self._ci: int | None = None

    @property
    def name(self) -> str:
        return "gtrade"

    @property
    def errors(self) -> ErrorDecoder:
        return decoder()

    def fetch_verify(self) -> None:
        fetch_verify(self.conn, self.d)

    def fetch_markets(self) -> list[MarketQuote]:
        return read(self.conn, self.markets_reader())

    def fetch_positions(self, account: str) -> tuple[list[PositionView], list[PendingOrderView]]:
        return read(self.conn, self.positions_reader(account))

    def markets_reader(self) -> Reader[list[MarketQuote]]:
        self.last_block, quotes, _ = yield from reads.markets_reader(self.conn, self.d)
        return quotes

    def positions_reader(self, account: str) -> Reader[tuple[list[PositionView], list[PendingOrderView]]]:
        self.last_block, positions, pending, _ = yield from reads.positions_reader(self.conn, self.d, account)
        return positions, pending

    def state_reader(self, account: str
                     ) -> Reader[tuple[list[MarketQuote], list[PositionView], list[PendingOrderView]]]:
        (block, quotes, infos), (block_p, positions, pending, _) = yield from reads.state_reader(self.conn, self.d,
                                                                                              account)
        self.last_block = max(block, block_p)
        self._markets, self._read_at = (block, quotes, infos), time.monotonic()
        return quotes, positions, pending

    def plans_reader(self, account: str, reqs: Sequence[tuple[ShortRequest, PositionView | None]],
                     gas_price: "Slot[Any]") -> Reader[None]:
        """One stage: the wallet's USDC balance and allowance for the diamond, and USDC's collateral index, for
        ``plan_short`` to take instead of reading them (its pairs come from this venue's last state read)."""
        if not any(r.size_delta_usd > 0 and not r.close for r, _ in reqs):
            return None
        r = yield [*self._wallet_calls(account), Call(self.d.diamond, codec().encode("getCollateralIndex",
                                                                                       self.d.usdc))]
        self._wallet_cache[account.lower()] = self._wallet_from(r[:2])
        if r[2].ok:
            self._ci = int(codec().decode_output("getCollateralIndex", r[2].data))
        return None

    def liquidation_reader(self, leverages: Mapping[str, Sequence[Decimal]]) -> Reader[list[LiquidationQuote]]:
        from hedgefi.venues.gtrade.liquidation import liquidation_reader

        return liquidation_reader(self.conn, self.d, leverages)

    # ------------------------------------------------------------------ orders
    def _pair(self, asset: str) -> tuple[MarketQuote, reads.PairInfo]:
        if self._markets is not None and time.monotonic() - self._read_at < REUSE_S:
            _, quotes, infos = self._markets
        else:
            self.last_block, quotes, infos = reads.fetch_markets(self.conn, self.d)
        info = infos.get(asset.upper())
        if info is None:
            raise UnknownNameError("gTrade pair for asset", asset, sorted(infos))
        return next(q for q in quotes if q.asset.upper() == asset.upper()), info

    def _wallet(self, account: str) -> tuple[int, int]:
        """(USDC balance, USDC allowance for the diamond) in one round trip."""
        got = self._wallet_cache.pop(account.lower(), None)
        if got is not None:
            return got
        return self._wallet_from(fetch_aggregate3(self.conn, self._wallet_calls(account)))

    def _wallet_calls(self, account: str) -> list[Call]:
        return [Call(self.d.usdc, encode_call("balanceOf(address)", ["address"], [account])),
                Call(self.d.usdc, encode_call("allowance(address,address)", ["address", "address"],
                                              [account, self.d.diamond]))]

    @staticmethod
    def _wallet_from(r: Sequence[CallResult]) -> tuple[int, int]:
        balance = int(decode(["uint256"], r[0].data)[0]) if r[0].ok else 0
        allowance = int(decode(["uint256"], r[1].data)[0]) if r[1].ok else 0
        return balance, allowance

    @money
    def plan_short(self, account: str, req: ShortRequest, *, existing: PositionView | None = None,
                   allowances: Allowances | None = None) -> OrderPlan:
        """Open/increase (size_delta_usd > 0) or decrease/close (< 0, or ``req.close``) a short."""
        if not (Decimal(0) < req.max_slippage < Decimal("0.5")):
            raise BadAmountError("--max-slippage must be above 0% and below 50%")
        if req.collateral_symbol.upper() != "USDC":
            raise UnknownNameError("collateral token for gTrade", req.collateral_symbol, ["USDC"])
        quote, info = self._pair(req.asset)
        reducing = req.close or req.size_delta_usd < 0
        if quote.trading == "paused" or (quote.trading == "close-only" and not reducing):
            raise MarketClosedError("gTrade is " + ("paused" if quote.trading == "paused" else
                                                    "close-only (no new or larger positions)")
                                    + " now: the diamond would revert this order; nothing was sent")
        if not quote.hours_open and not req.force:
            raise MarketClosedError(
                f"gTrade {info.asset}/USD is closed ({quote.hours or 'outside trading hours'}): its oracles "
                "do not answer now, so a market order would only time out. Retry when it opens, or pass --force to "
                "send it anyway and recover the collateral with `hedgefi orders --venue gtrade --cancel KEY`")
        index_price = from_raw(info.price_e10, PRICE_DECIMALS)
        slip = slippage_e3(req.max_slippage)
        if req.size_delta_usd > 0 and not req.close:
            return self._plan_increase(account, req, quote, info, index_price, slip, existing, allowances)
        return self._plan_decrease(req, quote, info, index_price, slip, existing)

    def _plan_increase(self, account: str, req: ShortRequest, quote: MarketQuote, info: reads.PairInfo,
                       index_price: Decimal, slip: int, existing: PositionView | None,
                       allowances: Allowances | None = None) -> OrderPlan:
        usdc = self.conn.profile.token("USDC")
        fee_rate = CONTEXT.divide(Decimal(info.fee_p_e10), Decimal(100 * PERCENT_E10))
        size = req.size_delta_usd
        notes: list[str] = []
        # collateral is sized at its own price (getCollateralPriceUsd), never assumed to be $1
        coll_usd = info.collateral_usd
        if coll_usd <= 0:
            raise BadAmountError("gTrade reports no USD price for its USDC collateral; nothing was planned")
        if existing is not None:
            # the trade's own leverage, from its raw size and collateral (both in collateral units)
            coll_units = existing.collateral_amount * 10**usdc.decimals
            lev = CONTEXT.divide(Decimal(existing.size_collateral_raw), coll_units) \
                if existing.size_collateral_raw and coll_units else DEFAULT_LEVERAGE
            lev = lev.quantize(Decimal("0.001"), rounding=ROUND_FLOOR)
            coll = CONTEXT.divide(size, lev * coll_usd)
        elif req.collateral_amount is not None:
            coll = req.collateral_amount
            lev = CONTEXT.divide(size, coll * coll_usd)
        else:
            lev = req.leverage if req.leverage is not None else DEFAULT_LEVERAGE
            coll = CONTEXT.divide(size, lev * coll_usd)
        lev_e3 = leverage_e3(lev)
        if not (info.min_leverage_e3 <= lev_e3 <= info.max_leverage_e3):
            raise BadAmountError(f"leverage {fmt(lev)}x is outside gTrade {info.asset}/USD's range "
                                 f"{fmt(Decimal(info.min_leverage_e3) / LEVERAGE_SCALE)}x-"
                                 f"{fmt(Decimal(info.max_leverage_e3) / LEVERAGE_SCALE)}x")
        coll_raw = int((coll * 10**usdc.decimals).to_integral_value(rounding=ROUND_CEILING))
        if existing is None and size < info.min_size_usd:
            raise BadAmountError(f"gTrade's minimum position on {info.asset}/USD is ${fmt(info.min_size_usd)}")
        txs = self._funding_txs(account, coll_raw, "this order", allowances)
        expected = info.price_e10
        accept = index_price * (1 - Decimal(slip) / 100_000)
        sl_e10 = price_e10(req.stop_loss_price) if req.stop_loss_price is not None else 0
        if req.stop_loss_price is not None:
            if req.stop_loss_price <= index_price:
                raise BadAmountError(f"a short's stop-loss must be above the current price ({fmt(index_price)})")
            notes.append(f"stop-loss at {fmt(req.stop_loss_price)} closes the whole short")
        ci = self._collateral_index()
        if existing is None:
            trade = orders.trade_tuple(account, info.index, lev_e3, ci, coll_raw, expected, sl_e10=sl_e10)
            txs.append(orders.open_trade_tx(self.d.diamond, trade, slip,
                                            f"gTrade open {info.asset} short of ${fmt(size)}"))
            action = "open"
        else:
            _, index = parse_key(existing.key)
            inc = orders.increase_tx(self.d.diamond, index, coll_raw, lev_e3, expected, slip,
                                     f"gTrade increase {info.asset} short by ${fmt(size)}")
            if sl_e10:
                c = codec()
                inc = UnsignedTx(self.d.diamond, c.encode("multicall", [c.encode("updateSl", index, sl_e10), inc.data]),
                                 0, inc.description)
            txs.append(inc)
            action = "increase"
        fee = position_fee_usd(quote, size)
        closing = position_fee_usd(quote, size + (existing.size_usd if existing is not None else Decimal(0)))
        if fee_rate:
            notes.append(f"gTrade charges its {fmt((fee_rate * 100).normalize())}% opening fee "
                         f"(${fmt(fee.quantize(Decimal('0.01')))}"
                         + (f", on its ${fmt(quote.min_fee_basis_usd)} minimum" if size < quote.min_fee_basis_usd else "")
                         + f") against the trade, not the collateral; closing the short later costs "
                         f"${fmt(closing.quantize(Decimal('0.01')))} more at today's price")
        return OrderPlan("gtrade", action, info.asset, quote.market, size, "USDC", from_raw(coll_raw, usdc.decimals),
                         accept.quantize(Decimal("0.00000001")), index_price, Decimal(0), txs, notes,
                         position_fee_usd=fee, closing_fee_usd=closing)

    def _plan_decrease(self, req: ShortRequest, quote: MarketQuote, info: reads.PairInfo, index_price: Decimal,
                       slip: int, existing: PositionView | None) -> OrderPlan:
        if existing is None:
            raise InputError(f"there is no gTrade {req.asset} short with USDC collateral to reduce or close")
        _, index = parse_key(existing.key)
        accept = (index_price * (1 + Decimal(slip) / 100_000)).quantize(Decimal("0.00000001"))
        if req.close or -req.size_delta_usd >= existing.size_usd:
            tx = orders.close_tx(self.d.diamond, index, info.price_e10, slip,
                                 f"gTrade close {info.asset} short of ${fmt(existing.size_usd)}")
            fee = existing.closing_fee_usd if existing.closing_fee_usd is not None \
                else position_fee_usd(quote, existing.size_usd)
            return OrderPlan("gtrade", "close", info.asset, existing.market, -existing.size_usd, "USDC", Decimal(0),
                             accept, index_price, Decimal(0), [tx], position_fee_usd=fee, closing_fee_usd=Decimal(0))
        fraction = CONTEXT.divide(-req.size_delta_usd, existing.size_usd)
        if req.keep_collateral:
            return self._plan_deleverage(req, quote, info, index_price, slip, existing, fraction)
        decimals = self.conn.profile.token("USDC").decimals
        coll_raw = int((existing.collateral_amount * fraction * 10**decimals).to_integral_value(rounding=ROUND_FLOOR))
        if coll_raw <= 0:
            raise BadAmountError("that decrease is too small for gTrade (under one unit of collateral)")
        removed = (CONTEXT.divide(existing.size_usd, existing.collateral_amount) * from_raw(coll_raw, decimals)) \
            .quantize(Decimal("0.000001"))
        tx = orders.decrease_tx(self.d.diamond, index, coll_raw, 0, info.price_e10, slip,
                                f"gTrade decrease {info.asset} short by ${fmt(removed)}")
        return OrderPlan("gtrade", "decrease", info.asset, existing.market, -removed, "USDC", Decimal(0), accept,
                         index_price, Decimal(0), [tx], ["the collateral shrinks with the size (same leverage)"],
                         position_fee_usd=position_fee_usd(quote, removed),
                         closing_fee_usd=position_fee_usd(quote, existing.size_usd - removed))

    @money
    def plan_add_collateral(self, account: str, existing: PositionView, amount_raw: int, *,
                            leverage: Decimal | None = None, allowances: Allowances | None = None) -> OrderPlan:
        """``updateLeverage`` to a lower leverage at constant size: the diamond pulls collateral x leverage /
        new leverage - collateral. ``leverage``: the new leverage (else the one that pulls at least
        ``amount_raw``)."""
        quote, info = self._pair(existing.asset)
        if quote.trading == "paused":
            raise MarketClosedError("gTrade is paused now: the diamond would revert this order; nothing was sent")
        if not quote.hours_open:
            raise MarketClosedError(f"gTrade {info.asset}/USD is closed ({quote.hours or 'outside trading hours'}): "
                                    "its oracles would not answer a leverage update now")
        usdc = self.conn.profile.token("USDC")
        coll_raw, lev_e3 = self._collateral_leverage(existing)
        if coll_raw <= 0 or lev_e3 <= 0:
            raise InputError(f"the gTrade {existing.asset} short has no collateral or leverage to update")
        new_e3 = leverage_e3(leverage) if leverage is not None else coll_raw * lev_e3 // (coll_raw + amount_raw)
        if not (max(info.min_leverage_e3, 100) <= new_e3 < lev_e3):
            raise BadAmountError(f"adding that collateral takes the gTrade {info.asset}/USD short to "
                                 f"{fmt(Decimal(new_e3) / LEVERAGE_SCALE)}x, outside "
                                 f"{fmt(Decimal(max(info.min_leverage_e3, 100)) / LEVERAGE_SCALE)}x-"
                                 f"{fmt(Decimal(lev_e3) / LEVERAGE_SCALE)}x (its minimum and its leverage now)")
        pull = coll_raw * lev_e3 // new_e3 - coll_raw
        txs = self._funding_txs(account, pull, "this top-up", allowances)
        _, index = parse_key(existing.key)
        txs.append(orders.update_leverage_tx(
            self.d.diamond, index, new_e3,
            f"gTrade add {from_raw(pull, usdc.decimals)} USDC collateral to the {info.asset} short: leverage "
            f"{fmt(Decimal(lev_e3) / LEVERAGE_SCALE)}x -> {fmt(Decimal(new_e3) / LEVERAGE_SCALE)}x, size unchanged"))
        index_price = from_raw(info.price_e10, PRICE_DECIMALS)
        # no price bound: updateLeverage takes no expected price (acceptable 0 never stops it)
        return OrderPlan("gtrade", "add_collateral", info.asset, existing.market, Decimal(0), "USDC",
                         from_raw(pull, usdc.decimals), Decimal(0), index_price, Decimal(0), txs,
                         ["updateLeverage is a market order the oracles fulfil (type 7); it keeps the size"],
                         position_fee_usd=Decimal(0), closing_fee_usd=existing.closing_fee_usd)

    def _plan_deleverage(self, req: ShortRequest, quote: MarketQuote, info: reads.PairInfo, index_price: Decimal,
                         slip: int, existing: PositionView, fraction: Decimal) -> OrderPlan:
        """A decrease by leverage alone (``decreasePositionSize`` with a leverage delta, collateral 0): the
        collateral stays, so the leverage falls and the liquidation price moves away (margin maintenance)."""
        _, index = parse_key(existing.key)
        _, lev_e3 = self._collateral_leverage(existing)
        keep_e3 = int((Decimal(lev_e3) * (1 - fraction)).to_integral_value(rounding=ROUND_FLOOR))
        delta_e3 = lev_e3 - max(keep_e3, 100)
        if delta_e3 <= 0:
            raise BadAmountError("that decrease is too small for gTrade (under 0.001x of leverage)")
        removed = (existing.size_usd * Decimal(delta_e3) / Decimal(lev_e3)).quantize(Decimal("0.000001"))
        accept = (index_price * (1 + Decimal(slip) / 100_000)).quantize(Decimal("0.00000001"))
        tx = orders.decrease_tx(self.d.diamond, index, 0, delta_e3, info.price_e10, slip,
                                f"gTrade decrease {info.asset} short by ${fmt(removed)}, collateral kept "
                                f"(leverage {fmt(Decimal(lev_e3) / LEVERAGE_SCALE)}x -> "
                                f"{fmt(Decimal(lev_e3 - delta_e3) / LEVERAGE_SCALE)}x)")
        return OrderPlan("gtrade", "decrease", info.asset, existing.market, -removed, "USDC", Decimal(0), accept,
                         index_price, Decimal(0), [tx], ["the collateral stays in the trade (leverage falls)"],
                         position_fee_usd=position_fee_usd(quote, removed),
                         closing_fee_usd=position_fee_usd(quote, existing.size_usd - removed))

    def _collateral_leverage(self, existing: PositionView) -> tuple[int, int]:
        """A trade's collateral (raw USDC) and leverage (1e3): its margin model's, else from the position."""
        from hedgefi.venues.gtrade.margin import GtradeMargin

        if isinstance(existing.margin, GtradeMargin):
            return existing.margin.collateral_raw, existing.margin.leverage_e3
        coll_raw = int((existing.collateral_amount * 10**self.conn.profile.token("USDC").decimals).to_integral_value())
        return coll_raw, existing.size_collateral_raw * LEVERAGE_SCALE // coll_raw if coll_raw else 0

    def _funding_txs(self, account: str, need_raw: int, what: str, allowances: Allowances | None) -> list[UnsignedTx]:
        """Refuse when the wallet holds less USDC than ``need_raw``; the approval the diamond needs to pull it."""
        usdc = self.conn.profile.token("USDC")
        balance, allowance = self._wallet(account)
        if balance < need_raw:
            raise BadAmountError(f"the wallet holds {from_raw(balance, usdc.decimals)} USDC; {what} needs "
                                 f"{from_raw(need_raw, usdc.decimals)}")
        if approval_needed(allowances, usdc.address, self.d.diamond, allowance, need_raw):
            return [orders.approval_tx(usdc.address, self.d.diamond, need_raw, "USDC")]
        return []

    def _collateral_index(self) -> int:
        if self._ci is not None:
            return self._ci
        c = codec()
        out = self.conn.request("eth_call", [{"to": self.d.diamond,
                                              "data": "0x" + c.encode("getCollateralIndex", self.d.usdc).hex()}, "latest"])
        return int(c.decode_output("getCollateralIndex", bytes.fromhex(out[2:])))

    def build_cancel(self, account: str, order_key: str) -> list[UnsignedTx]:
        """``cancelOrderAfterTimeout`` for a pending market order that the oracles never answered."""
        user, index = parse_key(order_key)
        if user != account.lower():
            raise InputError(f"order {order_key} belongs to {user}, not to {account}")
        c = codec()
        r = fetch_aggregate3(self.conn, [Call(self.d.diamond, c.encode("getPendingOrder", (user, index))),
                                         Call(self.d.diamond, c.encode("getMarketOrdersTimeoutBlocks")),
                                         *block_number_calls(self.conn)])
        po = c.decode_output("getPendingOrder", r[0].data)
        if not po["isOpen"]:
            raise InputError(f"gTrade order {order_key} is not pending (already executed, cancelled or refunded)")
        timeout = int(c.decode_output("getMarketOrdersTimeoutBlocks", r[1].data))
        block = block_number_from(r[2:])
        ready = int(po["createdBlock"]) + timeout
        if block < ready:
            raise InputError(f"gTrade order {order_key} can be cancelled only after its timeout: {ready - block} more "
                             f"block(s) (created at block {po['createdBlock']}, timeout {timeout} blocks)")
        return [orders.cancel_after_timeout_tx(self.d.diamond, index)]

    # ------------------------------------------------------------------ after sending
    def owns_order_key(self, key: str) -> bool:
        return is_order_key(key)

    def order_keys(self, receipt: Receipt) -> list[CreatedOrder]:
        return order_keys_from_receipt(receipt, self.d.diamond)

    def wait_outcome(self, key: str, from_block: int, timeout_s: float = 30.0) -> OrderOutcome:
        out = fetch_order_outcome(self.conn, self.d.diamond, key, from_block, timeout_s,
                                  pair_indices=tuple(i for _, i in self.d.pairs))
        if out.status == "pending":
            c = codec()
            raw = self.conn.request("eth_call", [{"to": self.d.diamond,
                                                  "data": "0x" + c.encode("getMarketOrdersTimeoutBlocks").hex()}, "latest"])
            blocks = c.decode_output("getMarketOrdersTimeoutBlocks", bytes.fromhex(raw[2:]))
            out = OrderOutcome("pending", key, f"the oracles have not answered yet; {blocks} blocks after it was "
                               f"placed it can be cancelled for a refund with `hedgefi orders --cancel {key}`")
        return out

    def play_keeper(self, account: str | None = None, order_keys: list[str] | None = None) -> list[KeeperAction]:
        """Answer pending orders on a local chain (devnet or fork) as the oracle nodes would (§7.2): those of
        ``account``, found from the diamond's request events in recent blocks, limited to ``order_keys``
        when given."""
        from hedgefi.venues.gtrade.keeper import Fulfiller, ensure_arbsys, feeds_of

        url = self.conn.rpc_url
        if self.conn.chain_id == 42161:
            ensure_arbsys(url)
        latest = int(self.conn.request("eth_blockNumber", []), 16)
        done = Fulfiller(url, self.d, feeds_of(self.conn.profile), from_block=max(0, latest - 256)) \
            .run_once(account=account)
        wanted = None if order_keys is None else {k.lower() for k in order_keys}
        return [KeeperAction(f.key, f.executed, f.tx_hashes, f.note) for f in done
                if wanted is None or f.key.lower() in wanted]


@money
def position_fee_usd(quote: MarketQuote, size_usd: Decimal) -> Decimal:
    """gTrade's fee to open or close ``size_usd``: the pair's rate on the size, the size floored at the pair's
    ``pairMinPositionSizeUsd`` (v10 ``getTotalTradeFeesCollateral``; no fee tiers)."""
    if size_usd <= 0:
        return Decimal(0)
    return (max(size_usd, quote.min_fee_basis_usd) * quote.position_fee_rate).quantize(Decimal("0.000001"))


_IMPLEMENTS_VENUE: type[Venue] = GtradeVenue   # the type checker proves GtradeVenue is a Venue


__all__ = ["GtradeVenue", "DEFAULT_LEVERAGE"]
