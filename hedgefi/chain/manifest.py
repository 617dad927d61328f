"""The devnet manifest: what ``hedgefi devnet up`` started and deployed, where later commands find it.

Stored as JSON at ``<data dir>/devnet/manifest.json`` (``HEDGEFI_DATA_DIR`` moves it). It is the
source of the ``devnet`` chain profile (every devnet feed has the 24 h default heartbeat unless
``heartbeats`` lists it; ``sequencer_feed`` is unset: the devnet is no L2).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hedgefi.chain.profiles import ChainProfile, TokenInfo
from hedgefi.core.config import data_dir
from hedgefi.core.errors import DevnetNotRunningError


def devnet_dir() -> Path:
    return data_dir() / "devnet"


def manifest_path() -> Path:
    return devnet_dir() / "manifest.json"


@dataclass
class Manifest:
    chain_id: int
    rpc_url: str
    port: int
    pid: int | None                     # the anvil that `devnet up` started (None: not ours to stop)
    deploy_block: int
    demo_address: str
    admin_address: str
    contracts: dict[str, str]           # name -> address
    tokens: list[dict[str, Any]]        # {symbol, address, decimals, feed, asset}
    feeds: dict[str, str]               # asset (ETH, BTC, XAU, ...) -> feed address
    funded: dict[str, str] = field(default_factory=dict)   # symbol -> raw amount funded to the demo wallet
    block_time: float | None = None
    keeper_pid: int | None = None
    params: dict[str, str] = field(default_factory=dict)   # venue settings that are not addresses (gTrade pairs)
    heartbeats: dict[str, int] = field(default_factory=dict)   # asset -> feed heartbeat (s); unlisted: 24 h
    sequencer_feed: str | None = None   # an L2 sequencer uptime feed to honour (tests point one here)

    def profile(self) -> ChainProfile:
        return ChainProfile(
            name="devnet",
            chain_id=self.chain_id,
            default_rpc=self.rpc_url,
            native_symbol="ETH",
            native_feed=self.feeds.get("ETH"),
            multicall3=self.contracts["Multicall3"],
            tokens=tuple(TokenInfo(t["symbol"], t["address"], int(t["decimals"]), t.get("feed"), t.get("asset", ""))
                         for t in self.tokens),
            is_devnet=True,
            contracts=dict(self.contracts),
            feeds=dict(self.feeds),
            params=dict(self.params),
            heartbeats={self.feeds[a.upper()]: int(s) for a, s in self.heartbeats.items() if a.upper() in self.feeds},
            sequencer_feed=self.sequencer_feed,
        )

    def feed_for(self, asset: str) -> str:
        from hedgefi.core.errors import UnknownNameError

        key = asset.upper()
        aliases = {t["symbol"].upper(): t.get("asset", "").upper() for t in self.tokens}
        key = key if key in self.feeds else aliases.get(key, key)
        if key not in self.feeds:
            raise UnknownNameError("price feed", asset, list(self.feeds))
        return self.feeds[key]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def save_manifest(manifest: Manifest) -> Path:
    path = manifest_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(manifest.to_json())
    tmp.replace(path)
    return path


def load_manifest() -> Manifest:
    path = manifest_path()
    if not path.is_file():
        raise DevnetNotRunningError("no devnet is running (no manifest); start one with `hedgefi devnet up`")
    try:
        data = json.loads(path.read_text())
        return Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise DevnetNotRunningError(f"the devnet manifest {path} is unreadable; run `hedgefi devnet down` "
                                    "and `hedgefi devnet up`") from exc


def remove_manifest() -> None:
    manifest_path().unlink(missing_ok=True)


__all__ = ["Manifest", "devnet_dir", "manifest_path", "save_manifest", "load_manifest", "remove_manifest"]
