"""GMX's liquidation price for a position, as ``PositionUtils.isPositionLiquidatable(forLiquidation=true)``
decides it (reference §0): a pure function of the Reader's PositionInfo and four DataStore values.

A position is liquidatable when its remaining collateral falls below
``max(MIN_COLLATERAL_USD, sizeInUsd x MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION)``, where

    remaining(P) = collateral(P) + pnl(P) + impact - costs
    collateral(P) = collateralAmount x (P if the collateral is the index token, else its min price)
    pnl(P)        = sizeInTokens x P - sizeInUsd (long), sizeInUsd - sizeInTokens x P (short)
    impact        = closing the whole size now: the Reader's priceImpactUsd plus the pending impact
                    (pendingImpactAmount at the index min price if positive, max if negative), counted only
                    when negative and no worse than -sizeInUsd x MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS
    costs         = pending funding (fundingFeeAmount at the collateral's min price) + pending borrowing
                    + the closing position fee (sizeInUsd x POSITION_FEE_FACTOR(market, balanceWasImproved=false))

Claimable funding is **not** collateral (GMX pays it out separately; it cannot keep a position alive), and
the liquidation fee is not a cost (GMX leaves it out of the check). Fees and impact are valued at today's
prices, as GMX's SDK (``getLiquidationPrice``) does. The answer is the index price per smallest unit x 1e30
at which ``remaining`` meets the threshold, rounded toward zero (as the SDK's bigint division), or None
when no positive price liquidates the position.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hedgefi.core.units import CONTEXT
from hedgefi.venues.base import MarginChange
from hedgefi.venues.gmx.constants import FLOAT

if TYPE_CHECKING:
    from hedgefi.chain.multicall import Call, CallResult


@dataclass(frozen=True, slots=True)
class LiquidationParams:
    """The market's and GMX's liquidation settings (DataStore, 1e30 factors and USD)."""

    min_collateral_factor_for_liquidation: int
    max_position_impact_factor_for_liquidations: int
    closing_fee_factor: int          # POSITION_FEE_FACTOR(market, false)
    min_collateral_usd_raw: int


@dataclass(frozen=True, slots=True)
class LiquidationInputs:
    """One position, in the Reader's raw units."""

    is_long: bool
    size_usd_e30: int
    size_tokens_raw: int
    collateral_raw: int
    collateral_price_min_e30: int
    collateral_is_index: bool
    funding_fee_amount_raw: int      # collateral-token units owed (PositionFees.funding.fundingFeeAmount)
    borrowing_fee_usd_raw: int
    close_impact_usd_raw: int        # ExecutionPriceResult.priceImpactUsd for closing the whole size
    pending_impact_amount_raw: int   # Position.Numbers.pendingImpactAmount (index-token units, signed)
    index_price_min_e30: int
    index_price_max_e30: int


def apply_factor(value: int, factor: int) -> int:
    return value * factor // FLOAT


def liquidation_impact_usd(x: LiquidationInputs, p: LiquidationParams) -> int:
    """The price impact the check counts: never positive, capped below at the liquidation factor."""
    pending_price = x.index_price_min_e30 if x.pending_impact_amount_raw > 0 else x.index_price_max_e30
    total = x.close_impact_usd_raw + x.pending_impact_amount_raw * pending_price
    floor = -apply_factor(x.size_usd_e30, p.max_position_impact_factor_for_liquidations)
    return 0 if total > 0 else max(total, floor)


def liquidation_costs_usd(x: LiquidationInputs, p: LiquidationParams) -> int:
    return (x.funding_fee_amount_raw * x.collateral_price_min_e30 + x.borrowing_fee_usd_raw
            + apply_factor(x.size_usd_e30, p.closing_fee_factor))


def required_collateral_usd(x: LiquidationInputs, p: LiquidationParams) -> int:
    return max(p.min_collateral_usd_raw, apply_factor(x.size_usd_e30, p.min_collateral_factor_for_liquidation))


def remaining_collateral_usd(x: LiquidationInputs, p: LiquidationParams, index_price_e30: int) -> int:
    """``remaining(P)`` of the module docstring at index price ``P`` (per smallest unit x 1e30)."""
    coll = x.collateral_raw * (index_price_e30 if x.collateral_is_index else x.collateral_price_min_e30)
    value = x.size_tokens_raw * index_price_e30
    pnl = value - x.size_usd_e30 if x.is_long else x.size_usd_e30 - value
    return coll + pnl + liquidation_impact_usd(x, p) - liquidation_costs_usd(x, p)


def liquidation_price_e30(x: LiquidationInputs, p: LiquidationParams) -> int | None:
    """The index price (per smallest unit x 1e30) at which the position becomes liquidatable, or None."""
    if x.size_usd_e30 <= 0 or x.size_tokens_raw <= 0:
        return None
    sign = 1 if x.is_long else -1
    # remaining(P) = slope x P + const
    slope = sign * x.size_tokens_raw + (x.collateral_raw if x.collateral_is_index else 0)
    const = ((0 if x.collateral_is_index else x.collateral_raw * x.collateral_price_min_e30) - sign * x.size_usd_e30
             + liquidation_impact_usd(x, p) - liquidation_costs_usd(x, p))
    if slope == 0:
        return None
    num = required_collateral_usd(x, p) - const
    price = abs(num) // abs(slope) * (1 if (num >= 0) == (slope > 0) else -1)   # toward zero
    return price if price > 0 else None


@dataclass(frozen=True, slots=True)
class GmxMargin:
    """``venues.base.MarginModel`` for one GMX position: ``liquidation_price_e30`` of the position changed.

    * add collateral (a MarketIncrease with sizeDeltaUsd 0): the collateral grows by the amount; the pending
      funding and borrowing the increase settles leave the collateral and the costs alike, so only the
      collateral term moves (no position fee on a zero size, no close impact change).
    * reduce to ``keep`` of the size (a MarketDecrease, no collateral withdrawn): size, tokens and impacts
      scale by ``keep``; the collateral pays the slice's loss at the mark, its closing fee and the pending
      funding and borrowing (which leave the costs); a profit is paid out, not kept (``DecreasePositionUtils``).
    """

    inputs: LiquidationInputs
    params: LiquidationParams
    index_decimals: int
    collateral_decimals: int

    def _human(self, x: LiquidationInputs) -> Decimal | None:
        e30 = liquidation_price_e30(x, self.params)
        return None if e30 is None else CONTEXT.divide(Decimal(e30) * Decimal(10) ** self.index_decimals,
                                                       Decimal(FLOAT))

    def add_collateral(self, amount_raw: int) -> MarginChange:
        x = replace(self.inputs, collateral_raw=self.inputs.collateral_raw + amount_raw)
        return MarginChange(amount_raw, self._human(x))

    def reduce(self, keep: Decimal) -> MarginChange:
        x = self.inputs
        scale = 10**9
        k = int((keep * scale).to_integral_value())
        size, tokens = x.size_usd_e30 * k // scale, x.size_tokens_raw * k // scale
        cut_usd, cut_tokens = x.size_usd_e30 - size, x.size_tokens_raw - tokens
        price = x.index_price_max_e30 if not x.is_long else x.index_price_min_e30
        pnl = cut_tokens * price - cut_usd if x.is_long else cut_usd - cut_tokens * price
        paid = max(0, -pnl) + apply_factor(cut_usd, self.params.closing_fee_factor) \
            + x.funding_fee_amount_raw * x.collateral_price_min_e30 + x.borrowing_fee_usd_raw
        cp = x.collateral_price_min_e30 or 1
        coll = max(0, x.collateral_raw - -(-paid // cp))
        after = replace(x, size_usd_e30=size, size_tokens_raw=tokens, collateral_raw=coll, funding_fee_amount_raw=0,
                        borrowing_fee_usd_raw=0, close_impact_usd_raw=x.close_impact_usd_raw * k // scale,
                        pending_impact_amount_raw=x.pending_impact_amount_raw * k // scale)
        return MarginChange(0, self._human(after))


# ------------------------------------------------------------------ wiring to the Reader's answers
def market_calls(data_store: str, market: str) -> list["Call"]:
    """The DataStore reads ``market_params`` decodes, for one market (no I/O here)."""
    from hedgefi.chain.abi import encode_call
    from hedgefi.chain.multicall import Call
    from hedgefi.venues.gmx import keys

    return [Call(data_store, encode_call("getUint(bytes32)", ["bytes32"], [k])) for k in (
        keys.min_collateral_factor_for_liquidation_key(market),
        keys.max_position_impact_factor_for_liquidations_key(market),
        keys.position_fee_factor_key(market, False))]


CALLS_PER_MARKET = 3


def market_params(markets: list[str], results: list["CallResult"], min_collateral_usd_raw: int
                  ) -> dict[str, LiquidationParams]:
    """``{market (lower case): LiquidationParams}`` from ``market_calls``' answers, in ``markets``' order."""
    from hedgefi.chain.abi import decode

    def u(r: "CallResult") -> int:
        return int(decode(["uint256"], r.data)[0]) if r.ok else 0

    out = {}
    for i, m in enumerate(markets):
        r = results[i * CALLS_PER_MARKET:(i + 1) * CALLS_PER_MARKET]
        out[m.lower()] = LiquidationParams(u(r[0]), u(r[1]), u(r[2]), min_collateral_usd_raw)
    return out


def inputs_from_position_info(info: dict[str, Any], collateral_price_min_e30: int, collateral_is_index: bool,
                              index_price_min_e30: int, index_price_max_e30: int) -> LiquidationInputs:
    """The inputs, from one decoded ``Reader.getAccountPositionInfoList`` item (either release's layout)."""
    n = info["position"]["numbers"]
    fees = info["fees"]
    return LiquidationInputs(
        is_long=bool(info["position"]["flags"]["isLong"]), size_usd_e30=int(n["sizeInUsd"]),
        size_tokens_raw=int(n["sizeInTokens"]), collateral_raw=int(n["collateralAmount"]),
        collateral_price_min_e30=collateral_price_min_e30, collateral_is_index=collateral_is_index,
        funding_fee_amount_raw=int(fees["funding"]["fundingFeeAmount"]),
        borrowing_fee_usd_raw=int(fees["borrowing"]["borrowingFeeUsd"]),
        close_impact_usd_raw=int(info["executionPriceResult"]["priceImpactUsd"]),
        pending_impact_amount_raw=int(n["pendingImpactAmount"]),
        index_price_min_e30=index_price_min_e30, index_price_max_e30=index_price_max_e30)


__all__ = ["GmxMargin", "LiquidationParams", "LiquidationInputs", "liquidation_price_e30", "remaining_collateral_usd",
           "liquidation_impact_usd", "liquidation_costs_usd", "required_collateral_usd", "market_calls",
           "market_params", "inputs_from_position_info", "CALLS_PER_MARKET"]
