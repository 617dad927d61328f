"""Deploying the gTrade v10 replica (one diamond address) on the devnet, listing pairs, and seeding it.

Oracle nodes are anvil accounts #5, #6 and #7 (``getMinAnswers() = 2``); the devnet keeper answers as
them. Collateral 1 is WETH (listed but inactive here) and 2 is USDC, so nothing may assume an index.
Pairs against USD: BTC, ETH (crypto), EUR (forex), XAU (commodities), SPY (index) and NVDA (stock),
each with an open-interest cap, a funding rate and a borrowing rate. Seed traders (#1 long, #2 short)
open real trades through the request-and-fulfil path, so open interest is not zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hedgefi.wallet.devkeys import DEV_ADDRESSES
from hedgefi.chain.manifest import Manifest
from hedgefi.core.resources import Artifact, artifacts
from hedgefi.core.units import to_raw
from hedgefi.sim.devclient import DevClient

ORACLE_INDICES = (5, 6, 7)
MIN_ANSWERS = 2
VAULT_USDC = Decimal("50000000")            # pre-funded PnL liquidity (stands in for the gToken vault)
USDC_INDEX, WETH_INDEX = 2, 1
TIMEOUT_BLOCKS = 100
SECONDS_PER_YEAR = 31_536_000

# Velocity funding (FundingFeesUtils), mainnet-like: $100k of net skew moves the rate by 5% APR a day, at most
# 25% APR a day; the rate is capped at +/-200% APR and stays put while the net skew is under $10k.
FUNDING_VELOCITY_APR_PCT_PER_DAY_PER_100K_USD = Decimal(5)
FUNDING_VELOCITY_CAP_APR_PCT_PER_DAY = Decimal(25)
FUNDING_RATE_CAP_APR_PCT = Decimal(200)
FUNDING_THETA_USD = 10_000
APR_MULTIPLIER_PAIRS = frozenset({"ETH"})   # the earning side's APR scales with the OI ratio on these pairs
# Skew price impact: (net skew + size / 2) / depth / 2 percent, with a depth worth $10M on every pair
# (a $200k net skew moves the fill by 1 bp)
SKEW_DEPTH_USD = Decimal(10_000_000)

# group index (mainnet numbering, reference §8) -> (name, min leverage x1e3, max leverage x1e3)
GROUPS: dict[int, tuple[str, int, int]] = {0: ("crypto", 1100, 150_000), 1: ("forex", 1100, 250_000),
                                           2: ("stocks", 1100, 50_000), 5: ("indices", 1100, 100_000),
                                           6: ("commodities", 1100, 250_000)}


@dataclass(frozen=True, slots=True)
class LiquidationParams:
    """A group's GroupLiquidationParams: the liquidation PnL threshold falls linearly from `start_threshold_pct`
    at `start_leverage` to `end_threshold_pct` at `end_leverage`; the liquidation spread is half the pair's
    spread capped at `max_liq_spread_pct`."""
    max_liq_spread_pct: Decimal
    start_threshold_pct: Decimal
    end_threshold_pct: Decimal
    start_leverage: Decimal
    end_leverage: Decimal

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        """(maxLiqSpreadP, startLiqThresholdP, endLiqThresholdP: 1e10 percent; startLeverage, endLeverage: 1e3)."""
        return (int(self.max_liq_spread_pct * 10**10), int(self.start_threshold_pct * 10**10),
                int(self.end_threshold_pct * 10**10), int(self.start_leverage * 1000), int(self.end_leverage * 1000))


# Mainnet-like: -90% up to 10x (25x on forex and commodities), easing to -50% at the group's top leverage
# (crypto: 100x). The crypto figures give the distances issue #15 measured with the official SDK: 19.86% for
# a 4.5x ETH short, 1.28% for a 50x one carrying 7% of its collateral in fees (-72.2% threshold at 50x).
LIQUIDATION: dict[int, LiquidationParams] = {
    0: LiquidationParams(Decimal("0.05"), Decimal(90), Decimal(50), Decimal(10), Decimal(100)),
    1: LiquidationParams(Decimal("0.05"), Decimal(90), Decimal(50), Decimal(25), Decimal(250)),
    2: LiquidationParams(Decimal("0.05"), Decimal(90), Decimal(50), Decimal(10), Decimal(50)),
    5: LiquidationParams(Decimal("0.05"), Decimal(90), Decimal(50), Decimal(10), Decimal(100)),
    6: LiquidationParams(Decimal("0.05"), Decimal(90), Decimal(50), Decimal(25), Decimal(250)),
}


@dataclass(frozen=True, slots=True)
class PairSpec:
    asset: str
    group: int
    spread_pct: Decimal          # full spread, percent
    fee_pct: Decimal             # opening/closing fee, percent of size
    max_oi_usdc: Decimal
    funding_apr_pct: Decimal     # > 0: longs pay, shorts earn (the rate's sign on gTrade)
    borrowing_apr_pct: Decimal
    seed_long_usd: Decimal
    seed_short_usd: Decimal


PAIRS: tuple[PairSpec, ...] = (
    PairSpec("BTC", 0, Decimal("0.04"), Decimal("0.06"), Decimal("20000000"), Decimal("-6"), Decimal("9"),
             Decimal("200000"), Decimal("350000")),
    PairSpec("ETH", 0, Decimal("0.04"), Decimal("0.06"), Decimal("20000000"), Decimal("4"), Decimal("12"),
             Decimal("500000"), Decimal("300000")),
    PairSpec("EUR", 1, Decimal("0.01"), Decimal("0.03"), Decimal("5000000"), Decimal("3"), Decimal("2"),
             Decimal("400000"), Decimal("250000")),
    PairSpec("XAU", 6, Decimal("0.02"), Decimal("0.03"), Decimal("3000000"), Decimal("5"), Decimal("3"),
             Decimal("300000"), Decimal("150000")),
    PairSpec("SPY", 5, Decimal("0.02"), Decimal("0.04"), Decimal("2000000"), Decimal("6"), Decimal("4"),
             Decimal("250000"), Decimal("100000")),
    PairSpec("NVDA", 2, Decimal("0.05"), Decimal("0.08"), Decimal("1000000"), Decimal("-5"), Decimal("6"),
             Decimal("100000"), Decimal("160000")),
)


def gtrade_artifacts() -> dict[str, Artifact]:
    """The shipped compiled contracts (``hedgefi/_data/artifacts/gtrade``)."""
    return artifacts("gtrade")


def _pct_e10(pct: Decimal) -> int:
    return int(pct * 10**10)


def funding_rate_e18(apr_pct: Decimal) -> int:
    """A yearly percent to the diamond's 1e18-percent-per-second rate."""
    return int(apr_pct * 10**18 / SECONDS_PER_YEAR)


def borrowing_rate_e10(apr_pct: Decimal) -> int:
    return int(apr_pct * 10**10 / SECONDS_PER_YEAR)


def _velocity_per_year_pct(apr_pct_per_day: Decimal) -> Decimal:
    """A rate change of ``apr_pct_per_day`` (APR percent a day) as percent-per-second per year."""
    return apr_pct_per_day / SECONDS_PER_YEAR * 365


def funding_params(price_usd: Decimal) -> tuple[int, int, int, int]:
    """(skewCoefficientPerYear 1e26 per token, absoluteVelocityPerYearCap 1e7, absoluteRatePerSecondCap 1e10,
    thetaThresholdUsd) for a pair priced ``price_usd``: the coefficient is per token, so the USD sensitivity
    is the same on every pair."""
    per_usd = _velocity_per_year_pct(FUNDING_VELOCITY_APR_PCT_PER_DAY_PER_100K_USD) / 100_000
    return (int(per_usd * price_usd * 10**26), int(_velocity_per_year_pct(FUNDING_VELOCITY_CAP_APR_PCT_PER_DAY) * 10**7),
            int(FUNDING_RATE_CAP_APR_PCT * 10**10 / SECONDS_PER_YEAR), FUNDING_THETA_USD)


def deploy_gtrade(dev: DevClient, manifest: Manifest) -> dict[str, str]:
    """Deploy and configure the replica; returns the contract entry ("gtrade:Diamond") and records the pair
    indices in ``manifest.params`` ("gtrade:pair:<ASSET>")."""
    a = gtrade_artifacts()
    art = a["GainsDiamondReplica"]
    admin = manifest.admin_address
    oracles = [DEV_ADDRESSES[i] for i in ORACLE_INDICES]
    diamond = dev.deploy(art, oracles, MIN_ANSWERS, sender=admin)

    def call(fn: str, *args: Any) -> None:
        dev.transact(diamond, art.abi, fn, *args, sender=admin)

    weth, usdc = manifest.contracts["WETH"], manifest.contracts["USDC"]
    call("__addCollateral", weth, 18, manifest.feeds["ETH"], False)
    call("__addCollateral", usdc, 6, manifest.feeds["USDC"], True)
    for gi in range(max(GROUPS) + 1):
        name, lo, hi = GROUPS.get(gi, (f"unused-{gi}", 1100, 2000))
        call("__addGroup", name, lo, hi)
        if gi in LIQUIDATION:
            call("__setGroupLiquidationParams", gi, LIQUIDATION[gi].as_tuple())
    from hedgefi.venues.gtrade.keeper import feed_price_e10

    out = {"gtrade:Diamond": diamond}
    for i, p in enumerate(PAIRS):
        _, lo, hi = GROUPS[p.group]
        call("__listPair", p.asset, "USD", p.group, _pct_e10(p.spread_pct), _pct_e10(p.fee_pct), lo, hi, 10**18)
        call("__setMarket", USDC_INDEX, i, to_raw(p.max_oi_usdc, 6), 0, funding_rate_e18(p.funding_apr_pct),
             borrowing_rate_e10(p.borrowing_apr_pct), p.asset in APR_MULTIPLIER_PAIRS)
        price_usd = Decimal(feed_price_e10(manifest.rpc_url, manifest.feeds[p.asset])) / 10**10
        call("__setFundingParams", USDC_INDEX, i, *funding_params(price_usd))
        call("__setSkewDepth", USDC_INDEX, i, int(SKEW_DEPTH_USD / price_usd * 10**18))
        manifest.params[f"gtrade:pair:{p.asset}"] = str(i)
    call("__setTimeoutBlocks", TIMEOUT_BLOCKS)
    token_abi = _token_abi()
    dev.transact(usdc, token_abi, "mint", diamond, to_raw(VAULT_USDC, 6), sender=admin)
    return out


def _token_abi() -> list[dict[str, Any]]:
    from hedgefi.sim.deploy import devnet_artifacts

    return devnet_artifacts()["DevToken"].abi


def seed_gtrade_positions(dev: DevClient, manifest: Manifest) -> None:
    """Seed traders open a long and a short on every pair through openTrade, answered by the oracles."""
    from hedgefi.venues.gtrade.constants import leverage_e3
    from hedgefi.venues.gtrade.deployment import deployment_for
    from hedgefi.venues.gtrade.keeper import Fulfiller, feed_price_e10, feeds_of
    from hedgefi.venues.gtrade.orders import open_trade_tx, trade_tuple

    profile = manifest.profile()
    d = deployment_for(profile)
    usdc = manifest.contracts["USDC"]
    token_abi = _token_abi()
    longer, shorter = DEV_ADDRESSES[1], DEV_ADDRESSES[2]
    for i, p in enumerate(PAIRS):
        price = feed_price_e10(manifest.rpc_url, manifest.feeds[p.asset])
        for trader, is_long, size in ((longer, True, p.seed_long_usd), (shorter, False, p.seed_short_usd)):
            collateral = to_raw(size / 5, 6)
            dev.transact(usdc, token_abi, "mint", trader, collateral, sender=manifest.admin_address)
            dev.transact(usdc, token_abi, "approve", d.diamond, collateral, sender=trader)
            trade = trade_tuple(trader, i, leverage_e3(Decimal(5)), USDC_INDEX, collateral, price, long=is_long)
            tx = open_trade_tx(d.diamond, trade, 1000, "seed")
            dev.send({"from": trader, "to": tx.to, "data": tx.data, "gas": 3_000_000},
                     f"seed the gTrade {p.asset} pair")
    results = Fulfiller(manifest.rpc_url, d, feeds_of(profile)).run_once(respect_hours=False)
    if len(results) != 2 * len(PAIRS) or not all(r.executed for r in results):
        raise RuntimeError(f"the oracles could not fulfil the gTrade seed orders: {results}")


__all__ = ["PAIRS", "GROUPS", "LIQUIDATION", "LiquidationParams", "deploy_gtrade", "seed_gtrade_positions", "gtrade_artifacts", "ORACLE_INDICES",
           "MIN_ANSWERS", "USDC_INDEX", "TIMEOUT_BLOCKS", "funding_rate_e18", "borrowing_rate_e10", "funding_params"]
