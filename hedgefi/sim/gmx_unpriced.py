"""A demo-wallet GMX position in a market hedgefi cannot price (reference §0, §7), seeded at devnet up.

On mainnet a wallet often holds positions in markets the client does not trade: their index token has no
feed the client knows, and ``Reader.getAccountPositionInfoList`` with only the priced markets' prices
reverts ``EmptyMarketPrice``. This module gives the devnet that shape: a synthetic index token SYN whose
USD feed the replica's Oracle reads (DataStore ``PRICE_FEED``) but which is in neither the manifest's token
list nor its feeds, a market SYN/USD [SYN-USDC] in ``MARKET_LIST`` with pool liquidity, and a small real
USDC-collateral short of the demo wallet (account #0), sent through the ExchangeRouter and executed by
the keeper. The market token is recorded as manifest contract ``gmx:unpriced:SYN/USD [SYN-USDC]``; its
feed under ``gmx:unpriced:feed:SYN/USD`` (a contract entry, not a price feed hedgefi reads).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from hedgefi.chain.manifest import Manifest
from hedgefi.core.units import to_raw
from hedgefi.sim.devclient import DevClient

if TYPE_CHECKING:
    from hedgefi.venues.gmx.deployment import GmxDeployment

F = 10**30
SYN_DECIMALS = 18
SYN_PRICE = Decimal("2")              # USD, 8-decimal feed
SYN_POOL = Decimal("1000000")         # SYN in the pool
USDC_POOL = Decimal("2000000")
DEMO_SHORT_USD = Decimal("100")       # the demo wallet's short, 5x on USDC
DEMO_COLLATERAL_USDC = Decimal("20")
MARKET_ENTRY = "gmx:unpriced:SYN/USD [SYN-USDC]"
FEED_ENTRY = "gmx:unpriced:feed:SYN/USD"


def _f(x: str) -> int:
    return int(Decimal(x) * F)


def add_market(dev: DevClient, manifest: Manifest, name: str, index: str, long_token: str, short_token: str,
               pools: dict[str, int], *, price_feed: tuple[str, int] | None = None, mint: bool = False) -> str:
    """Deploy one more replica market (index, long, short) in MARKET_LIST with ``pools`` (token -> raw amount,
    transferred from the admin, or minted to the market with ``mint``: DevTokens only) and the configuration
    a short needs (reserve and OI caps for shorts, a min collateral factor); ``price_feed`` (feed, token
    decimals) makes the replica's Oracle price ``index`` from that feed. Returns the market token."""
    from hedgefi.sim.deploy import FEED_DECIMALS, devnet_artifacts, seed_feed_history
    from hedgefi.sim.gmx_deploy import gmx_artifacts
    from hedgefi.venues.gmx import keys

    g = gmx_artifacts(manifest.params.get("gmx:release", "v2.2c"))
    admin, c = manifest.admin_address, manifest.contracts
    ds, role_store = c["gmx:DataStore"], c["gmx:RoleStore"]
    market = dev.deploy(g["MarketToken"], role_store, ds, f"GMX Market {name}", index, long_token, short_token,
                        sender=admin)
    # the deployer gave up CONTROLLER after configuring GMX; as ROLE_ADMIN it takes it back for this, then not
    controller = keys.role_key("CONTROLLER")
    dev.transact(role_store, g["RoleStore"].abi, "grantRole", admin, controller, sender=admin)

    def set_uint(k: bytes, v: int) -> None:
        dev.transact(ds, g["DataStore"].abi, "setUint", k, v, sender=admin)

    def set_address(k: bytes, v: str) -> None:
        dev.transact(ds, g["DataStore"].abi, "setAddress", k, v, sender=admin)

    if price_feed is not None:
        feed, decimals = price_feed
        set_address(keys.oracle_provider_for_token_key(c["gmx:Oracle"], index), c["gmx:OracleProvider"])
        set_address(keys.price_feed_key(index), feed)
        set_uint(keys.price_feed_multiplier_key(index), 10 ** (60 - decimals - FEED_DECIMALS))
    dev.transact(ds, g["DataStore"].abi, "addAddress", keys.name_key("MARKET_LIST"), market, sender=admin)
    token_abi = devnet_artifacts()["DevToken"].abi
    for token, raw in pools.items():
        if mint:
            dev.transact(token, token_abi, "mint", market, raw, sender=admin)
        else:
            dev.transact(token, token_abi, "transfer", market, raw, sender=admin)
        set_uint(keys.pool_amount_key(market, token), raw)
    set_uint(keys.reserve_factor_key(market, False), _f("0.9"))
    set_uint(keys.open_interest_reserve_factor_key(market, False), _f("0.8"))
    set_uint(keys.max_open_interest_key(market, False), 1_000_000 * F)
    set_uint(keys.min_collateral_factor_key(market), _f("0.02"))
    set_uint(keys.funding_updated_at_key(market), dev.timestamp())
    dev.transact(role_store, g["RoleStore"].abi, "revokeRole", admin, controller, sender=admin)
    return market


def seed_unpriced_market(dev: DevClient, manifest: Manifest) -> dict[str, str]:
    """Deploy the SYN token, its feed and the [SYN-USDC] market, configure them, and open the demo wallet's
    short (executed by the keeper). Returns the manifest contract entries it added."""
    from hedgefi.sim.deploy import FEED_DECIMALS, devnet_artifacts, seed_feed_history
    from hedgefi.venues.gmx.constants import OrderType
    from hedgefi.venues.gmx.deployment import deployment_for
    from hedgefi.venues.gmx.events import order_keys_from_receipt
    from hedgefi.venues.gmx.keeper import execute_pending
    from hedgefi.venues.gmx.orders import OrderBundle, OrderParams, acceptable_price

    dv = devnet_artifacts()
    admin, demo = manifest.admin_address, manifest.demo_address
    usdc = manifest.contracts["USDC"]
    feed = dev.deploy(dv["DevPriceFeed"], FEED_DECIMALS, "SYN / USD", to_raw(SYN_PRICE, FEED_DECIMALS), sender=admin)
    seed_feed_history(dev, feed, "SYN", to_raw(SYN_PRICE, FEED_DECIMALS), sender=admin, artifacts=dv)
    syn = dev.deploy(dv["DevToken"], "Synthetic Index", "SYN", SYN_DECIMALS, sender=admin)
    pools = {syn: to_raw(SYN_POOL, SYN_DECIMALS), usdc: to_raw(USDC_POOL, 6)}
    market = add_market(dev, manifest, "SYN/USD", syn, syn, usdc, pools, price_feed=(feed, SYN_DECIMALS), mint=True)

    # the demo wallet's short, funded with exactly its collateral (the demo funding that follows is unchanged)
    d = deployment_for(manifest.profile())
    collateral = to_raw(DEMO_COLLATERAL_USDC, 6)
    dev.transact(usdc, dv["DevToken"].abi, "mint", demo, collateral, sender=admin)
    dev.transact(usdc, dv["DevToken"].abi, "approve", d.router, collateral, sender=demo)
    price_e30 = to_raw(SYN_PRICE, FEED_DECIMALS) * 10 ** (30 - SYN_DECIMALS - FEED_DECIMALS)
    fee = (600_000 + 3 * 40_000 + 3_000_000) * dev.gas_price() * 2
    bundle = OrderBundle()
    bundle.add(d, OrderParams(OrderType.MarketIncrease, market, usdc, int(DEMO_SHORT_USD) * F, collateral,
                              acceptable_price(price_e30, Decimal("0.01"), is_long=False, is_increase=True), fee,
                              demo), erc20_collateral=collateral)
    tx = bundle.tx(d, "a demo short in a market hedgefi cannot price")
    receipt = dev.send({"from": demo, "to": tx.to, "data": tx.data, "value": tx.value, "gas": 3_000_000},
                       "open the demo wallet's SYN short")
    created = [k.key for k in order_keys_from_receipt(receipt, d.event_emitter)]
    results = execute_pending(manifest.rpc_url, d, order_keys=created)   # [] when a running keeper was first
    if not _position_size(dev, d, demo, market, usdc):
        raise RuntimeError(f"the keeper could not execute the demo wallet's SYN short: {results}")
    return {MARKET_ENTRY: market, FEED_ENTRY: feed, "gmx:unpriced:SYN": syn}


def _position_size(dev: DevClient, d: "GmxDeployment", account: str, market: str, collateral: str) -> int:
    """The short's sizeInUsd as the Reader reports it (0: no position)."""
    from hedgefi.venues.gmx import keys
    from hedgefi.venues.gmx.releases import reader_codec

    reader = reader_codec(d)
    key = keys.position_key(account, market, collateral, False)
    p = reader.decode_output("getPosition", dev.call(d.reader, reader.encode("getPosition", d.data_store, key)))
    return int(p["numbers"]["sizeInUsd"])


__all__ = ["seed_unpriced_market", "add_market", "MARKET_ENTRY", "FEED_ENTRY", "SYN_PRICE", "DEMO_SHORT_USD"]
