"""Hedge policies from --ratio and from TOML plan files: every field validated with a clear error."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hedgefi.core.errors import InputError, UnknownNameError
from hedgefi.hedge.policy import HedgePolicy, load_plan


def _plan(tmp_path: Path, text: str) -> HedgePolicy:
    p = tmp_path / "plan.toml"
    p.write_text(text)
    return load_plan(p)


def test_full_plan(tmp_path: Path) -> None:
    policy = _plan(tmp_path, """
default_ratio = 0.5
max_fees_usd = 100
[assets.eth]
ratio = 0.6
venue = ["gmx"]
max_leverage = 3
drift_band = 0.02
min_liquidation_distance = 0.25
""")
    eth = policy.for_asset("ETH")
    assert eth and (eth.ratio, eth.venues, eth.max_leverage, eth.drift_band) == (Decimal("0.6"), ("gmx",), 3,
                                                                                 Decimal("0.02"))
    assert policy.for_asset("BTC").ratio == Decimal("0.5") and policy.max_fees_usd == 100


@pytest.mark.parametrize("text, expect", [
    ("default_ratio = 1.5", "at most 1"),
    ("default_ratio = -0.1", "at least 0"),
    ("default_ratio = 'half'", "must be a number"),
    ("default_ratio = 0.5\nfoo = 1", "unknown key"),
    ("[assets.ETH]\nratio = 0.5\nlevrage = 2", "unknown field"),
    ("[assets.ETH]\nvenue = 'gmx'", "'ratio' is required"),
    ("[assets.ETH]\nratio = 0.5\nmax_leverage = 20\nmin_liquidation_distance = 0.2", "lower the leverage"),
    ("[assets.ETH]\nratio = 0.5\ndrift_band = 0", "above 0"),
    ("[assets.ETH]\nratio = 0.5\nvenue = 3", "venue must be"),
    ("default_ratio = 0.5\nmax_fees_usd = -1", "at least 0"),
    ("", "nothing to hedge"),
    ("default_ratio = = 0.5", "not valid TOML"),
])
def test_bad_plans_say_what_is_wrong(tmp_path: Path, text: str, expect: str) -> None:
    with pytest.raises(InputError, match=expect):
        _plan(tmp_path, text)


def test_unknown_venue_suggests(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'gmx'"):
        _plan(tmp_path, "[assets.ETH]\nratio = 0.5\nvenue = 'gmxx'")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_plan(tmp_path / "nope.toml")


def test_trend_proxy_and_exposure_addresses(tmp_path: Path) -> None:
    policy = _plan(tmp_path, """
exposure_addresses = ["0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"]
[defaults]
policy = "trend"
min_ratio = 0.2
max_ratio = 0.8
[assets.BTC]
signal = "momentum"
signal_days = 14
[assets.ETH]
policy = "fixed"
ratio = 0.5
[assets.ARB]
ratio = 0.4
policy = "fixed"
proxy = "eth"
min_correlation = 0.7
beta_days = 30
[assets.LINK]
signal = "mypkg.signals:score"
""")
    btc, eth, arb, link = (policy.for_asset(a) for a in ("BTC", "ETH", "ARB", "LINK"))
    assert btc and eth and arb and link
    assert (btc.policy, btc.min_ratio, btc.max_ratio, btc.signal, btc.signal_days, btc.ratio) == \
        ("trend", Decimal("0.2"), Decimal("0.8"), "momentum", 14, Decimal("0.8"))   # ratio: max_ratio, the fallback
    assert btc.is_trend and not eth.is_trend and (eth.ratio, eth.min_ratio) == (Decimal("0.5"), None)
    assert (arb.proxy, arb.min_correlation, arb.beta_days) == ("ETH", Decimal("0.7"), 30)
    assert link.signal == "mypkg.signals:score" and link.signal_days == 30 and link.beta_days == 60
    assert policy.for_asset("SOL") and policy.for_asset("SOL").is_trend   # type: ignore[union-attr]
    assert policy.exposure_addresses == ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",)  # EIP-55, once
    assert _plan(tmp_path, "default_ratio = 0.5").exposure_addresses == ()


@pytest.mark.parametrize("text, expect", [
    ("[assets.ETH]\npolicy = 'trend'\nmax_ratio = 0.5", "needs 'min_ratio'"),
    ("[assets.ETH]\npolicy = 'trend'\nmin_ratio = 0.5", "needs 'max_ratio'"),
    ("[assets.ETH]\npolicy = 'trend'\nmin_ratio = 0.6\nmax_ratio = 0.5", "min_ratio 0.6 is above max_ratio 0.5"),
    ("[assets.ETH]\npolicy = 'trend'\nmin_ratio = -0.1\nmax_ratio = 0.5", "min_ratio must be at least 0"),
    ("[assets.ETH]\npolicy = 'trend'\nmin_ratio = 0.1\nmax_ratio = 1.5", "max_ratio must be at most 1"),
    ("[assets.ETH]\npolicy = 'rotational'\nratio = 0.5", "policy must be \"fixed\" or \"trend\""),
    ("[assets.ETH]\nratio = 0.5\nsignal = 'rsi'", "signal must be"),
    ("[assets.ETH]\nratio = 0.5\nsignal = 'mypkg.mod'", "module:function"),
    ("[assets.ETH]\nratio = 0.5\nsignal_days = 0", "between 1 and 3650"),
    ("[assets.ETH]\nratio = 0.5\nsignal_days = 2.5", "whole number of days"),
    ("[assets.ETH]\nratio = 0.5\nbeta_days = '60'", "whole number of days"),
    ("[assets.ETH]\nratio = 0.5\nproxy = 3", "proxy must be an asset symbol"),
    ("[assets.ETH]\nratio = 0.5\nmin_correlation = 1.2", "at most 1"),
    ("[assets.ETH]\nratio = 0.5\nmin_ratio = 0.1\nmaxratio = 2", "unknown field"),
    ("default_ratio = 0.5\nexposure_addresses = '0xabc'", "must be a list"),
    ("default_ratio = 0.5\nexposure_addresses = ['0x1234']", "not a 20-byte hex address"),
    ("default_ratio = 0.5\nexposure_addresses = ['0x52908400098527886E0F7030069857D2E4169Ee7']", "bad EIP-55"),
])
def test_bad_engine_fields_say_what_is_wrong(tmp_path: Path, text: str, expect: str) -> None:
    with pytest.raises(InputError, match=expect):
        _plan(tmp_path, text)
