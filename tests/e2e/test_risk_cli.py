"""`hedgefi watch` and `hedgefi scenario` on the devnet after a real 50% hedge."""

from __future__ import annotations

import json
from decimal import Decimal


def _hedge(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes")
    assert r.code == 0, r.stderr[-500:]


def test_watch_once_alerts_and_exit_codes(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    _hedge(cli)
    r = cli("watch", "--once", "--alert-liq-distance", "50%")
    assert r.code == 8, r.stderr
    assert "gmx ETH short" in r.stderr and "from liquidation" in r.stderr
    r = cli("watch", "--once", "--alert-liq-distance", "10%", "--alert-carry-apr", "90%")
    assert r.code == 0, r.stderr
    assert "No alert" in r.stdout and "Hedge ratio per asset" in r.stdout
    r = cli("watch", "--once", "--json", "--alert-drift", "10%", "--target-ratio", "0.8")
    assert r.code == 8
    snap = json.loads(r.stdout)
    assert {"portfolio_value_usd", "assets", "positions", "pending_orders", "alerts"} <= set(snap)
    assert {a["kind"] for a in snap["alerts"]} == {"drift"}
    assert all(p["funding_apr"] is not None for p in snap["positions"])


def test_scenario_svg_hedged_flatter(devnet, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _hedge(cli)
    out = tmp_path / "out.svg"
    r = cli("scenario", "--asset", "ETH", "--svg", str(out))
    assert r.code == 0, r.stderr
    assert "liquidated at" in r.stdout and out.is_file()
    import xml.etree.ElementTree as ET

    texts = [t.text or "" for t in ET.fromstring(out.read_text()).iter("{http://www.w3.org/2000/svg}text")]
    assert "$0" in texts and "hedged" in texts and any(t.startswith("liquidation: gmx ETH short") for t in texts)
    r = cli("scenario", "--asset", "ETH", "--json")
    points = json.loads(r.stdout)["points"]
    unhedged = [Decimal(p["unhedged_usd"]) for p in points]
    hedged = [Decimal(p["hedged_usd"]) for p in points]
    assert max(hedged) - min(hedged) < max(unhedged) - min(unhedged)
    r = cli("scenario", "--asset", "BTC", "--ratio", "0.8", "--from", "-30%", "--to", "30%", "--json")
    data = json.loads(r.stdout)
    assert data["asset"] == "BTC" and len(data["points"]) == 41


def test_scenario_bad_inputs(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("scenario", "--asset", "DOGE")
    assert r.code == 1 and "unknown asset in the wallet 'DOGE'" in r.stderr
    r = cli("scenario", "--from", "20%", "--to", "10%")
    assert r.code == 1 and "--from must be" in r.stderr
    r = cli("watch", "--once", "--alert-drift", "10%")
    assert r.code == 1 and "--target-ratio" in r.stderr


def test_watch_equity_is_holdings_plus_what_closing_returns(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim import control

    _hedge(cli)
    control.advance(86400)
    control.set_price("ETH", "-2%")
    snap = json.loads(cli("watch", "--once", "--json").stdout)
    held = Decimal(json.loads(cli("holdings", "--json").stdout)["total_value_usd"])
    positions = snap["positions"]
    assert {p["venue"] for p in positions} == {"gmx", "gtrade"}
    closes = sum(Decimal(p["close_value_usd"]) + Decimal(p["claimable_funding_usd"]) for p in positions)
    assert Decimal(snap["portfolio_value_usd"]) == (held + closes).quantize(Decimal("0.01"))
    # not collateral + raw PnL: the closing fees (and gTrade's realised opening fees) come off
    raw = sum(Decimal(p["collateral_amount"]) + Decimal(p["pnl_usd"]) - Decimal(p["funding_fee_usd"])
              - Decimal(p["borrowing_fee_usd"]) for p in positions)
    fees = sum(Decimal(p["closing_fee_usd"]) for p in positions)
    assert fees > 0 and closes < raw
