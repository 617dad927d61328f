"""`watch` and `positions` around a GMX liquidation, through the real CLI: the alert as the price nears the
liquidation price, then, after `devnet liquidate`, the position reported as liquidated (from its
PositionDecrease log with orderType Liquidation) rather than just gone; and `short resize` below GMX's
minimum, which GMX turns into a close, said before sending and reported after."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from hedgefi.sim import control
from tests.helpers import usdc_raw


def _gmx_short(cli: Any) -> dict[str, Any] | None:
    r = cli("positions", "--venue", "gmx", "--json")
    assert r.code == 0, r.stderr[-500:]
    data = json.loads(r.stdout)
    return next((p for p in data["positions"] if p["asset"] == "ETH" and p["side"] == "short"), None)


def _watch(cli: Any) -> tuple[int, dict[str, Any]]:
    r = cli("watch", "--once", "--json", "--alert-liq-distance", "10%")
    return r.code, json.loads(r.stdout)


def test_watch_alerts_near_liquidation_then_reports_the_liquidation(devnet, cli, conn, demo) -> None:  # type: ignore[no-untyped-def]
    r = cli("short", "open", "ETH", "--size-usd", "10000", "--leverage", "5", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code == 0, r.stderr[-500:]
    p = _gmx_short(cli)
    assert p is not None
    liq = Decimal(p["liquidation_price"])
    code, snap = _watch(cli)
    assert code == 0 and snap["alerts"] == [] and snap["liquidated"] == []

    control.set_price("ETH", str((liq * Decimal("0.95")).quantize(Decimal("0.01"))))   # about 5% away
    code, snap = _watch(cli)
    assert code == 8 and {a["kind"] for a in snap["alerts"]} == {"liquidation"}

    control.set_price("ETH", str((liq * Decimal("1.002")).quantize(Decimal("0.01"))))  # just past it
    before = _gmx_short(cli)
    assert before is not None
    usdc_before = usdc_raw(conn, demo.address)
    r = cli("devnet", "liquidate", "--address", demo.address, "--json")
    assert r.code == 0, r.stderr[-500:]
    done = json.loads(r.stdout)
    # every position of the wallet is tried (its small short in the unpriced SYN market too); only the ETH one goes
    [mine] = [x for x in done["positions"] if x["liquidated"]]
    assert done["liquidated"] == 1 and mine["market"].lower() == p["market"].lower()
    assert mine["account"].lower() == demo.address.lower()
    # the collateral left after the loss and the costs of the close comes back to the trader
    returned = Decimal(usdc_raw(conn, demo.address) - usdc_before) / Decimal(10**6)
    assert Decimal(before["close_value_usd"]) > 0
    assert returned == pytest.approx(Decimal(before["close_value_usd"]), abs=Decimal("0.001"))

    code, snap = _watch(cli)
    assert code == 8 and [a["kind"] for a in snap["alerts"]] == ["liquidated"]
    [gone] = snap["liquidated"]
    assert gone["position_key"] == mine["position_key"] and gone["tx_hash"] == mine["tx_hash"]
    assert (gone["venue"], gone["asset"], gone["side"], gone["collateral_token"]) == ("gmx", "ETH", "short", "USDC")
    assert Decimal(gone["size_usd"]) == Decimal(p["size_usd"])
    assert Decimal(gone["price"]) == pytest.approx(liq * Decimal("1.002"), rel=Decimal("1e-6"))
    assert not any(x["venue"] == "gmx" and x["asset"] == "ETH" for x in snap["positions"])
    r = cli("positions")
    assert r.code == 0 and "Liquidated:" in r.stdout and "gmx ETH short" in r.stdout and "was liquidated" in r.stdout
    r = cli("positions", "--json")
    assert r.code == 0 and [x["asset"] for x in json.loads(r.stdout)["liquidated"]] == ["ETH"]


def test_resize_below_the_minimum_says_gmx_closes_it_and_reports_the_close(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("short", "open", "ETH", "--size-usd", "100", "--leverage", "2", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code == 0, r.stderr[-500:]
    assert _gmx_short(cli) is not None          # seen open: its disappearance is looked into
    r = cli("short", "resize", "ETH", "--to-usd", "5", "--venue", "gmx", "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr[-500:]
    out = json.loads(r.stdout)
    assert any("GMX closes the whole short" in n and "minimum position size" in n for n in out["plan"]["notes"])
    [order] = out["result"]["orders"]
    assert order["status"] == "executed" and "closed the whole position" in order["reason"]
    assert not any(x["venue"] == "gmx" and x["asset"] == "ETH" for x in out["result"]["positions_after"])
    r = cli("positions", "--json")
    data = json.loads(r.stdout)
    assert r.code == 0 and data["positions"] == [] and data["liquidated"] == []   # closed by its owner, not liquidated
