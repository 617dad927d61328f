"""The holdings-to-market map a user can extend: which tokens hedgefi reads and which asset each one is.

Built in, every profile maps its own tokens (WETH and ETH -> ETH, WBTC -> BTC, PAXG -> XAU on the devnet).
``tokens.toml`` in the config folder (``HEDGEFI_TOKENS`` names another file) adds tokens, or leaves
known ones unhedged, per chain profile::

    [arbitrum.XAUT0]                 # a token to read, value and hedge
    address = "0x40461291347e1eCbb09499F3371D3f17f10d7159"
    asset = "XAU"                    # hedged on the XAU/USD markets
    # feed = "0x..."                 # its USD feed; default: the feed of its asset
    [devnet.ARB]
    hedge = false                    # read and value it, but never hedge it

A known token keeps the asset its profile gives it (its venue markets depend on it); only ``hedge`` and
``feed`` change for it. An unknown key, a bad address, a missing ``address`` for a new token or a new
asset for a known one is a clear error, never a silently ignored line. ``load_token_map`` reads the
file; ``apply_token_map`` and ``hedge_asset`` are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedgefi.core.errors import ConfigError

if TYPE_CHECKING:
    from hedgefi.chain.profiles import ChainProfile

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_KEYS = {"address", "asset", "feed", "decimals", "hedge"}


@dataclass(frozen=True, slots=True)
class TokenEntry:
    symbol: str
    address: str | None
    asset: str | None
    feed: str | None
    decimals: int | None
    hedge: bool = True


def token_map_path() -> Path:
    from hedgefi.core.config import config_dir, env

    explicit = env("HEDGEFI_TOKENS")
    return Path(explicit) if explicit else config_dir() / "tokens.toml"


def _entry(where: str, symbol: str, body: Any) -> TokenEntry:
    if not isinstance(body, dict):
        raise ConfigError(f"{where}: [{symbol}] must be a table (address, asset, feed, decimals)")
    unknown = set(body) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} in [{symbol}]; "
                          f"known: {', '.join(sorted(_KEYS))}")
    if not _NAME.match(symbol):
        raise ConfigError(f"{where}: '{symbol}' is not a token symbol (letters, digits, . _ -)")
    for key in ("address", "feed"):
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or not _ADDRESS.match(value)):
            raise ConfigError(f"{where}: [{symbol}] {key} must be a 0x-prefixed 20-byte hex address")
    asset = body.get("asset")
    if asset is not None and (not isinstance(asset, str) or not _NAME.match(asset)):
        raise ConfigError(f"{where}: [{symbol}] asset must be a market asset such as ETH, BTC or XAU")
    decimals = body.get("decimals")
    if decimals is not None and (not isinstance(decimals, int) or isinstance(decimals, bool)
                                 or not 0 <= decimals <= 36):
        raise ConfigError(f"{where}: [{symbol}] decimals must be a whole number from 0 to 36")
    hedge = body.get("hedge", True)
    if not isinstance(hedge, bool):
        raise ConfigError(f"{where}: [{symbol}] hedge must be true or false")
    return TokenEntry(symbol, body.get("address"), asset.upper() if asset else None, body.get("feed"), decimals,
                      hedge)


def parse_token_map(text: str, where: str = "tokens.toml") -> dict[str, list[TokenEntry]]:
    """Chain profile name -> its entries, validated."""
    import tomllib

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}") from None
    out: dict[str, list[TokenEntry]] = {}
    for chain, tokens in raw.items():
        if not isinstance(tokens, dict):
            raise ConfigError(f"{where}: [{chain}] must hold one table per token, e.g. [{chain}.XAUT0]")
        out[chain.lower()] = [_entry(where, sym, body) for sym, body in tokens.items()]
    return out


def load_token_map(path: Path | None = None) -> dict[str, list[TokenEntry]]:
    p = path or token_map_path()
    try:
        text = p.read_text()
    except FileNotFoundError:
        if path is not None:
            raise ConfigError(f"token map {p} does not exist") from None
        return {}
    return parse_token_map(text, p.name)


def apply_token_map(profile: "ChainProfile", entries: list[TokenEntry]) -> "ChainProfile":
    """The profile with the user's tokens added and re-mapped (a new value; the original is untouched)."""
    from hedgefi.chain.profiles import TokenInfo

    tokens = list(profile.tokens)
    for e in entries:
        i = next((k for k, t in enumerate(tokens) if t.symbol.upper() == e.symbol.upper()
                  or (e.address is not None and t.address.lower() == e.address.lower())), None)
        if i is None:
            if e.address is None:
                raise ConfigError(f"token map: {e.symbol} is not a token of chain '{profile.name}'; "
                                  "give its address to add it")
            asset = e.asset or e.symbol.upper()
            feed = e.feed or profile.feed_for_asset(asset)
            tokens.append(TokenInfo(e.symbol, e.address, -1 if e.decimals is None else e.decimals, feed, asset,
                                    e.hedge))
            continue
        t = tokens[i]
        if e.address is not None and e.address.lower() != t.address.lower():
            raise ConfigError(f"token map: {e.symbol} is {t.address} on chain '{profile.name}', not {e.address}")
        if e.asset is not None and e.asset != (t.asset or t.symbol).upper():
            raise ConfigError(f"token map: {t.symbol} already represents {(t.asset or t.symbol).upper()} on chain "
                              f"'{profile.name}'; only `hedge` and `feed` can change for it")
        tokens[i] = replace(t, feed=e.feed or t.feed, hedge=e.hedge)
    return replace(profile, tokens=tuple(tokens))


def hedge_asset(profile: "ChainProfile", address: str | None) -> str | None:
    """The asset a holding is hedged as: native -> the native symbol; a token -> its mapped asset, or None."""
    if address is None:
        return profile.native_symbol.upper()
    for t in profile.tokens:
        if t.address.lower() == address.lower():
            return (t.asset or t.symbol).upper() if t.hedge else None
    return None


__all__ = ["TokenEntry", "token_map_path", "parse_token_map", "load_token_map", "apply_token_map",
           "hedge_asset"]
