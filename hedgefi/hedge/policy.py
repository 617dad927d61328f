"""Hedge policy: per-asset ratio, venue choice, leverage, collateral, drift band, safety limits.

``HedgePolicy.from_ratio(0.5)`` hedges every hedgeable asset at 50%; ``load_plan(path)`` reads a TOML
file and validates every field with a clear error::

    default_ratio = 0.5          # for assets not listed
    max_fees_usd = 250           # refuse a run whose estimated fees exceed this
    [assets.ETH]
    ratio = 0.6
    venue = "auto"               # "auto", "gmx", or a list to split across: ["gmx", "gtrade"]
    max_leverage = 3
    collateral = "USDC"
    max_collateral = 40000       # commit at most this much collateral (token units) to this asset's shorts
    drift_band = 0.05            # no trade while |hedge - target| <= 5% of the target
    market = "0x70d9..."         # optional: only this market (GMX: its market token; an asset has several)
    min_liquidation_distance = 0.2
    [assets.BTC]
    policy = "trend"             # "fixed" (default: hedge at ratio) or "trend": a signal picks the ratio
    min_ratio = 0.2              # trend: the ratio in an uptrend ...
    max_ratio = 0.8              # ... and in a downtrend (hedge.signals documents the rule)
    signal = "ma"                # "ma" (price vs its N-day moving average), "momentum" (N-day return),
                                 # or "mypkg.mod:fn" (your function: fn(series, policy) -> score in [-1, 1])
    signal_days = 30             # N
    [assets.ARB]
    ratio = 0.5
    proxy = "ETH"                # no usable ARB market: short ETH x beta instead ("auto": best correlated)
    min_correlation = 0.6        # below it the asset stays unhedged, with the reason
    beta_days = 60               # the window the beta and the correlation are estimated over

A trend asset's ``ratio`` is optional: it defaults to ``max_ratio``, the ratio used when the signal
cannot be computed (the conservative choice). Plan level, ``exposure_addresses = ["0x...", ...]`` lists
further addresses (a treasury Safe, hot wallets) whose holdings count as exposure; the trading wallet holds
the shorts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from hedgefi.core.errors import InputError
from hedgefi.core.units import money

DEFAULT_DRIFT = Decimal("0.05")
DEFAULT_LEVERAGE = Decimal("2")
DEFAULT_MIN_LIQ_DISTANCE = Decimal("0.2")
DEFAULT_SIGNAL_DAYS = 30
DEFAULT_MIN_CORRELATION = Decimal("0.6")
DEFAULT_BETA_DAYS = 60
POLICY_KINDS = ("fixed", "trend")
BUILTIN_SIGNALS = ("ma", "momentum")


@dataclass(frozen=True, slots=True)
class AssetPolicy:
    ratio: Decimal
    venues: tuple[str, ...] = ("auto",)
    max_leverage: Decimal = DEFAULT_LEVERAGE
    collateral: str = "USDC"
    max_collateral: Decimal | None = None    # collateral (token units) this asset's shorts may hold in total
    drift_band: Decimal = DEFAULT_DRIFT
    min_liquidation_distance: Decimal = DEFAULT_MIN_LIQ_DISTANCE
    market: str | None = None                # only this venue market (GMX: a market token); None: any
    policy: str = "fixed"                    # "fixed": hedge at ratio; "trend": hedge.signals picks the ratio
    min_ratio: Decimal | None = None         # trend: the ratio range the signal moves in
    max_ratio: Decimal | None = None
    signal: str = "ma"                       # "ma", "momentum" or "module:function"
    signal_days: int = DEFAULT_SIGNAL_DAYS   # N of the signal (days)
    proxy: str | None = None                 # hedge on this asset's market x beta ("auto": best correlated)
    min_correlation: Decimal = DEFAULT_MIN_CORRELATION
    beta_days: int = DEFAULT_BETA_DAYS       # window of the proxy's beta and correlation (days)

    @property
    def is_trend(self) -> bool:
        return self.policy == "trend"


@dataclass(frozen=True, slots=True)
class HedgePolicy:
    default: AssetPolicy | None
    assets: dict[str, AssetPolicy] = field(default_factory=dict)
    max_fees_usd: Decimal | None = None
    exposure_addresses: tuple[str, ...] = ()   # further holders whose balances count as exposure (checksummed)

    def for_asset(self, asset: str) -> AssetPolicy | None:
        return self.assets.get(asset.upper(), self.default)

    @classmethod
    def from_ratio(cls, ratio: Decimal, *, max_fees_usd: Decimal | None = None) -> "HedgePolicy":
        return cls(default=_asset_policy({"ratio": ratio}, "--ratio"), max_fees_usd=max_fees_usd)


def _dec(value: Any, where: str, *, lo: Decimal | None = None, hi: Decimal | None = None,
         lo_open: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise InputError(f"{where} must be a number")
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise InputError(f"{where} must be a number, got {value!r}") from None
    if not d.is_finite():
        raise InputError(f"{where} must be a finite number")
    if lo is not None and (d < lo or (lo_open and d == lo)):
        raise InputError(f"{where} must be {'above' if lo_open else 'at least'} {lo}, got {d}")
    if hi is not None and d > hi:
        raise InputError(f"{where} must be at most {hi}, got {d}")
    return d


_FIELDS = {"ratio", "venue", "max_leverage", "collateral", "max_collateral", "drift_band", "min_liquidation_distance",
           "market", "policy", "min_ratio", "max_ratio", "signal", "signal_days", "proxy", "min_correlation",
           "beta_days"}
_SIGNAL_HOOK = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_]\w*$")


def _days(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where} must be a whole number of days, got {value!r}")
    if not 1 <= value <= 3650:
        raise InputError(f"{where} must be between 1 and 3650 days, got {value}")
    return value


@money
def _asset_policy(raw: dict[str, Any], where: str, base: AssetPolicy | None = None,
                  require_ratio: bool = False) -> AssetPolicy:
    unknown = set(raw) - _FIELDS
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_FIELDS))}")
    b = base or AssetPolicy(Decimal(0))
    kind = raw.get("policy", b.policy)
    if kind not in POLICY_KINDS:
        raise InputError(f"{where}.policy must be \"fixed\" or \"trend\", got {kind!r}")
    trend = _trend_fields(raw, where, b) if kind == "trend" else None
    if "ratio" not in raw and (base is None or require_ratio) and trend is None:
        raise InputError(f"{where}: 'ratio' is required")
    if "ratio" in raw:
        ratio = _dec(raw["ratio"], f"{where}.ratio", lo=Decimal(0), hi=Decimal(1))
    else:
        ratio = trend[1] if trend is not None else b.ratio    # trend: max_ratio, its fallback
    venues = b.venues
    if "venue" in raw:
        v = raw["venue"]
        names = [v] if isinstance(v, str) else v
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise InputError(f"{where}.venue must be \"auto\", a venue name, or a list of venue names")
        from hedgefi.venues.registry import venue_names
        from hedgefi.core.errors import UnknownNameError

        for n in names:
            if n != "auto" and n.lower() not in venue_names():
                raise UnknownNameError("venue", n, [*venue_names(), "auto"])
        venues = tuple(n.lower() for n in names)
    lev = _dec(raw["max_leverage"], f"{where}.max_leverage", lo=Decimal(1), hi=Decimal(100)) \
        if "max_leverage" in raw else b.max_leverage
    coll = raw.get("collateral", b.collateral)
    if not isinstance(coll, str) or not coll:
        raise InputError(f"{where}.collateral must be a token symbol such as \"USDC\"")
    drift = _dec(raw["drift_band"], f"{where}.drift_band", lo=Decimal(0), hi=Decimal(1), lo_open=True) \
        if "drift_band" in raw else b.drift_band
    liq = _dec(raw["min_liquidation_distance"], f"{where}.min_liquidation_distance", lo=Decimal(0), hi=Decimal(1)) \
        if "min_liquidation_distance" in raw else b.min_liquidation_distance
    if 1 / lev <= liq:
        raise InputError(f"{where}: max_leverage {lev} puts the liquidation price within "
                         f"{(1 / lev * 100).quantize(Decimal('0.1'))}% of entry, closer than "
                         f"min_liquidation_distance {liq}; lower the leverage")
    max_coll = _dec(raw["max_collateral"], f"{where}.max_collateral", lo=Decimal(0), lo_open=True) \
        if "max_collateral" in raw else b.max_collateral
    market = raw.get("market", b.market)
    if market is not None and (not isinstance(market, str) or not market.strip()):
        raise InputError(f"{where}.market must be a market id such as a GMX market token address")
    signal = raw.get("signal", b.signal)
    if not isinstance(signal, str) or (signal not in BUILTIN_SIGNALS and not _SIGNAL_HOOK.match(signal)):
        raise InputError(f"{where}.signal must be \"ma\", \"momentum\" or \"module:function\", got {signal!r}")
    signal_days = _days(raw["signal_days"], f"{where}.signal_days") if "signal_days" in raw else b.signal_days
    proxy = raw.get("proxy", b.proxy)
    if proxy is not None and (not isinstance(proxy, str) or not re.fullmatch(r"[A-Za-z0-9._-]+", proxy)):
        raise InputError(f"{where}.proxy must be an asset symbol such as \"ETH\", or \"auto\"")
    if proxy is not None:
        proxy = "auto" if proxy.lower() == "auto" else proxy.upper()
    min_corr = _dec(raw["min_correlation"], f"{where}.min_correlation", lo=Decimal(0), hi=Decimal(1)) \
        if "min_correlation" in raw else b.min_correlation
    beta_days = _days(raw["beta_days"], f"{where}.beta_days") if "beta_days" in raw else b.beta_days
    lo_r, hi_r = (trend[0], trend[1]) if trend is not None else (None, None)
    return AssetPolicy(ratio, venues, lev, coll.upper(), max_coll, drift, liq, market, kind, lo_r, hi_r, signal,
                       signal_days, proxy, min_corr, beta_days)


def _trend_fields(raw: dict[str, Any], where: str, b: AssetPolicy) -> tuple[Decimal, Decimal]:
    """min_ratio and max_ratio of a trend policy: both required (here or in [defaults]), 0 <= min <= max <= 1."""
    got: list[Decimal] = []
    for name in ("min_ratio", "max_ratio"):
        inherited = getattr(b, name) if b.policy == "trend" else None
        if name in raw:
            got.append(_dec(raw[name], f"{where}.{name}", lo=Decimal(0), hi=Decimal(1)))
        elif inherited is not None:
            got.append(inherited)
        else:
            raise InputError(f"{where}: policy \"trend\" needs '{name}'")
    if got[0] > got[1]:
        raise InputError(f"{where}: min_ratio {got[0]} is above max_ratio {got[1]}")
    return got[0], got[1]


def load_plan(path: Path) -> HedgePolicy:
    import tomllib

    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"plan file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"plan file {path} is not valid TOML: {exc}") from None
    allowed = {"default_ratio", "defaults", "assets", "max_fees_usd", "exposure_addresses"}
    unknown = set(raw) - allowed
    if unknown:
        raise InputError(f"{path.name}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(allowed))}")
    defaults_raw = raw.get("defaults", {})
    if not isinstance(defaults_raw, dict):
        raise InputError(f"{path.name}: [defaults] must be a table")
    if "default_ratio" in raw:
        defaults_raw = {**defaults_raw, "ratio": raw["default_ratio"]}
    default_given = "ratio" in defaults_raw or defaults_raw.get("policy") == "trend"
    default = _asset_policy(defaults_raw, "defaults") if default_given else None
    base = default or _asset_policy({**defaults_raw, "ratio": 0}, "defaults")
    assets_raw = raw.get("assets", {})
    if not isinstance(assets_raw, dict):
        raise InputError(f"{path.name}: [assets] must be a table of tables")
    assets = {}
    for name, body in assets_raw.items():
        if not isinstance(body, dict):
            raise InputError(f"{path.name}: [assets.{name}] must be a table")
        assets[name.upper()] = _asset_policy(body, f"assets.{name}", base, require_ratio=default is None)
    fees = _dec(raw["max_fees_usd"], "max_fees_usd", lo=Decimal(0)) if "max_fees_usd" in raw else None
    if default is None and not assets:
        raise InputError(f"{path.name}: nothing to hedge (set default_ratio or an [assets.X] table)")
    return HedgePolicy(default, assets, fees, _exposure_addresses(raw.get("exposure_addresses", []), path.name))


def _exposure_addresses(raw: Any, where: str) -> tuple[str, ...]:
    """The plan's ``exposure_addresses``: a list of addresses, returned checksummed, each once."""
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        raise InputError(f"{where}: exposure_addresses must be a list of addresses such as [\"0xAbC...\"]")
    from hedgefi.wallet.signers import parse_address

    out: list[str] = []
    for a in raw:
        c = parse_address(a, what=f"{where}: exposure_addresses entry")
        if c not in out:
            out.append(c)
    return tuple(out)


__all__ = ["AssetPolicy", "HedgePolicy", "load_plan", "DEFAULT_DRIFT", "POLICY_KINDS", "BUILTIN_SIGNALS"]
