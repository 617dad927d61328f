"""Hedge engine v2 on the devnet's seeded feed history: a trend policy's ratio (and its signal) moves when the
devnet is driven into a downtrend; an asset with no usable market is hedged on its proxy by the feeds' beta;
the plan's exposure addresses count in the same read. Real anvil, real feeds, the real CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"     # anvil #1: native ETH only, no shorts


def _plan_json(cli: Any, plan: Path, *extra: str) -> dict[str, Any]:
    r = cli("hedge", "plan", "--plan", str(plan), "--json", *extra)
    assert r.code == 0, r.stderr
    out: dict[str, Any] = json.loads(r.stdout)
    return out


def test_trend_ratio_follows_the_feed_into_a_downtrend(devnet, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim import control

    plan = tmp_path / "trend.toml"
    plan.write_text('[assets.ETH]\npolicy = "trend"\nmin_ratio = 0.2\nmax_ratio = 0.8\nsignal = "ma"\n'
                    'signal_days = 7\n')
    before = _plan_json(cli, plan)
    (t1,) = [t for t in before["targets"] if t["asset"] == "ETH"]
    s1 = t1["signal"]
    r1 = Decimal(s1["ratio"])
    assert Decimal("0.2") <= r1 <= Decimal("0.8") and s1["signal"] == "ma" and s1["points"] == 7 * 24
    assert s1["reference"] is not None and not s1["fallback"]
    (line,) = [ln for ln in before["assets"] if ln["asset"] == "ETH"]
    assert Decimal(line["target_usd"]) == (Decimal(line["exposure_usd"]) * r1).quantize(Decimal("0.000001"))
    # the rule, from the signal's own inputs: score = clamp((P / MA - 1) / 5%), ratio = max - (max - min)(score+1)/2
    score = max(Decimal(-1), min(Decimal(1), (Decimal(s1["price"]) / Decimal(s1["reference"]) - 1) / Decimal("0.05")))
    assert abs(Decimal(s1["score"]) - score) < Decimal("1e-20")
    assert abs(r1 - (Decimal("0.8") - Decimal("0.6") * (score + 1) / 2)) <= Decimal("0.00005")   # shown to 4 places

    control.price_path("ETH", "-2%/h x 24")           # a day of falling prices, a round an hour
    after = _plan_json(cli, plan)
    (t2,) = [t for t in after["targets"] if t["asset"] == "ETH"]
    r2 = Decimal(t2["signal"]["ratio"])
    assert r2 > r1 and r2 <= Decimal("0.8"), (r1, r2)
    assert Decimal(t2["signal"]["price"]) < Decimal(s1["price"])
    text = cli("hedge", "plan", "--plan", str(plan))
    assert text.code == 0 and "Trend ETH: signal ma over 7 days" in text.stdout, text.stdout


def _disable_gmx_markets(devnet: Any, asset: str) -> list[str]:
    """Turn off every GMX market of ``asset`` (DataStore IS_MARKET_DISABLED, set as a CONTROLLER)."""
    from hedgefi.chain.abi import encode_call
    from hedgefi.chain.local import rpc_request, wait_receipt
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.venues.gmx import keys
    from hedgefi.venues.gmx.adapter import GmxVenue

    conn = connect(get_profile("devnet"))
    v = GmxVenue(conn)
    markets = [q.market for q in v.fetch_markets() if q.asset == asset]
    sender = v.d.order_handler
    rpc_request(devnet.rpc_url, "anvil_impersonateAccount", [sender])
    rpc_request(devnet.rpc_url, "anvil_setBalance", [sender, hex(10**18)])
    for m in markets:
        tx = rpc_request(devnet.rpc_url, "eth_sendTransaction", [{"from": sender, "to": v.d.data_store, "data": "0x" + encode_call(
            "setBool(bytes32,bool)", ["bytes32", "bool"], [keys.is_market_disabled_key(m), True]).hex()}])
        assert wait_receipt(devnet.rpc_url, tx)["status"] == "0x1"
    rpc_request(devnet.rpc_url, "anvil_stopImpersonatingAccount", [sender])
    return markets


def test_arb_without_a_market_is_hedged_on_eth_by_beta(devnet, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "proxy.toml"
    plan.write_text('default_ratio = 0\n[assets.ARB]\nratio = 0.5\nproxy = "ETH"\nbeta_days = 60\n')
    assert _disable_gmx_markets(devnet, "ARB")
    out = _plan_json(cli, plan)
    (t,) = [x for x in out["targets"] if x["asset"] == "ARB"]
    px = t["proxy"]
    assert t["hedge_asset"] == "ETH" and px["hedged"] and px["proxy"] == "ETH"
    est = px["estimate"]
    beta, corr = Decimal(px["beta"]), Decimal(est["correlation"])
    # the devnet's model gives ARB about 1.2x ETH's moves, correlated (hedgefi.sim.history_model)
    assert Decimal("0.6") <= corr <= 1 and Decimal("0.5") < beta < Decimal("2"), (beta, corr)
    assert est["window_days"] == 60
    lines = {ln["asset"]: ln for ln in out["assets"]}
    arb_usd = Decimal(lines["ARB"]["exposure_usd"])
    want = (arb_usd * Decimal("0.5") * Decimal(t["beta"])).quantize(Decimal("0.000001"))
    assert abs(Decimal(lines["ETH"]["target_usd"]) - want) <= Decimal("0.0001"), (lines["ETH"], want)
    assert Decimal(lines["ARB"]["target_usd"]) == 0 and "hedged on ETH" in lines["ARB"]["note"]
    orders = [o for o in out["orders"] if o["action"] == "open"]
    assert [(o["asset"], o["venue"]) for o in orders] == [("ETH", "gmx")]
    assert abs(Decimal(orders[0]["size_delta_usd"]) - want) <= Decimal("0.0001")
    text = cli("hedge", "plan", "--plan", str(plan))
    assert text.code == 0 and "Proxy ARB: hedged on ETH with beta" in text.stdout and "correlation" in text.stdout

    weak = tmp_path / "weak.toml"       # gold hardly moves with ETH: below min_correlation it stays unhedged
    weak.write_text('default_ratio = 0\n[assets.ARB]\nratio = 0.5\nproxy = "XAU"\nmin_correlation = 0.6\n')
    out = _plan_json(cli, weak)
    (t,) = [x for x in out["targets"] if x["asset"] == "ARB"]
    assert t["hedge_asset"] is None and not t["proxy"]["hedged"] and t["reason"]
    assert not out["orders"]


def test_exposure_addresses_count_in_the_same_read(devnet, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.testing.rpc_proxy import CountingProxy
    from hedgefi.wallet.holdings import fetch_holdings

    plan = tmp_path / "two.toml"
    plan.write_text(f'default_ratio = 0.5\nexposure_addresses = ["{OTHER}"]\n')
    alone = tmp_path / "one.toml"
    alone.write_text('default_ratio = 0.5\n')
    from hedgefi.hedge.executor import fetch_state
    from hedgefi.hedge.policy import load_plan

    with CountingProxy(devnet.rpc_url) as proxy:
        conn = connect(get_profile("devnet"), proxy.url)
        proxy.reset()
        state = fetch_state(conn, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", policy=load_plan(plan))
        assert proxy.http_requests == 2, dict(proxy.counts)       # both holders' holdings ride in the state read
    other_eth = next(a.value_usd for a in fetch_holdings(connect(get_profile("devnet")), OTHER).assets
                     if a.symbol == "ETH")
    assert other_eth
    two, one = _plan_json(cli, plan), _plan_json(cli, alone)
    eth2 = next(ln for ln in two["assets"] if ln["asset"] == "ETH")
    eth1 = next(ln for ln in one["assets"] if ln["asset"] == "ETH")
    assert abs(Decimal(eth2["exposure_usd"]) - Decimal(eth1["exposure_usd"]) - other_eth) <= Decimal("0.000002")
    assert Decimal(eth2["target_usd"]) == (Decimal(eth2["exposure_usd"]) * Decimal("0.5")).quantize(Decimal("0.000001"))
    assert {ln["asset"]: ln["exposure_usd"] for ln in state.summary()["assets"]}["ETH"] == eth2["exposure_usd"]
