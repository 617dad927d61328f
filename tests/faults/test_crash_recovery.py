"""`kill -9` of `hedge apply --broadcast` at several points, then a re-run: no duplicate order, no lost
funds, the hedge converges to the target. Crash points are set with HEDGEFI_FAULT_INJECT (SIGKILL)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.helpers import run_cli

TARGET = Decimal("0.5")


def _state(cli):  # type: ignore[no-untyped-def]
    pos = json.loads(cli("positions", "--json").stdout)
    hold = json.loads(cli("holdings", "--json").stdout)
    return pos, hold


def _ratios(pos, hold) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    asset_of = {"ETH": "ETH", "WETH": "ETH", "WBTC": "BTC", "ARB": "ARB", "LINK": "LINK", "PAXG": "XAU"}
    exposure: dict[str, Decimal] = {}
    for a in hold["assets"]:
        if a["symbol"] in asset_of:
            k = asset_of[a["symbol"]]
            exposure[k] = exposure.get(k, Decimal(0)) + Decimal(a["value_usd"])
    hedge: dict[str, Decimal] = {}
    for p in pos["positions"]:
        hedge[p["asset"]] = hedge.get(p["asset"], Decimal(0)) + Decimal(p["size_tokens"]) * Decimal(p["mark_price"])
    return {k: hedge.get(k, Decimal(0)) / v for k, v in exposure.items()}


@pytest.mark.parametrize("point", ["after_sign", "after_send", "after_mined"])
def test_killed_broadcast_then_rerun_converges_without_duplicates(devnet, cli, point) -> None:  # type: ignore[no-untyped-def]
    devnet.set_market_hours("commodities", True)      # the gold short goes to gTrade, which keeps market hours
    r = run_cli("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes", env={"HEDGEFI_FAULT_INJECT": point})
    assert r.code == -9, (r.code, r.stderr[-400:])  # killed by SIGKILL at the crash point
    r = cli("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr[-800:]
    pos, hold = _state(cli)
    assert pos["pending_orders"] == []
    assets = [p["asset"] for p in pos["positions"]]
    assert sorted(assets) == sorted(set(assets)) == ["ARB", "BTC", "ETH", "LINK", "XAU"]  # one each
    assert {p["venue"] for p in pos["positions"]} == {"gmx", "gtrade"}
    for asset, ratio in _ratios(pos, hold).items():
        assert abs(ratio - TARGET) <= TARGET * Decimal("0.05"), (asset, ratio)
    # nothing lost: USDC left + collateral in the shorts + fees paid = what the wallet had
    usdc = next(Decimal(a["balance"]) for a in hold["assets"] if a["symbol"] == "USDC")
    collateral = sum(Decimal(p["collateral_amount"]) for p in pos["positions"])
    assert Decimal(200000) - usdc - collateral < Decimal(200)  # position fees (6 bps of ~$237k)
    journal = json.loads(cli("tx", "list", "--json").stdout)
    assert {t["state"] for t in journal["transactions"]} <= {"mined", "replaced", "abandoned"}
    assert json.loads(cli("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes", "--json").stdout)["orders"] == []


def test_keeper_paused_past_the_cancel_window(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim import control
    from hedgefi.sim.keeper import set_paused

    usdc_before = Decimal(200000)
    set_paused(True)
    try:
        r = cli("short", "open", "ETH", "--size-usd", "20000", "--broadcast", "--yes", "--wait", "1")
        assert r.code == 6  # created, still pending
        (order,) = json.loads(cli("orders", "--json").stdout)["pending_orders"]
        # a re-run of the hedge while it is pending counts it: no duplicate
        plan = json.loads(cli("hedge", "plan", "--plan", str(_eth_plan(devnet, 20000)), "--json").stdout)
        assert plan["orders"] == []
        control.advance(301)
        r = cli("orders", "--cancel", order["key"], "--broadcast", "--yes")
        assert r.code == 0, r.stderr[-500:]
        hold = json.loads(cli("holdings", "--json").stdout)
        usdc = next(Decimal(a["balance"]) for a in hold["assets"] if a["symbol"] == "USDC")
        assert usdc == usdc_before  # the collateral came back
        assert json.loads(cli("orders", "--json").stdout)["pending_orders"] == []
    finally:
        set_paused(False)
    r = cli("short", "open", "ETH", "--size-usd", "20000", "--broadcast", "--yes")
    assert r.code == 0
    (p,) = json.loads(cli("positions", "--json").stdout)["positions"]
    assert Decimal(p["size_usd"]) == 20000


def _eth_plan(devnet, usd: int):  # type: ignore[no-untyped-def]
    import tempfile
    from pathlib import Path

    exposure = Decimal(120 * 3000)
    path = Path(tempfile.mkdtemp()) / "plan.toml"
    path.write_text(f"[assets.ETH]\nratio = {Decimal(usd) / exposure}\n")
    return path
