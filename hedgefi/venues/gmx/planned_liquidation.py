"""Where a planned GMX short would be liquidated, by GMX's own rule (``PositionUtils.isPositionLiquidatable``;
the GMX SDK's ``getLiquidationPrice``, reference §17.3).

A short is liquidated once its remaining collateral (collateral - pending fees - the closing position fee + PnL
+ price impact) falls below ``max(MIN_COLLATERAL_USD, size x MIN_COLLATERAL_FACTOR)``. For a new short of size S
at leverage L with stablecoin collateral, the opening position fee comes off the collateral first
(``S / L - S x f``), and the close pays ``S x f`` again, so the price may rise by the fraction

    d = 1 / L - 2 f - max(MIN_COLLATERAL_USD / S, MIN_COLLATERAL_FACTOR) + impact / S

before the position is liquidatable (its PnL at a rise d is -S x d), with the factor GMX liquidates by,
``MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION`` (the same rule ``liquidation.py`` applies to an open position).
``impact`` is the price impact of the close (GMX caps a negative one at
``MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS``); hedgefi's devnet replica has none and this reader counts none
yet. Pending fees start at 0. The position fee factor is the one for an order that worsens the balance (the
larger of the two on mainnet).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Mapping, Sequence

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.multicall import Call, CallResult
from hedgefi.chain.readplan import Reader
from hedgefi.core.units import CONTEXT, money
from hedgefi.venues.base import LiquidationQuote
from hedgefi.venues.gmx import keys
from hedgefi.venues.gmx.constants import FLOAT
from hedgefi.venues.gmx.deployment import GmxDeployment
from hedgefi.venues.gmx.reads import GmxMarket, Snapshot, human_price, snapshot_reader

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

PROBE_USD = 100_000
DIST_Q = Decimal("0.000001")
PRICE_Q = Decimal("0.00000001")


@money
def short_liquidation_distance(leverage: Decimal, position_fee_factor: int, min_collateral_factor: int,
                               min_collateral_usd: int, size_usd_e30: int, impact_usd_e30: int = 0) -> Decimal:
    """The module docstring's ``d`` for a new short (factors and USD in GMX's 1e30)."""
    f = CONTEXT.divide(Decimal(position_fee_factor), Decimal(FLOAT))
    required = max(CONTEXT.divide(Decimal(min_collateral_usd), Decimal(size_usd_e30)),
                   CONTEXT.divide(Decimal(min_collateral_factor), Decimal(FLOAT)))
    impact = CONTEXT.divide(Decimal(impact_usd_e30), Decimal(size_usd_e30))
    return CONTEXT.divide(Decimal(1), leverage) - 2 * f - required + impact


def _uint(r: CallResult) -> int:
    return int(decode(["uint256"], r.data)[0]) if r.ok else 0


def liquidation_reader(conn: "Connection", d: GmxDeployment, leverages: Mapping[str, Sequence[Decimal]]
                       ) -> Reader[list[LiquidationQuote]]:
    """Liquidation price and distance of a new short per (asset, leverage) asked (``"*"``: every market),
    on the asset's first market (the one ``plan_short`` trades)."""
    get = "getUint(bytes32)"
    snap = yield from snapshot_reader(conn, d, [Call(d.data_store, encode_call(get, ["bytes32"], [
        keys.name_key("MIN_COLLATERAL_USD")]))])
    markets: list[tuple[GmxMarket, Sequence[Decimal]]] = []
    for m in snap.markets:
        levs = leverages.get(m.asset.upper(), leverages.get("*", ()))
        if levs and all(x.asset != m.asset for x, _ in markets):
            markets.append((m, levs))
    if not markets:
        return []
    calls = []
    for m, _ in markets:
        calls += [Call(d.data_store, encode_call(get, ["bytes32"], [keys.min_collateral_factor_for_liquidation_key(m.key)])),
                  Call(d.data_store, encode_call(get, ["bytes32"], [keys.position_fee_factor_key(m.key, False)]))]
    r = yield calls
    return _quotes(snap, markets, r, _uint(snap.extra[0]))


@money
def _quotes(snap: Snapshot, markets: list[tuple[GmxMarket, Sequence[Decimal]]], r: list[CallResult],
            min_collateral_usd: int) -> list[LiquidationQuote]:
    out = []
    for n, (m, levs) in enumerate(markets):
        price = human_price(snap.prices_e30[m.index_token.lower()], m.index_decimals)
        for lev in levs:
            if lev <= 0:
                continue
            dist = short_liquidation_distance(lev, _uint(r[2 * n + 1]), _uint(r[2 * n]), min_collateral_usd,
                                              PROBE_USD * FLOAT)
            out.append(LiquidationQuote("gmx", m.asset, lev, (price * (1 + dist)).quantize(PRICE_Q),
                                        dist.quantize(DIST_Q)))
    return out


__all__ = ["liquidation_reader", "short_liquidation_distance"]
