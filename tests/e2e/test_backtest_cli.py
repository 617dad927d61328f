"""`hedgefi backtest` on the devnet's seeded feed history: hedged vs unhedged figures and a chart."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest


SVG = "{http://www.w3.org/2000/svg}"


def test_backtest_json_and_chart(devnet, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "plan.toml"
    plan.write_text("""
default_ratio = 0.5
[assets.BTC]
policy = "trend"
min_ratio = 0.2
max_ratio = 0.8
signal = "momentum"
signal_days = 14
""")
    out = tmp_path / "bt.svg"
    r = cli("backtest", "--plan", str(plan), "--days", "90", "--json", "--chart", str(out))
    assert r.code == 0, r.stderr[-800:]
    doc = json.loads(r.stdout)
    # the whole hours in the 90 days before the latest block (its first or last may fall outside)
    assert 90 * 24 - 2 <= doc["hours"] <= 90 * 24 and len(doc["points"]) == doc["hours"] + 1
    assert {a["asset"] for a in doc["assets"]} >= {"ETH", "BTC"} and doc["chart"] == str(out)
    for key in ("final_hedged_usd", "final_unhedged_usd", "max_drawdown_hedged", "max_drawdown_unhedged",
                "carry_paid_usd", "fees_usd", "rebalances", "liquidations_avoided", "liquidations_suffered"):
        assert key in doc
    assert doc["final_hedged_usd"] != doc["final_unhedged_usd"] and float(doc["fees_usd"]) > 0
    assert any("current funding + borrowing" in a for a in doc["assumptions"])
    btc = next(a for a in doc["assets"] if a["asset"] == "BTC")
    assert 0.2 <= float(btc["final_ratio"]) <= 0.8
    texts = [t.text or "" for t in ET.fromstring(out.read_text()).iter(SVG + "text")]
    assert any(t.startswith("$") for t in texts) and "unhedged" in texts
    r = cli("backtest", "--plan", str(plan), "--days", "30", "--chart", str(tmp_path / "bt.png"))
    assert r.code == 0, r.stderr[-800:]
    assert "Max drawdown" in r.stdout and "assumed:" in r.stdout and (tmp_path / "bt.png").stat().st_size > 1000
