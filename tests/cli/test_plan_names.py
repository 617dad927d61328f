"""A plan that names an asset the wallet neither holds nor can trade is an error that suggests the
closest one (a typo hedges nothing otherwise), from `hedge plan` and `hedge apply` alike."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("command", [("hedge", "plan"), ("hedge", "apply")])
def test_a_typo_in_a_plan_suggests_the_asset(devnet, cli, tmp_path: Path, command: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "p.toml"
    plan.write_text("[assets.ETHH]\nratio = 0.5\n")
    r = cli(*command, "--plan", str(plan))
    assert r.code != 0, r.output
    assert "ETHH" in r.stderr and "did you mean 'ETH'?" in r.stderr


def test_a_tradable_asset_the_wallet_does_not_hold_is_accepted(devnet, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "p.toml"
    plan.write_text("[assets.ETH]\nratio = 0.5\n[assets.NVDA]\nratio = 0.5\n")   # NVDA: gTrade, not held
    r = cli("hedge", "plan", "--plan", str(plan), "--json")
    assert r.code == 0, r.stderr
