"""Devnet lifecycle and knobs: up, down, status, price, price paths, advance, fund.

The CLI (``hedgefi devnet ...``) and the test fixtures both call these functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hedgefi.sim.anvil import AnvilNode, pid_is_anvil, stop_anvil
from hedgefi.chain.local import rpc_request
from hedgefi.chain.manifest import (Manifest, devnet_dir, load_manifest, manifest_path, remove_manifest,
                                     save_manifest)
from hedgefi.core.errors import BadAmountError, DevnetError, DevnetNotRunningError, HedgefiError, InputError
from hedgefi.core.units import CONTEXT, from_raw, money, parse_decimal, to_raw

DEFAULT_PORT = 8545


def up(port: int = DEFAULT_PORT, block_time: float | None = None, gmx_release: str = "v2.2c") -> Manifest:
    """Start anvil in the background, deploy the devnet (GMX in ``gmx_release``'s layouts) and write the
    manifest."""
    try:
        existing = load_manifest()
    except DevnetNotRunningError:
        existing = None
    if existing is not None:
        if existing.pid and pid_is_anvil(existing.pid):
            raise DevnetError(f"a devnet is already running at {existing.rpc_url} (pid {existing.pid}); "
                              "stop it with `hedgefi devnet down`")
        remove_manifest()  # stale: its anvil is gone
    if block_time is not None and block_time <= 0:
        raise InputError("--block-time must be a positive number of seconds")
    from hedgefi.venues.gmx.releases import RELEASES

    if gmx_release not in RELEASES:
        raise InputError(f"--gmx-release must be one of {', '.join(RELEASES)}, got {gmx_release!r}")
    folder = devnet_dir()
    folder.mkdir(parents=True, exist_ok=True)
    node = AnvilNode.start(port=port, block_time=block_time, log_path=folder / "anvil.log", detach=True)
    try:
        from hedgefi.sim.deploy import deploy_devnet

        from hedgefi.sim.keeper import set_paused, start_keeper_process

        manifest = deploy_devnet(node.rpc_url, port=node.port, pid=node.pid, block_time=block_time,
                                 gmx_release=gmx_release)
        save_manifest(manifest)
        set_paused(False)
        manifest.keeper_pid = start_keeper_process()
        save_manifest(manifest)
    except BaseException:
        node.stop()
        remove_manifest()
        raise
    return manifest


def down() -> bool:
    """Stop the anvil that ``up`` started (by its pid) and remove the manifest; False if none ran."""
    try:
        manifest = load_manifest()
    except DevnetNotRunningError:
        return False
    from hedgefi.sim.keeper import set_paused, stop_keeper

    if manifest.keeper_pid:
        stop_keeper(manifest.keeper_pid)
    stopped = stop_anvil(manifest.pid) if manifest.pid else False
    remove_manifest()
    set_paused(False)
    return stopped


@dataclass(frozen=True, slots=True)
class Status:
    manifest: Manifest
    running: bool
    block: int | None

    def as_json(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "rpc_url": m.rpc_url, "chain_id": m.chain_id, "demo_address": m.demo_address,
            "contracts": dict(m.contracts), "running": self.running, "block": self.block,
            "pid": m.pid, "deploy_block": m.deploy_block, "manifest": str(manifest_path()),
            "gmx_release": m.params.get("gmx:release", "v2.2c"),
        }


def status() -> Status:
    manifest = load_manifest()
    try:
        block = int(rpc_request(manifest.rpc_url, "eth_blockNumber", timeout=2.0), 16)
        running = True
    except HedgefiError:  # unreachable or erroring: not running (a bug still surfaces)
        block, running = None, False
    return Status(manifest=manifest, running=running, block=block)


def running_manifest() -> Manifest:
    st = status()
    if not st.running:
        raise DevnetNotRunningError(f"the devnet at {st.manifest.rpc_url} does not answer; "
                                    "restart it with `hedgefi devnet down && hedgefi devnet up`")
    return st.manifest


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@money
def parse_duration(text: str) -> int:
    """'8h' -> 28800 seconds; units s, m, h, d, w (bare numbers are seconds)."""
    m = _DURATION.match(text.lower())
    if not m:
        raise InputError(f"duration must look like 30s, 15m, 8h, 3d or 1w, got '{text}'")
    seconds = int(Decimal(m.group(1)) * _UNIT_S[m.group(2)])
    if seconds <= 0:
        raise InputError("duration must be positive")
    return seconds


def advance(seconds: int) -> int:
    """Move chain time forward and mine a block; returns the new block timestamp."""
    manifest = running_manifest()
    rpc_request(manifest.rpc_url, "evm_increaseTime", [seconds])
    rpc_request(manifest.rpc_url, "evm_mine", [])
    block = rpc_request(manifest.rpc_url, "eth_getBlockByNumber", ["latest", False])
    return int(block["timestamp"], 16)


def move_to_market_hours(url: str, asset_class: str, want_open: bool = True) -> int | None:
    """Move a devnet's clock (forward only) to a minute after gTrade's ``asset_class`` next opens (or closes).

    Returns the new block timestamp, or None when the market already is in that state. The oracle side
    answers by the chain's clock, so this is how a devnet trades gold or stocks outside their real hours.
    Every devnet feed then posts a fresh round at its current price, as live feeds keep doing while
    time passes (``advance`` does not: it is how a feed is aged on purpose).
    """
    from datetime import datetime, timedelta, timezone

    from hedgefi.venues.gtrade.schedule import is_open_at, next_change

    block = rpc_request(url, "eth_getBlockByNumber", ["latest", False])
    now = datetime.fromtimestamp(int(block["timestamp"], 16), timezone.utc)
    if is_open_at(asset_class, now) == want_open:
        return None
    nxt = next_change(asset_class, now)
    if nxt is None:
        raise InputError(f"{asset_class} markets never {'open' if want_open else 'close'} within a week")
    ts = int((nxt + timedelta(minutes=1)).timestamp())
    rpc_request(url, "evm_setNextBlockTimestamp", [ts])
    rpc_request(url, "evm_mine", [])
    refresh_feeds(url)
    return ts


def refresh_feeds(url: str) -> None:
    """Re-post every devnet feed's current answer (same prices, ``updatedAt`` = now) on the devnet at ``url``."""
    from hedgefi.chain.abi import decode, encode_call
    from hedgefi.sim.devclient import DevClient

    manifest = load_manifest()
    if manifest.rpc_url.rstrip("/") != url.rstrip("/"):
        return                      # not the manifest's devnet: its feeds are not ours to post
    dev = DevClient(url)
    for asset, feed in sorted(manifest.feeds.items()):
        answer = int(decode(["uint80", "int256", "uint256", "uint256", "uint80"],
                            bytes(dev.call(feed, encode_call("latestRoundData()"))))[1])
        dev.send({"from": manifest.admin_address, "to": feed, "gas": 200_000,
                  "data": encode_call("updateAnswer(int256)", ["int256"], [answer])}, f"refresh the {asset} price")


@dataclass(frozen=True, slots=True)
class PriceChange:
    asset: str
    feed: str
    old_price: Decimal
    new_price: Decimal


@money
def set_price(asset: str, price_text: str) -> PriceChange:
    """Post a new feed round: an absolute USD price ('2500') or a move ('-30%', '+5%')."""
    from hedgefi.chain.abi import decode, encode_call
    from hedgefi.sim.deploy import FEED_DECIMALS
    from hedgefi.sim.devclient import DevClient

    manifest = running_manifest()
    feed = manifest.feed_for(asset)
    dev = DevClient(manifest.rpc_url)
    raw = dev.call(feed, encode_call("latestRoundData()"))
    old = from_raw(int(decode(["uint80", "int256", "uint256", "uint256", "uint80"], bytes(raw))[1]),
                   FEED_DECIMALS)
    text = price_text.strip()
    if text.endswith("%"):
        pct = parse_decimal(text[:-1], what="price change", allow_negative=True)
        if pct <= -100:
            raise BadAmountError("a price move must be above -100%")
        new = CONTEXT.multiply(old, 1 + pct / 100)
    else:
        new = parse_decimal(text, what="price", allow_zero=False)
    new = new.quantize(Decimal(1).scaleb(-FEED_DECIMALS))
    if new <= 0:
        raise BadAmountError("the new price rounds to zero")
    tx = {"from": manifest.admin_address, "to": feed, "gas": 200_000,
          "data": encode_call("updateAnswer(int256)", ["int256"], [to_raw(new, FEED_DECIMALS)])}
    dev.send(tx, f"post the {asset} price")
    canonical = next((a for a, f in manifest.feeds.items() if f == feed), asset.upper())
    return PriceChange(canonical, feed, old, new)


_PATH_STEP = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?%?)\s*(?:/\s*h)?\s*(?:[x*]\s*(\d+))?\s*$", re.IGNORECASE)
MAX_PATH_STEPS = 10_000


def parse_price_path(text: str) -> list[str]:
    """``"-2%/h x 48, +1% x 12, 2500"`` -> one price text per hourly step (``set_price``'s forms).

    Segments are comma-separated; each is a move (``-2%``) or an absolute USD price (``2500``), an optional
    ``/h`` (every step is one interval apart anyway) and an optional repeat ``x N``.
    """
    steps: list[str] = []
    for segment in text.split(","):
        m = _PATH_STEP.match(segment)
        if not m:
            raise InputError(f"a price path segment looks like -2%/h x 48, +1% x 12 or 2500; got '{segment.strip()}'")
        count = int(m.group(2) or 1)
        if count <= 0:
            raise InputError(f"a repeat count must be positive, got '{segment.strip()}'")
        steps += [m.group(1)] * count
        if len(steps) > MAX_PATH_STEPS:
            raise InputError(f"a price path is at most {MAX_PATH_STEPS} steps")
    return steps


@dataclass(frozen=True, slots=True)
class PricePath:
    asset: str
    steps: tuple[PriceChange, ...]
    start_ts: int          # the block time of the first posted round
    end_ts: int            # the block time of the last one

    @property
    def old_price(self) -> Decimal:
        return self.steps[0].old_price

    @property
    def new_price(self) -> Decimal:
        return self.steps[-1].new_price


def price_path(asset: str, path_text: str, *, interval_s: int = 3600, refresh_others: bool = True) -> PricePath:
    """Post a sequence of feed rounds ``interval_s`` apart (chain time moves forward before each one).

    ``path_text`` is ``parse_price_path``'s form, e.g. ``"-2%/h x 48"`` for a two-day downtrend. The venues'
    keepers and readers price from the feeds, so GMX and gTrade follow as with ``set_price``. With
    ``refresh_others`` every other devnet feed then posts its unchanged answer once, at the end, so none reads
    stale after the time travel (their history has one gap instead of a round every hour).
    """
    if interval_s <= 0:
        raise InputError("the interval between price steps must be positive")
    steps = parse_price_path(path_text)
    manifest = running_manifest()
    feed = manifest.feed_for(asset)
    changes: list[PriceChange] = []
    times: list[int] = []
    for step in steps:
        rpc_request(manifest.rpc_url, "evm_increaseTime", [interval_s])
        changes.append(set_price(asset, step))
        block = rpc_request(manifest.rpc_url, "eth_getBlockByNumber", ["latest", False])
        times.append(int(block["timestamp"], 16))
    if refresh_others:
        from hedgefi.chain.abi import decode, encode_call
        from hedgefi.sim.devclient import DevClient

        dev = DevClient(manifest.rpc_url)
        for other, other_feed in sorted(manifest.feeds.items()):
            if other_feed == feed:
                continue
            answer = int(decode(["uint80", "int256", "uint256", "uint256", "uint80"],
                                bytes(dev.call(other_feed, encode_call("latestRoundData()"))))[1])
            dev.send({"from": manifest.admin_address, "to": other_feed, "gas": 200_000,
                      "data": encode_call("updateAnswer(int256)", ["int256"], [answer])},
                     f"refresh the {other} price")
    return PricePath(changes[0].asset, tuple(changes), times[0], times[-1])


def fund(address: str) -> dict[str, str]:
    """Give ``address`` the demo amounts of ETH and every devnet token."""
    from hedgefi.sim.deploy import fund_address
    from hedgefi.sim.devclient import DevClient

    manifest = running_manifest()
    return fund_address(DevClient(manifest.rpc_url), manifest, address)


__all__ = ["DEFAULT_PORT", "up", "down", "status", "Status", "running_manifest", "parse_duration", "advance",
           "refresh_feeds", "set_price", "PriceChange", "parse_price_path", "price_path", "PricePath", "fund"]
