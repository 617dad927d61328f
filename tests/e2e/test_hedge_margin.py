"""Margin maintenance end to end on the devnet (real anvil, signed transactions, the real keepers): a 2x GMX
ETH short and a 2x gTrade ETH short, ETH +40%: `hedge apply` restores each short's liquidation distance by
adding collateral (GMX: a zero-size increase; gTrade: updateLeverage), and a re-run plans nothing; with the
wallet's USDC gone it reduces the shorts instead (collateral kept) and says the hedge ratio left."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from hedgefi.hedge.margin import BUFFER
from hedgefi.venues.base import ShortRequest

MIN_DISTANCE = D("0.2")
SIZE_USD = D(4000)


@pytest.fixture
def ctx(devnet, tmp_path):  # type: ignore[no-untyped-def]
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.venues.gmx.adapter import GmxVenue
    from hedgefi.venues.gtrade.adapter import GtradeVenue
    from hedgefi.wallet.signers import resolve_identity

    from tests.helpers import send, short_position

    conn = connect(get_profile("devnet"))
    ident = resolve_identity(conn.profile)
    gmx, gtrade = GmxVenue(conn), GtradeVenue(conn)
    for v in (gmx, gtrade):
        plan = v.plan_short(ident.address, ShortRequest("ETH", SIZE_USD, "USDC", leverage=D(2)))
        send(conn, v, ident, plan.txs)
        assert short_position(v, ident.address) is not None, v.name
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(_plan_text(conn, ident.address))
    return conn, ident, gmx, gtrade, plan_file


def _plan_text(conn, address: str) -> str:  # type: ignore[no-untyped-def]
    """ETH only, at the ratio the two shorts hold now (so only margin can trade), both venues."""
    from hedgefi.hedge.executor import fetch_state
    from hedgefi.hedge.planner import notional

    st = fetch_state(conn, address)
    exp = next(e for e in st.exposures if e.asset == "ETH")
    hedge = sum((notional(p) for p in st.positions if p.asset == "ETH"), D(0))
    ratio = (hedge / exp.exposure_usd).quantize(D("0.0001"))
    return (f"[assets.ETH]\nratio = {ratio}\nvenue = [\"gmx\", \"gtrade\"]\nmax_leverage = 2\n"
            f"drift_band = 0.2\nmin_liquidation_distance = {MIN_DISTANCE}\n")


def _shorts(gmx, gtrade, address: str):  # type: ignore[no-untyped-def]
    from tests.helpers import short_position

    return {v.name: short_position(v, address) for v in (gmx, gtrade)}


def _apply(cli, plan_file: Path):  # type: ignore[no-untyped-def]
    r = cli("hedge", "apply", "--plan", str(plan_file), "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)


def test_eth_up_40pct_adds_collateral_to_both_shorts_then_a_rerun_plans_nothing(ctx, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim import control

    conn, ident, gmx, gtrade, plan_file = ctx
    control.set_price("ETH", "+40%")
    before = _shorts(gmx, gtrade, ident.address)
    for name, p in before.items():
        assert p.liquidation_distance < MIN_DISTANCE, (name, p.liquidation_distance)
        assert p.margin is not None, name        # the model reproduced the venue's own liquidation price

    plan = cli("hedge", "plan", "--plan", str(plan_file), "--json")
    assert plan.code == 0, plan.stderr
    orders = json.loads(plan.stdout)["orders"]
    assert sorted((o["venue"], o["action"]) for o in orders) == [("gmx", "add_collateral"), ("gtrade", "add_collateral")]
    planned = {o["venue"]: D(o["collateral_delta"]) for o in orders}
    for o in orders:
        assert D(o["collateral_delta"]) > 0 and D(o["size_delta_usd"]) == 0
        assert D(o["liquidation_distance_after"]) >= MIN_DISTANCE + BUFFER

    text = cli("hedge", "plan", "--plan", str(plan_file), env={"COLUMNS": "300"})
    assert text.code == 0 and "add_collateral" in text.stdout and "USDC" in text.stdout, text.stdout
    board = cli("watch", "--once", "--plan", str(plan_file), env={"COLUMNS": "300"})
    assert board.code in (0, 8) and "Top-up" in board.stdout and "+" in board.stdout, board.stdout
    # watch shows, per short, the top-up hedge apply makes
    w = cli("watch", "--once", "--json", "--plan", str(plan_file))
    assert w.code in (0, 8), w.stderr
    shown = {p["venue"]: p["margin_top_up"] for p in json.loads(w.stdout)["positions"]}
    for name, t in shown.items():
        assert t["action"] == "add_collateral" and D(t["collateral_delta"]) == planned[name], (name, t)

    out = _apply(cli, plan_file)
    assert sorted((o["venue"], o["action"], o["status"]) for o in out["orders"]) == [
        ("gmx", "add_collateral", "executed"), ("gtrade", "add_collateral", "executed")]
    after = _shorts(gmx, gtrade, ident.address)
    for name, p in after.items():
        b = before[name]
        assert p.size_tokens == b.size_tokens, name                       # same size
        added = p.collateral_amount - b.collateral_amount
        # GMX settles the pending funding and borrowing from the collateral as the top-up lands
        assert planned[name] - D("0.5") <= added <= planned[name] + D("0.01"), (name, added, planned[name])
        assert p.liquidation_distance >= MIN_DISTANCE, (name, p.liquidation_distance)
        assert p.liquidation_distance <= MIN_DISTANCE + BUFFER + D("0.01"), (name, p.liquidation_distance)

    again = _apply(cli, plan_file)
    assert again["orders"] == [] and again["plan"]["orders"] == []
    w = cli("watch", "--once", "--json", "--plan", str(plan_file))
    assert all(p["margin_top_up"] is None for p in json.loads(w.stdout)["positions"])


def test_with_no_usdc_left_it_reduces_the_shorts_and_says_the_ratio(ctx, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.local import rpc_request, wait_receipt
    from hedgefi.chain.abi import encode_call
    from hedgefi.sim import control

    from tests.helpers import usdc_raw

    conn, ident, gmx, gtrade, plan_file = ctx
    control.set_price("ETH", "+40%")
    usdc = conn.profile.token("USDC").address
    sink = "0x000000000000000000000000000000000000dEaD"
    tx = {"from": ident.address, "to": usdc,
          "data": "0x" + encode_call("transfer(address,uint256)", ["address", "uint256"],
                                     [sink, usdc_raw(conn, ident.address)]).hex()}
    assert wait_receipt(conn.rpc_url, rpc_request(conn.rpc_url, "eth_sendTransaction", [tx]))["status"] == "0x1"
    assert usdc_raw(conn, ident.address) == 0
    before = _shorts(gmx, gtrade, ident.address)

    out = _apply(cli, plan_file)
    orders = sorted(out["plan"]["orders"], key=lambda o: o["venue"])
    # GMX reduces (collateral left in); gTrade at its pair's minimum leverage still sits too close after +40%
    # at 2x (a reduction at constant leverage leaves the liquidation price where it is): it closes
    assert [(o["venue"], o["action"]) for o in orders] == [("gmx", "decrease"), ("gtrade", "close")], out["plan"]
    for o in orders:
        assert "hedge ratio is now" in o["reason"]
    assert {o["status"] for o in out["orders"]} == {"executed"}, out["orders"]
    after = _shorts(gmx, gtrade, ident.address)
    g, b = after["gmx"], before["gmx"]
    assert g is not None and g.size_tokens < b.size_tokens
    assert g.liquidation_distance >= MIN_DISTANCE, g.liquidation_distance
    assert D(orders[0]["liquidation_distance_after"]) >= MIN_DISTANCE + BUFFER
    assert after["gtrade"] is None
    ratio_now = D(out["after"]["assets"][0]["hedge_ratio"])
    said = D(orders[-1]["reason"].rsplit("hedge ratio is now ", 1)[1])
    assert abs(ratio_now - said) <= D("0.002"), (ratio_now, said)
    assert "margin" in out["plan"]["assets"][0]["note"]

    # a re-run takes no margin step again: the shorts hold the minimum; the hedge is now under its target and
    # the wallet (what the gTrade close returned) cannot fund it: refused as any under-funded rebalance, no tx
    from tests.helpers import nonce

    sent = nonce(conn.rpc_url, ident.address)
    r = cli("hedge", "apply", "--plan", str(plan_file), "--broadcast", "--yes")
    assert r.code == 7 and "collateral" in r.stderr, (r.code, r.stderr)
    assert nonce(conn.rpc_url, ident.address) == sent
    plan = json.loads(cli("hedge", "plan", "--plan", str(plan_file), "--json").stdout)
    assert [o["action"] for o in plan["orders"]] == ["increase"]


@pytest.mark.parametrize("backend", ["simulate", "fork"])
def test_the_dry_run_adds_the_collateral_on_both_backends(ctx, backend, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The top-up's dry-run (eth_simulateV1 with the keepers' calls, or an anvil fork with them played): GMX's
    zero-size increase and gTrade's updateLeverage (order type 7) both execute, and the chain is left alone."""
    from hedgefi.hedge.executor import apply
    from hedgefi.hedge.policy import load_plan
    from hedgefi.sim import control

    conn, ident, gmx, gtrade, plan_file = ctx
    control.set_price("ETH", "+40%")
    monkeypatch.setenv("HEDGEFI_DRY_RUN", backend)
    before = _shorts(gmx, gtrade, ident.address)
    result = apply(conn, ident, load_plan(plan_file))
    assert result.mode == "fork" and result.complete, result.orders
    assert result.preview is not None and result.preview["dry_run"]["backend"] == (
        "simulation" if backend == "simulate" else "fork")
    assert sorted((o.venue, o.action, o.status) for o in result.orders) == [
        ("gmx", "add_collateral", "executed"), ("gtrade", "add_collateral", "executed")]
    planned = {i.venue: i.collateral_delta for i in result.plan.intents}
    after = {p.venue: p for p in result.after.positions if p.asset == "ETH" and p.side == "short"}
    for name, b in before.items():
        assert after[name].collateral_amount - b.collateral_amount >= planned[name] - D("0.5"), name
        assert after[name].liquidation_distance >= MIN_DISTANCE, name
    assert _shorts(gmx, gtrade, ident.address) == before            # nothing was sent


def test_after_a_smaller_rally_gtrade_reduces_by_leverage_keeping_its_collateral(ctx, cli) -> None:  # type: ignore[no-untyped-def]
    """ETH +25% and no USDC: both shorts are reduced, not closed; gTrade by a leverage delta, so its collateral
    stays and its leverage falls to what the diamond's own liquidation price then clears."""
    from hedgefi.chain.abi import encode_call
    from hedgefi.chain.local import rpc_request, wait_receipt
    from hedgefi.sim import control
    from hedgefi.venues.gtrade.margin import GtradeMargin

    from tests.helpers import usdc_raw

    conn, ident, gmx, gtrade, plan_file = ctx
    control.set_price("ETH", "+25%")
    tx = {"from": ident.address, "to": conn.profile.token("USDC").address,
          "data": "0x" + encode_call("transfer(address,uint256)", ["address", "uint256"],
                                     ["0x000000000000000000000000000000000000dEaD", usdc_raw(conn, ident.address)]).hex()}
    assert wait_receipt(conn.rpc_url, rpc_request(conn.rpc_url, "eth_sendTransaction", [tx]))["status"] == "0x1"
    before = _shorts(gmx, gtrade, ident.address)
    assert all(p.liquidation_distance < MIN_DISTANCE for p in before.values())
    out = _apply(cli, plan_file)
    orders = sorted(out["plan"]["orders"], key=lambda o: o["venue"])
    assert [(o["venue"], o["action"]) for o in orders] == [("gmx", "decrease"), ("gtrade", "decrease")], out["plan"]
    assert {o["status"] for o in out["orders"]} == {"executed"}, out["orders"]
    after = _shorts(gmx, gtrade, ident.address)
    for name, p in after.items():
        assert p.size_tokens < before[name].size_tokens, name
        assert p.liquidation_distance >= MIN_DISTANCE, (name, p.liquidation_distance)
    g0, g1 = before["gtrade"].margin, after["gtrade"].margin
    assert isinstance(g0, GtradeMargin) and isinstance(g1, GtradeMargin)
    assert g1.collateral_raw == g0.collateral_raw and g1.leverage_e3 < g0.leverage_e3
    said = D(orders[-1]["reason"].rsplit("hedge ratio is now ", 1)[1])
    assert abs(D(out["after"]["assets"][0]["hedge_ratio"]) - said) <= D("0.002")
