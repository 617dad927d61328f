"""Deploying the GMX v2 replica on the devnet, configuring it under GMX's DataStore keys, and seeding it.

Roles as on mainnet: ExchangeRouter holds CONTROLLER and ROUTER_PLUGIN, OrderHandler holds CONTROLLER,
the devnet keeper (anvil account #8) holds ORDER_KEEPER. Markets ETH/USD [WETH-USDC], BTC/USD [WBTC-USDC],
ARB/USD [ARB-USDC] and LINK/USD [LINK-USDC] get pool liquidity, and seed traders open real long and short
positions through the ExchangeRouter (executed by the keeper), so open interest and funding are not zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hedgefi.wallet.devkeys import DEV_ADDRESSES, KEEPER_INDEX
from hedgefi.sim.deploy import FEED_DECIMALS
from hedgefi.chain.manifest import Manifest
from hedgefi.core.resources import Artifact, artifacts
from hedgefi.core.units import to_raw
from hedgefi.sim.devclient import DevClient

F = 10**30


def _f(x: str) -> int:
    """A 1e30 factor from a decimal string."""
    return int(Decimal(x) * F)


@dataclass(frozen=True, slots=True)
class MarketSpec:
    asset: str
    index_symbol: str
    long_pool: Decimal          # long-token units
    short_pool_usdc: Decimal
    max_short_oi_usd: Decimal
    min_collateral_factor: str
    seed_long_usd: Decimal
    seed_short_usd: Decimal


MARKETS: tuple[MarketSpec, ...] = (
    MarketSpec("ETH", "WETH", Decimal("2000"), Decimal("8000000"), Decimal("5000000"), "0.01",
               Decimal("600000"), Decimal("400000")),
    MarketSpec("BTC", "WBTC", Decimal("100"), Decimal("6000000"), Decimal("4000000"), "0.01",
               Decimal("300000"), Decimal("500000")),
    MarketSpec("ARB", "ARB", Decimal("2000000"), Decimal("1500000"), Decimal("1000000"), "0.02",
               Decimal("100000"), Decimal("50000")),
    MarketSpec("LINK", "LINK", Decimal("100000"), Decimal("1500000"), Decimal("1000000"), "0.02",
               Decimal("50000"), Decimal("80000")),
)

GLOBAL_UINTS: dict[str, int] = {
    "MAX_DATA_LENGTH": 18,
    "MAX_CALLBACK_GAS_LIMIT": 2_000_000,
    "REQUEST_EXPIRATION_TIME": 300,
    "MAX_ORACLE_PRICE_AGE": 300,
    "MIN_COLLATERAL_USD": _f("1"),
    "MIN_POSITION_SIZE_USD": _f("10"),
    "INCREASE_ORDER_GAS_LIMIT": 3_000_000,
    "DECREASE_ORDER_GAS_LIMIT": 3_000_000,
    "SINGLE_SWAP_GAS_LIMIT": 1_000_000,
    "ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1": 600_000,
    "ESTIMATED_GAS_FEE_PER_ORACLE_PRICE": 40_000,
    "ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR": F,
}

FUNDING_FACTOR = "0.00000001"               # per second at full skew (~31.5% a year)
MAX_FUNDING_FACTOR_PER_SECOND = "0.00000001"
BORROWING_PER_SECOND = {True: "0.000000002", False: "0.0000000015"}   # ~6.3% and ~4.7% a year
POSITION_FEE_FACTOR = {False: "0.0006", True: "0.0004"}
MAX_IMPACT_FOR_LIQUIDATIONS = "0.01"


def gmx_artifacts(release: str = "v2.2c") -> dict[str, Artifact]:
    """The shipped compiled replica in ``release``'s layouts (``hedgefi/_data/artifacts/gmx``, or
    ``gmx-v2.2b``: the same sources built with the v2.2b structs)."""
    from hedgefi.venues.gmx.releases import check_release

    return artifacts("gmx" if check_release(release) == "v2.2c" else f"gmx-{release}")


class _Deployer:
    def __init__(self, dev: DevClient, manifest: Manifest, artifacts: dict[str, Artifact]) -> None:
        self.dev, self.m, self.a = dev, manifest, artifacts
        self.admin = manifest.admin_address

    def deploy(self, name: str, *args: Any) -> str:
        return self.dev.deploy(self.a[name], *args, sender=self.admin)

    def call(self, address: str, contract: str, fn: str, *args: Any, value: int = 0, sender: str | None = None) -> None:
        self.dev.transact(address, self.a[contract].abi, fn, *args, sender=sender or self.admin, value=value)


def deploy_gmx(dev: DevClient, manifest: Manifest) -> dict[str, str]:
    """Deploy and configure the replica; returns manifest contract entries ("gmx:...")."""
    from hedgefi.venues.gmx import keys

    a = gmx_artifacts(manifest.params.get("gmx:release", "v2.2c"))
    dep = _Deployer(dev, manifest, a)
    admin = dep.admin
    keeper = DEV_ADDRESSES[KEEPER_INDEX]
    role_store = dep.deploy("RoleStore")
    ds = dep.deploy("DataStore", role_store)
    emitter = dep.deploy("EventEmitter", role_store)
    router = dep.deploy("Router", role_store)
    vault = dep.deploy("OrderVault", role_store, ds)
    oracle = dep.deploy("Oracle", role_store, ds)
    handler = dep.deploy("OrderHandler", role_store, ds, emitter, vault, oracle)
    exchange_router = dep.deploy("ExchangeRouter", role_store, ds, router, emitter, handler)
    liquidation_handler = dep.deploy("LiquidationHandler", role_store, ds, oracle, handler)
    reader = dep.deploy("Reader")
    provider = dep.deploy("DevnetOracleProvider", ds)

    for account, role in ((admin, "CONTROLLER"), (exchange_router, "CONTROLLER"), (exchange_router, "ROUTER_PLUGIN"),
                          (handler, "CONTROLLER"), (keeper, "ORDER_KEEPER"),
                          (liquidation_handler, "CONTROLLER"), (keeper, "LIQUIDATION_KEEPER")):
        dep.call(role_store, "RoleStore", "grantRole", account, keys.role_key(role))

    def set_uint(k: bytes, v: int) -> None:
        dep.call(ds, "DataStore", "setUint", k, v)

    def set_address(k: bytes, v: str) -> None:
        dep.call(ds, "DataStore", "setAddress", k, v)

    weth = manifest.contracts["WETH"]
    usdc = manifest.contracts["USDC"]
    set_address(keys.name_key("WNT"), weth)
    set_address(keys.name_key("HEDGEFI_REPLICA_ORDER_HANDLER"), handler)
    for name, value in GLOBAL_UINTS.items():
        set_uint(keys.name_key(name), value)
    dep.call(ds, "DataStore", "setBool", keys.is_oracle_provider_enabled_key(provider), True)
    for t in manifest.tokens:
        if t["symbol"] == "PAXG":
            continue
        set_address(keys.oracle_provider_for_token_key(oracle, t["address"]), provider)
        set_address(keys.price_feed_key(t["address"]), t["feed"])
        set_uint(keys.price_feed_multiplier_key(t["address"]), 10 ** (60 - int(t["decimals"]) - FEED_DECIMALS))

    entries = {"gmx:RoleStore": role_store, "gmx:DataStore": ds, "gmx:EventEmitter": emitter, "gmx:Router": router,
               "gmx:OrderVault": vault, "gmx:Oracle": oracle, "gmx:OrderHandler": handler,
               "gmx:ExchangeRouter": exchange_router, "gmx:Reader": reader, "gmx:OracleProvider": provider,
               "gmx:LiquidationHandler": liquidation_handler}
    now = dev.timestamp()
    for spec in MARKETS:
        long_token = manifest.contracts[spec.index_symbol]
        market = dep.deploy("MarketToken", role_store, ds, f"GMX Market {spec.asset}/USD", long_token, long_token, usdc)
        entries[f"gmx:market:{spec.asset}/USD"] = market
        dep.call(ds, "DataStore", "addAddress", keys.name_key("MARKET_LIST"), market)
        long_dec = next(int(t["decimals"]) for t in manifest.tokens if t["symbol"] == spec.index_symbol)
        _seed_pool(dep, manifest, market, spec.index_symbol, to_raw(spec.long_pool, long_dec))
        _seed_pool(dep, manifest, market, "USDC", to_raw(spec.short_pool_usdc, 6))
        set_uint(keys.pool_amount_key(market, long_token), to_raw(spec.long_pool, long_dec))
        set_uint(keys.pool_amount_key(market, usdc), to_raw(spec.short_pool_usdc, 6))
        for is_long in (True, False):
            set_uint(keys.reserve_factor_key(market, is_long), _f("0.9"))
            set_uint(keys.open_interest_reserve_factor_key(market, is_long), _f("0.8"))
            set_uint(keys.max_open_interest_key(market, is_long), int(spec.max_short_oi_usd) * F)
            set_uint(keys.max_funding_factor_per_second_key(market, is_long), _f(MAX_FUNDING_FACTOR_PER_SECOND))
            set_uint(keys.borrowing_factor_key(market, is_long), _f(BORROWING_PER_SECOND[is_long]))
            set_uint(keys.position_fee_factor_key(market, is_long), _f(POSITION_FEE_FACTOR[is_long]))
        set_uint(keys.funding_factor_key(market), _f(FUNDING_FACTOR))
        set_uint(keys.funding_exponent_factor_key(market), F)
        set_uint(keys.min_collateral_factor_key(market), _f(spec.min_collateral_factor))
        # liquidation uses its own, lower factor and caps the negative impact it counts (as on mainnet)
        set_uint(keys.min_collateral_factor_for_liquidation_key(market), _f(spec.min_collateral_factor) // 2)
        set_uint(keys.max_position_impact_factor_for_liquidations_key(market), _f(MAX_IMPACT_FOR_LIQUIDATIONS))
        set_uint(keys.funding_updated_at_key(market), now)
    # the deployer keeps no CONTROLLER role after configuration, as on mainnet
    dep.call(role_store, "RoleStore", "revokeRole", admin, keys.role_key("CONTROLLER"))
    return entries


def _seed_pool(dep: _Deployer, manifest: Manifest, market: str, symbol: str, raw: int) -> None:
    token = manifest.contracts[symbol]
    if symbol == "WETH":
        dep.dev.transact(token, _weth_abi(), "deposit", sender=dep.admin, value=raw)
        dep.dev.transact(token, _weth_abi(), "transfer", market, raw, sender=dep.admin)
    else:
        dep.dev.transact(token, _token_abi(), "mint", market, raw, sender=dep.admin)


def _weth_abi() -> list[dict[str, Any]]:
    from hedgefi.sim.deploy import devnet_artifacts

    return devnet_artifacts()["WETH9"].abi


def _token_abi() -> list[dict[str, Any]]:
    from hedgefi.sim.deploy import devnet_artifacts

    return devnet_artifacts()["DevToken"].abi


__all__ = ["MARKETS", "deploy_gmx", "gmx_artifacts"]


def seed_gmx_positions(dev: DevClient, manifest: Manifest) -> None:
    """Seed traders (anvil #1 long, #2 short) open real positions through the ExchangeRouter."""
    from hedgefi.chain.profiles import ChainProfile
    from hedgefi.venues.gmx.constants import OrderType
    from hedgefi.venues.gmx.deployment import deployment_for
    from hedgefi.venues.gmx.keeper import execute_pending
    from hedgefi.venues.gmx.orders import OrderBundle, OrderParams, acceptable_price

    profile: ChainProfile = manifest.profile()
    d = deployment_for(profile)
    usdc = manifest.contracts["USDC"]
    token_abi = _token_abi()
    gas_price = dev.gas_price()
    fee = (600_000 + 3 * 40_000 + 3_000_000) * gas_price * 2
    longer, shorter = DEV_ADDRESSES[1], DEV_ADDRESSES[2]
    for spec in MARKETS:
        market = manifest.contracts[f"gmx:market:{spec.asset}/USD"]
        answer = _feed_answer(dev, manifest.feeds[spec.asset])
        index_dec = next(int(t["decimals"]) for t in manifest.tokens if t["symbol"] == spec.index_symbol)
        price_e30 = answer * 10 ** (30 - index_dec - FEED_DECIMALS)
        for trader, is_long, size in ((longer, True, spec.seed_long_usd), (shorter, False, spec.seed_short_usd)):
            collateral = to_raw(size / 5, 6)
            dev.transact(usdc, token_abi, "mint", trader, collateral, sender=manifest.admin_address)
            dev.transact(usdc, token_abi, "approve", d.router, collateral, sender=trader)
            bundle = OrderBundle()
            bundle.add(d, OrderParams(
                OrderType.MarketIncrease, market, usdc, int(size) * F, collateral,
                acceptable_price(price_e30, Decimal("0.01"), is_long=is_long, is_increase=True), fee, trader,
                is_long=is_long), erc20_collateral=collateral)
            tx = bundle.tx(d, "seed")
            dev.send({"from": trader, "to": tx.to, "data": tx.data, "value": tx.value, "gas": 3_000_000},
                     f"seed the GMX {spec.asset} market")
    results = execute_pending(manifest.rpc_url, d)
    if not results or not all(r.executed for r in results):
        raise RuntimeError(f"the keeper could not execute the GMX seed orders: {results}")


def _feed_answer(dev: DevClient, feed: str) -> int:
    from hedgefi.chain.abi import decode, encode_call

    raw = dev.call(feed, encode_call("latestRoundData()"))
    return int(decode(["uint80", "int256", "uint256", "uint256", "uint80"], bytes(raw))[1])
