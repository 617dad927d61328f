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
