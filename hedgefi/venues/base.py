"""The Venue protocol and the value objects every venue speaks in.

Units: USD amounts are ``Decimal`` (converted from each venue's raw integers in the adapter);
rates are yearly fractions (0.05 = 5%); a positive ``*_apr`` is a cost to a short, a negative one
an income. Raw on-chain amounts stay ``int`` and say so in their names (``*_raw``).

``Venue`` is the whole surface callers (cli, hedge, execution, recovery) use; each adapter module proves
with the type checker that its class implements it, and ``registry.get_venue`` returns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Mapping, NamedTuple, Protocol, Sequence

from hedgefi.chain.readplan import Reader, Slot
from hedgefi.chain.revert import ErrorDecoder
from hedgefi.core.types import UnsignedTx
from hedgefi.core.units import fmt, money


@dataclass(frozen=True, slots=True)
class VenueCapabilities:
    """What a venue can do, as data: callers read this instead of branching on the venue's name."""

    name: str
    display_name: str
    collateral_tokens: tuple[str, ...]
    order_model: str                   # "keeper-two-step" ...
    asset_classes: tuple[str, ...]
    supports_stop_loss: bool
    max_leverage_hint: Decimal


TradingState = Literal["open", "close-only", "paused"]
OrderStatus = Literal["executed", "cancelled", "frozen", "pending"]
Receipt = dict[str, Any]               # a transaction receipt as the node returns it


@dataclass(frozen=True, slots=True)
class MarketQuote:
    venue: str
    market: str                        # venue market id (GMX: market token address)
    asset: str
    asset_class: str
    price: Decimal
    short_funding_apr: Decimal
    short_borrowing_apr: Decimal
    long_oi_usd: Decimal
    short_oi_usd: Decimal
    available_short_liquidity_usd: Decimal
    max_leverage: Decimal
    open: bool                         # takes new and larger positions now
    position_fee_rate: Decimal = Decimal(0)    # fraction of the size charged to open (and again to close)
    min_size_usd: Decimal = Decimal(0)         # smallest position the venue accepts
    min_leverage: Decimal = Decimal(0)         # 0: no floor
    trading: TradingState = "open"             # the venue's own switch for the market, apart from its hours
    hours_open: bool = True                    # inside the market's trading hours (always, for crypto)
    hours: str = ""                            # the trading hours in words ("" when always open)
    index_token: str = ""                      # GMX: the market's index / long / short token addresses
    long_token: str = ""
    short_token: str = ""
    pair_index: int | None = None              # gTrade: the pair's index on the diamond
    price_stale: bool = False                  # a feed pricing it is older than its heartbeat (chain.freshness)
    min_fee_basis_usd: Decimal = Decimal(0)    # position fees are charged on at least this size (gTrade)
    market_name: str = ""                      # GMX: "ETH/USD [WETH-USDC]" (an asset has several markets)
    collateral_symbols: tuple[str, ...] = ()   # GMX: the tokens a position in it may hold (long, short); ()=any

    @property
    @money
    def short_carry_apr(self) -> Decimal:
        return self.short_funding_apr + self.short_borrowing_apr

    @property
    def can_reduce(self) -> bool:
        """Takes decreases and closes now: when open, or close-only within its trading hours."""
        return self.open or (self.trading == "close-only" and self.hours_open)

    def as_json(self) -> dict[str, Any]:
        return {
            "venue": self.venue, "market": self.market, "asset": self.asset, "asset_class": self.asset_class,
            "price": fmt(self.price), "short_funding_apr": fmt(self.short_funding_apr),
            "short_borrowing_apr": fmt(self.short_borrowing_apr), "short_carry_apr": fmt(self.short_carry_apr),
            "long_oi_usd": fmt(self.long_oi_usd), "short_oi_usd": fmt(self.short_oi_usd),
            "available_short_liquidity_usd": fmt(self.available_short_liquidity_usd),
            "max_leverage": fmt(self.max_leverage), "open": self.open,
            "can_reduce": self.can_reduce, "position_fee_rate": fmt(self.position_fee_rate),
            "min_size_usd": fmt(self.min_size_usd), "price_stale": self.price_stale,
            "market_name": self.market_name, "index_token": self.index_token, "long_token": self.long_token,
            "short_token": self.short_token, "collateral_tokens": list(self.collateral_symbols),
        }


@dataclass(frozen=True, slots=True)
class MarginChange:
    """A position after a margin change, as its venue would compute its liquidation price."""

    collateral_delta_raw: int            # collateral the venue pulls (token base units; gTrade: at a storable leverage)
    liquidation_price: Decimal | None    # None: no positive price liquidates it
    leverage: Decimal | None = None      # gTrade: the trade's leverage after the change (0.001x steps)


class MarginModel(Protocol):
    """A live position's liquidation price as a pure function of a change to it, in the venue's own formula
    (GMX ``PositionUtils.isPositionLiquidatable``, gTrade ``getTradeLiquidationPrice``): what
    ``hedge.margin`` inverts to size a collateral top-up or a reduction."""

    @property
    def collateral_decimals(self) -> int: ...

    def add_collateral(self, amount_raw: int) -> MarginChange:
        """Add about ``amount_raw`` of collateral at the same size (GMX: a zero-size increase; gTrade:
        ``updateLeverage`` to the leverage that pulls at least it)."""
        ...

    def reduce(self, keep: Decimal) -> MarginChange:
        """Keep the fraction ``keep`` of the size, the collateral staying in the position."""
        ...


@dataclass(frozen=True, slots=True)
class PositionView:
    venue: str
    market: str
    asset: str
    side: str                          # "short" | "long"
    size_usd: Decimal
    size_tokens: Decimal
    collateral_token: str
    collateral_amount: Decimal
    entry_price: Decimal
    mark_price: Decimal
    pnl_usd: Decimal
    funding_fee_usd: Decimal           # owed (cost); funding earned is negative here
    borrowing_fee_usd: Decimal
    liquidation_price: Decimal | None
    liquidation_distance: Decimal | None   # fraction of mark: 0.25 = price must move 25%
    key: str = ""
    collateral_token_address: str = ""
    size_usd_e30: int = 0              # GMX: the position's sizeInUsd (1e30 USD); 0 on gTrade
    size_collateral_raw: int = 0       # gTrade: collateral x leverage, in the collateral token's units; 0 on GMX
    collateral_value_usd: Decimal = Decimal(0)     # the collateral valued at its token's price (never assumed $1)
    price_stale: bool = False          # the mark comes from a feed older than its heartbeat (chain.freshness)
    # what the position is worth, in USD (collateral valued at its price); None: the venue did not say
    net_pnl_usd: Decimal | None = None         # the venue's own uPnL: PnL after impact - pending fees + realised
    close_value_usd: Decimal | None = None     # what a full close now returns (>= 0), all fees of the close paid
    closing_fee_usd: Decimal | None = None     # the position fee of a full close now
    realized_trading_fees_usd: Decimal = Decimal(0)   # gTrade: trading fees already charged against the trade
    realized_pnl_usd: Decimal = Decimal(0)     # gTrade: PnL already realised into the trade (holding fees at resizes)
    claimable_funding_usd: Decimal = Decimal(0)   # GMX: funding earned, claimable apart from the close
    size_tokens_raw: int = 0           # GMX: the position's sizeInTokens (index-token units); 0 on gTrade
    pending_impact_amount_raw: int = 0  # GMX: its pendingImpactAmount (index-token units, signed); 0 on gTrade
    # its liquidation price after a margin change, by the venue's formula (None: the venue could not say)
    margin: MarginModel | None = field(default=None, compare=False, repr=False)

    def as_json(self) -> dict[str, Any]:
        def opt(v: Decimal | None) -> str | None:
            return None if v is None else fmt(v)

        return {
            "venue": self.venue, "market": self.market, "asset": self.asset, "side": self.side,
            "size_usd": fmt(self.size_usd), "size_tokens": fmt(self.size_tokens),
            "collateral_token": self.collateral_token, "collateral_amount": fmt(self.collateral_amount),
            "collateral_value_usd": fmt(self.collateral_value_usd),
            "entry_price": fmt(self.entry_price), "mark_price": fmt(self.mark_price), "pnl_usd": fmt(self.pnl_usd),
            "funding_fee_usd": fmt(self.funding_fee_usd), "borrowing_fee_usd": fmt(self.borrowing_fee_usd),
            "liquidation_price": None if self.liquidation_price is None else fmt(self.liquidation_price),
            "liquidation_distance": None if self.liquidation_distance is None else fmt(self.liquidation_distance),
            "price_stale": self.price_stale,
            "net_pnl_usd": opt(self.net_pnl_usd), "close_value_usd": opt(self.close_value_usd),
            "closing_fee_usd": opt(self.closing_fee_usd),
            "realized_trading_fees_usd": fmt(self.realized_trading_fees_usd),
            "realized_pnl_usd": fmt(self.realized_pnl_usd), "claimable_funding_usd": fmt(self.claimable_funding_usd),
        }


@dataclass(frozen=True, slots=True)
class PendingOrderView:
    venue: str
    key: str
    type: str
    asset: str
    size_delta_usd: Decimal
    created_at: int
    market: str = ""
    trigger_price: Decimal | None = None
    frozen: bool = False
    expired: bool = False          # past the venue's timeout unanswered: cancel it for a refund (gTrade)

    def as_json(self) -> dict[str, Any]:
        return {"venue": self.venue, "key": self.key, "type": self.type, "asset": self.asset,
                "size_delta_usd": fmt(self.size_delta_usd), "created_at": self.created_at, "expired": self.expired}


@dataclass(frozen=True, slots=True)
class ShortRequest:
    """What the user asked for, in human units; the adapter turns it into raw amounts."""

    asset: str
    size_delta_usd: Decimal            # > 0 increase, < 0 decrease
    collateral_symbol: str = "USDC"
    collateral_amount: Decimal | None = None
    leverage: Decimal | None = None
    max_slippage: Decimal = Decimal("0.005")
    stop_loss_price: Decimal | None = None
    close: bool = False
    force: bool = False                # send even when the venue's market is closed (the order will time out)
    market: str | None = None          # GMX: the market token to trade (None: the adapter chooses, see its docs)
    keep_collateral: bool = False      # a decrease that leaves the collateral in (gTrade: by leverage, not collateral)


@dataclass
class OrderPlan:
    """What a venue will do for one request, and the unsigned transactions that do it."""

    venue: str
    action: str                        # open | increase | decrease | close
    asset: str
    market: str
    size_delta_usd: Decimal
    collateral_symbol: str
    collateral_amount: Decimal
    acceptable_price: Decimal
    index_price: Decimal
    execution_fee_eth: Decimal
    txs: list[UnsignedTx] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    position_fee_usd: Decimal | None = None    # the venue's fee on this order (None: not estimated)
    closing_fee_usd: Decimal | None = None     # what closing the resulting position would cost at today's price

    def as_json(self) -> dict[str, Any]:
        return {"venue": self.venue, "action": self.action, "asset": self.asset, "market": self.market,
                "position_fee_usd": None if self.position_fee_usd is None else fmt(self.position_fee_usd),
                "closing_fee_usd": None if self.closing_fee_usd is None else fmt(self.closing_fee_usd),
                "size_delta_usd": fmt(self.size_delta_usd), "collateral_token": self.collateral_symbol,
                "collateral_amount": fmt(self.collateral_amount), "index_price": fmt(self.index_price),
                "acceptable_price": fmt(self.acceptable_price), "execution_fee_eth": fmt(self.execution_fee_eth),
                "transactions": [{"to": t.to, "value_wei": str(t.value), "kind": t.kind,
                                  "description": t.description} for t in self.txs],
                "notes": self.notes}


class CreatedOrder(NamedTuple):
    """An order a mined transaction created: its venue key, and whether it waits for a trigger price."""

    key: str
    waits_for_trigger: bool


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    """Where an order ended (or that it has not yet): read from the venue's events."""

    status: OrderStatus
    key: str
    reason: str = ""
    error_name: str = ""
    tx_hash: str = ""


@dataclass(frozen=True, slots=True)
class LiquidationQuote:
    """Where a new short would be liquidated, as the venue computes it (gTrade: ``getTradeLiquidationPrice``
    with ``beforeOpened``; GMX: its liquidation formula), for a planned leverage at the current price."""

    venue: str
    asset: str
    leverage: Decimal
    liquidation_price: Decimal
    distance: Decimal                  # fraction of the current price the price must rise to liquidate


# (token, spender), lower case -> the allowance as the next step of a run will find it on chain
Allowances = dict[tuple[str, str], int]


def approval_needed(allowances: Allowances | None, token: str, spender: str, onchain: int, amount: int) -> bool:
    """Whether a step that pulls ``amount`` of ``token`` through ``spender`` must approve it first. ``allowances``
    carries the allowance through the steps of one run (an earlier step's approval replaces what was there, and
    its pull uses it up), so a later step never relies on an allowance an earlier one consumed; it is updated
    with what this step leaves. None: a single step, judged by the on-chain allowance alone."""
    key = (token.lower(), spender.lower())
    current = onchain if allowances is None or key not in allowances else allowances[key]
    needed = current < amount
    if allowances is not None:
        allowances[key] = (amount if needed else current) - amount
    return needed


@dataclass(frozen=True, slots=True)
class KeeperAction:
    """What playing the venue's keeper (GMX ORDER_KEEPER, gTrade oracle nodes) did for one pending order."""

    key: str
    executed: bool
    tx_hashes: tuple[str, ...] = ()
    note: str = ""


def read_warnings(venue: object) -> list[str]:
    """What a venue's last positions read could not show (GMX: a line per position in a market hedgefi cannot
    price, left out of the positions); empty for a venue that never leaves one out."""
    return list(getattr(venue, "read_warnings", ()))


class Venue(Protocol):
    """One perp venue: reads, unsigned transactions, and following an order after it is sent.

    ``fetch_*`` call the chain; ``*_reader`` are the same reads as ``chain.readplan`` readers, for a command
    that runs several venues' reads together (``venues.gather``); ``state_reader`` reads markets and
    positions off one snapshot; ``liquidation_reader`` where new shorts at the given leverages (per asset;
``"*"`` for every asset the venue trades) would be liquidated, in two stages. ``last_block`` is the block of the last fetch or finished reader;
    ``owns_order_key`` and ``errors`` are local. ``play_keeper`` only works on a local chain (devnet or fork)."""

    @property
    def capabilities(self) -> VenueCapabilities: ...
    @property
    def name(self) -> str: ...
    @property
    def errors(self) -> ErrorDecoder: ...
    @property
    def last_block(self) -> int: ...

    def fetch_verify(self) -> None: ...
    def fetch_markets(self) -> list[MarketQuote]: ...
    def fetch_positions(self, account: str) -> tuple[list[PositionView], list[PendingOrderView]]: ...
    def markets_reader(self) -> Reader[list[MarketQuote]]: ...
    def positions_reader(self, account: str) -> Reader[tuple[list[PositionView], list[PendingOrderView]]]: ...
    def state_reader(self, account: str
                     ) -> Reader[tuple[list[MarketQuote], list[PositionView], list[PendingOrderView]]]: ...
    def liquidation_reader(self, leverages: Mapping[str, Sequence[Decimal]]) -> Reader[list[LiquidationQuote]]: ...
    def plan_short(self, account: str, req: ShortRequest, *, existing: PositionView | None = None,
                   allowances: Allowances | None = None) -> OrderPlan: ...
    def plans_reader(self, account: str, reqs: Sequence[tuple[ShortRequest, PositionView | None]],
                     gas_price: Slot[Any]) -> Reader[None]:
        """Read, in one stage beside other readers, what ``plan_short`` will need for ``reqs`` (after this
        venue's ``state_reader`` ran), so that planning them reads nothing more; ``gas_price``: the batch's
        ``eth_gasPrice`` answer."""
        ...
    def plan_add_collateral(self, account: str, existing: PositionView, amount_raw: int, *,
                            leverage: Decimal | None = None, allowances: Allowances | None = None) -> OrderPlan: ...
    def build_cancel(self, account: str, order_key: str) -> list[UnsignedTx]: ...
    def owns_order_key(self, key: str) -> bool: ...
    def order_keys(self, receipt: Receipt) -> list[CreatedOrder]: ...
    def wait_outcome(self, key: str, from_block: int, timeout_s: float = 30.0) -> OrderOutcome: ...
    def play_keeper(self, account: str | None = None, order_keys: list[str] | None = None) -> list[KeeperAction]: ...


__all__ = ["MarginChange", "MarginModel", "Allowances", "approval_needed", "read_warnings", "VenueCapabilities", "MarketQuote", "PositionView", "PendingOrderView", "UnsignedTx", "ShortRequest",
           "OrderPlan", "Venue", "TradingState", "OrderStatus", "Receipt", "CreatedOrder", "OrderOutcome",
           "KeeperAction", "LiquidationQuote"]
