"""Deploying the devnet contracts and funding the demo wallet.

``deploy_devnet(rpc_url)`` compiles ``contracts/devnet`` (cached), deploys tokens with real-world
decimals, Chainlink-compatible USD feeds and Multicall3 (whose code is then placed at the canonical
Multicall3 address, as on every real chain), funds the demo wallet and returns the ``Manifest``.
It uses anvil's unlocked dev accounts: the admin (#9) deploys and owns everything.

Every feed is seeded with ``history_days()`` days of hourly rounds before its deploy round
(``sim.history_model``; ``$HEDGEFI_DEVNET_HISTORY_DAYS``, default 180, 0 for none): the answers sit in a
data contract's code (``anvil_setCode``), not in storage, so later blocks cost anvil no more time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hedgefi.chain.profiles import MULTICALL3
from hedgefi.wallet.devkeys import ADMIN_INDEX, DEMO_INDEX, DEV_ADDRESSES
from hedgefi.chain.local import rpc_request
from hedgefi.chain.manifest import Manifest
from hedgefi.core.resources import Artifact, artifacts
from hedgefi.core.errors import DevnetError
from hedgefi.core.units import money, to_raw
from hedgefi.sim.devclient import DevClient

FEED_DECIMALS = 8


@dataclass(frozen=True, slots=True)
class DevTokenSpec:
    symbol: str
    name: str
    decimals: int
    asset: str            # the feed that prices it
    demo_amount: Decimal  # funded to the demo wallet


# asset -> (description, initial USD price)
FEEDS: dict[str, tuple[str, Decimal]] = {
    "ETH": ("ETH / USD", Decimal("3000")),
    "BTC": ("BTC / USD", Decimal("60000")),
    "USDC": ("USDC / USD", Decimal("1")),
    "ARB": ("ARB / USD", Decimal("0.8")),
    "LINK": ("LINK / USD", Decimal("15")),
    "XAU": ("XAU / USD", Decimal("2400")),
    "EUR": ("EUR / USD", Decimal("1.08")),
    "SPY": ("SPY / USD", Decimal("580")),
    "NVDA": ("NVDA / USD", Decimal("140")),
}

TOKENS: tuple[DevTokenSpec, ...] = (
    DevTokenSpec("WETH", "Wrapped Ether", 18, "ETH", Decimal("20")),
    DevTokenSpec("USDC", "USD Coin", 6, "USDC", Decimal("200000")),
    DevTokenSpec("WBTC", "Wrapped BTC", 8, "BTC", Decimal("1.5")),
    DevTokenSpec("ARB", "Arbitrum", 18, "ARB", Decimal("10000")),
    DevTokenSpec("LINK", "ChainLink Token", 18, "LINK", Decimal("1000")),
    DevTokenSpec("PAXG", "Paxos Gold", 18, "XAU", Decimal("10")),
)

DEMO_NATIVE_ETH = Decimal("100")


def history_days() -> int:
    """``$HEDGEFI_DEVNET_HISTORY_DAYS`` (default 180; 0: no seeded history)."""
    from hedgefi.sim.history_model import DEFAULT_DAYS

    raw = os.environ.get("HEDGEFI_DEVNET_HISTORY_DAYS", "").strip()
    if not raw:
        return DEFAULT_DAYS
    if not raw.isdigit():
        raise DevnetError(f"HEDGEFI_DEVNET_HISTORY_DAYS must be a whole number of days, got {raw!r}")
    return int(raw)


def history_data_address(feed: str) -> str:
    """Where ``feed``'s seeded history code lives: derived from the feed's address, so it never collides."""
    from eth_utils.crypto import keccak

    return "0x" + bytes(keccak(b"hedgefi.devnet.history:" + bytes.fromhex(feed[2:]))).hex()[-40:]


def seed_feed_history(dev: DevClient, feed: str, asset: str, answer: int, *, sender: str,
                      days: int | None = None, artifacts: dict[str, Artifact] | None = None) -> int:
    """Give the just-deployed ``feed`` (answering ``answer``) its hourly history; returns the rounds added."""
    from hedgefi.sim.history_model import DEFAULT_SEED, history_answers

    hours = (history_days() if days is None else days) * 24
    if hours <= 0:
        return 0
    answers = history_answers(asset, answer, hours, DEFAULT_SEED)
    code = b"\x00" + b"".join(a.to_bytes(8, "big", signed=True) for a in answers)  # STOP: never callable
    data = history_data_address(feed)
    rpc_request(dev.url, "anvil_setCode", [data, "0x" + code.hex()])
    artifacts = artifacts or devnet_artifacts()
    dev.transact(feed, artifacts["DevPriceFeed"].abi, "setHistory", data, hours, sender=sender)
    return hours


def devnet_artifacts() -> dict[str, Artifact]:
    """The shipped compiled contracts (``hedgefi/_data/artifacts/devnet``)."""
    return artifacts("devnet")


@money
def fund_address(dev: DevClient, manifest: Manifest, address: str, *, native_eth: Decimal = DEMO_NATIVE_ETH,
                 artifacts: dict[str, Artifact] | None = None) -> dict[str, str]:
    """Give ``address`` the demo amounts of ETH and every devnet token; returns raw amounts funded."""
    artifacts = artifacts or devnet_artifacts()
    admin = manifest.admin_address
    funded: dict[str, str] = {}
    for spec in TOKENS:
        token = next(t for t in manifest.tokens if t["symbol"] == spec.symbol)
        raw = to_raw(spec.demo_amount, spec.decimals)
        if spec.symbol == "WETH":
            dev.transact(token["address"], artifacts["WETH9"].abi, "deposit", sender=admin, value=raw)
            dev.transact(token["address"], artifacts["WETH9"].abi, "transfer", address, raw, sender=admin)
        else:
            dev.transact(token["address"], artifacts["DevToken"].abi, "mint", address, raw, sender=admin)
        funded[spec.symbol] = str(raw)
    native_raw = to_raw(native_eth, 18)
    balance = dev.balance(address)
    if balance < native_raw or address == manifest.demo_address:
        rpc_request(manifest.rpc_url, "anvil_setBalance", [address, hex(native_raw)])
    funded["ETH"] = str(native_raw)
    return funded


@money
def deploy_devnet(rpc_url: str, *, port: int, pid: int | None, block_time: float | None = None,
                  gmx_release: str = "v2.2c") -> Manifest:
    """Deploy every devnet contract on the anvil at ``rpc_url`` (the GMX replica in ``gmx_release``'s
    layouts); fund the demo wallet."""
    dev = DevClient(rpc_url)
    artifacts = devnet_artifacts()
    admin, demo = DEV_ADDRESSES[ADMIN_INDEX], DEV_ADDRESSES[DEMO_INDEX]
    contracts: dict[str, str] = {}

    feeds: dict[str, str] = {}
    for asset, (description, price) in FEEDS.items():
        answer = to_raw(price, FEED_DECIMALS)
        feeds[asset] = dev.deploy(artifacts["DevPriceFeed"], FEED_DECIMALS, description, answer,
                                       sender=admin)
        seed_feed_history(dev, feeds[asset], asset, answer, sender=admin, artifacts=artifacts)
        contracts[f"Feed:{asset}/USD"] = feeds[asset]

    tokens: list[dict[str, Any]] = []
    for spec in TOKENS:
        if spec.symbol == "WETH":
            address = dev.deploy(artifacts["WETH9"], sender=admin)
        else:
            address = dev.deploy(artifacts["DevToken"], spec.name, spec.symbol, spec.decimals,
                                      sender=admin)
        contracts[spec.symbol] = address
        tokens.append({"symbol": spec.symbol, "address": address, "decimals": spec.decimals,
                       "feed": feeds[spec.asset], "asset": spec.asset})

    # Multicall3 lives at the same address on every chain; the devnet puts its code there too.
    rpc_request(rpc_url, "anvil_setCode", [MULTICALL3, artifacts["Multicall3"].runtime])
    contracts["Multicall3"] = MULTICALL3

    manifest = Manifest(
        chain_id=dev.chain_id(), rpc_url=rpc_url, port=port, pid=pid, deploy_block=0,
        demo_address=demo, admin_address=admin, contracts=contracts, tokens=tokens, feeds=feeds,
        block_time=block_time, params={"gmx:release": gmx_release},
    )
    from hedgefi.sim.gmx_deploy import deploy_gmx, seed_gmx_positions

    manifest.contracts.update(deploy_gmx(dev, manifest))
    seed_gmx_positions(dev, manifest)
    from hedgefi.sim.gmx_unpriced import seed_unpriced_market

    manifest.contracts.update(seed_unpriced_market(dev, manifest))
    from hedgefi.sim.gtrade_deploy import deploy_gtrade, seed_gtrade_positions

    manifest.contracts.update(deploy_gtrade(dev, manifest))
    seed_gtrade_positions(dev, manifest)
    manifest.funded = fund_address(dev, manifest, demo, artifacts=artifacts)
    manifest.deploy_block = dev.block_number()
    return manifest


__all__ = ["FEEDS", "TOKENS", "DevTokenSpec", "deploy_devnet", "fund_address", "devnet_artifacts", "history_days",
           "history_data_address", "seed_feed_history"]
