"""The hedge policy against the venue's real liquidation distance, on the devnet: a plan whose leverage
passes the optimistic 1/L check but liquidates inside ``min_liquidation_distance`` by the venue's own
numbers is capped (or refused), with the real distance named. The expected distance is the SDK's
``getLiquidationPrice`` formula written here from the diamond's raw parameters."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from hedgefi.venues.gtrade.constants import codec


def _read(conn, to: str, name: str, *args):  # type: ignore[no-untyped-def]
    c = codec()
    out = conn.request("eth_call", [{"to": to, "data": "0x" + c.encode(name, *args).hex()}, "latest"])
    return c.decode_output(name, bytes.fromhex(out[2:]))


def _planned(conn, asset: str):  # type: ignore[no-untyped-def]
    """(venue, pair, price, open price of a new $10k short after the spread and, where the diamond declares
    it, its skew impact), prices 1e10."""
    from hedgefi.venues.gtrade.adapter import GtradeVenue

    v = GtradeVenue(conn)
    pair = dict(v.d.pairs)[asset]
    half = int(_read(conn, v.d.diamond, "pairs", pair)["spreadP"]) // 2
    price = int(next(q.price for q in v.fetch_markets() if q.asset == asset) * 10**10)
    open_ = price - price * half // 10**10 // 100
    if "getTradeSkewPriceImpactP" in codec().functions:
        ci = int(_read(conn, v.d.diamond, "getCollateralIndex", v.d.usdc))
        tokens = 10_000 * 10**18 * 10**10 // open_
        total = int(_read(conn, v.d.diamond, "getTradeSkewPriceImpactP", ci, pair, False, tokens, True)) - half
        open_ = price + price * total // 10**10 // 100 if total >= 0 else price - price * -total // 10**10 // 100
    return v, pair, price, open_


def _sdk_distance(conn, asset: str, leverage: D) -> D:  # type: ignore[no-untyped-def]
    """SDK ``getLiquidationPrice`` (beforeOpened, the opening fee as additional fee) for a new short at the
    current price, as a fraction of that price (SDK units: fractions, prices / 1e10)."""
    v, pair, price_e10, open_e10 = _planned(conn, asset)
    dia = v.d.diamond
    lp = _read(conn, dia, "getPairLiquidationParams", pair)
    fee_p = D(_read(conn, dia, "pairTotalPositionSizeFeeP", pair)) / 10**12
    min_usd = D(_read(conn, dia, "pairMinPositionSizeUsd", pair)) / 10**18
    spread = D(_read(conn, dia, "pairs", pair)["spreadP"]) / 10**12               # fraction
    price, open_ = D(price_e10) / 10**10, D(open_e10) / 10**10
    coll = D(10_000) / leverage
    size = coll * leverage
    fee = fee_p * max(size, min_usd)                      # closing fee; the opening fee is the same
    p = {k: D(int(lp[k])) / (10**3 if "Leverage" in k else 10**12) for k in
         ("maxLiqSpreadP", "startLiqThresholdP", "endLiqThresholdP", "startLeverage", "endLeverage")}
    if any(x == 0 for x in p.values()):
        thr = D("0.9")
    elif leverage < p["startLeverage"]:
        thr = p["startLiqThresholdP"]
    elif leverage > p["endLeverage"] or p["startLiqThresholdP"] == p["endLiqThresholdP"]:
        thr = p["endLiqThresholdP"]
    else:
        thr = p["startLiqThresholdP"] - (leverage - p["startLeverage"]) * (
            p["startLiqThresholdP"] - p["endLiqThresholdP"]) / (p["endLeverage"] - p["startLeverage"])
    dist = open_ * (coll * thr - 2 * fee) / coll / leverage
    if p["maxLiqSpreadP"] > 0:
        dist -= open_ * min(spread / 2, p["maxLiqSpreadP"])
    return (open_ + dist - price) / price


def _diamond_distance(conn, asset: str, leverage: D) -> D:  # type: ignore[no-untyped-def]
    """The diamond's own ``getTradeLiquidationPrice`` for the same planned short, asked here directly."""
    v, pair, price, open_ = _planned(conn, asset)
    dia = v.d.diamond
    lp = _read(conn, dia, "getPairLiquidationParams", pair)
    fee_p = int(_read(conn, dia, "pairTotalPositionSizeFeeP", pair))
    ci = int(_read(conn, dia, "getCollateralIndex", v.d.usdc))
    lev = int(leverage * 1000)
    coll = 10_000 * 10**6 * 1000 // lev
    liq = _read(conn, dia, "getTradeLiquidationPrice", {
        "collateralIndex": ci, "trader": "0x" + "00" * 20,
        "pairIndex": pair, "index": 0, "openPrice": open_, "long": False, "collateral": coll, "leverage": lev,
        "additionalFeeCollateral": coll * lev // 1000 * fee_p // 10**10 // 100, "liquidationParams": dict(lp),
        "currentPairPrice": price, "isCounterTrade": False, "partialCloseMultiplier": 10**18, "beforeOpened": True})
    return (D(int(liq)) - price) / price


def test_gtrade_leverage_is_capped_at_the_real_liquidation_distance(devnet, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect

    conn = connect(get_profile("devnet"))
    real = _diamond_distance(conn, "ETH", D("4.5"))
    assert real < D("0.2") < 1 / D("4.5")                  # 1/L passes; the venue's own distance does not
    plan = tmp_path / "plan.toml"
    plan.write_text('[assets.ETH]\nratio = 0.5\nvenue = "gtrade"\nmax_leverage = 4.5\n'
                    'min_liquidation_distance = 0.2\n')
    r = cli("hedge", "plan", "--plan", str(plan), "--json")
    data = json.loads(r.stdout)
    line = next(a for a in data["assets"] if a["asset"] == "ETH")
    said = f"gtrade ETH at 4.5x liquidates {(real * 100).quantize(D('0.01'))}% above the price"
    if data["refused"]:
        assert r.code == 7 and said in data["refused"], data["refused"]
    else:
        assert r.code == 0, r.output
        order = next(o for o in data["orders"] if o["asset"] == "ETH")
        assert order["venue"] == "gtrade" and D(order["leverage"]) < D("4.5")
        assert said in line["note"] and said in order["reason"], line["note"]
        assert _diamond_distance(conn, "ETH", D(order["leverage"])) > D("0.2")
    r = cli("hedge", "plan", "--plan", str(plan))                    # the table view says it in one line
    assert any(said in ln for ln in r.output.splitlines()), r.output


def test_a_leverage_the_venue_allows_is_kept(devnet, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "plan.toml"
    plan.write_text('[assets.ETH]\nratio = 0.5\nvenue = "gtrade"\nmax_leverage = 3\n'
                    'min_liquidation_distance = 0.2\n')
    r = cli("hedge", "plan", "--plan", str(plan), "--json")
    assert r.code == 0, r.output
    data = json.loads(r.stdout)
    order = next(o for o in data["orders"] if o["asset"] == "ETH")
    assert D(order["leverage"]) == 3 and "capped" not in order["reason"]


def test_the_diamond_distance_is_the_sdks(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect

    conn = connect(get_profile("devnet"))
    for lev in (D("2"), D("4.5"), D("10")):
        assert _diamond_distance(conn, "ETH", lev) == pytest.approx(_sdk_distance(conn, "ETH", lev), abs=D("0.000001"))


def test_apply_opens_at_the_capped_leverage_and_the_short_clears_the_floor(devnet, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "plan.toml"
    plan.write_text('[assets.ETH]\nratio = 0.5\nvenue = "gtrade"\nmax_leverage = 4.5\n'
                    'min_liquidation_distance = 0.2\n')
    r = cli("hedge", "apply", "--plan", str(plan), "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr[-800:]
    [order] = [o for o in json.loads(r.stdout)["plan"]["orders"] if o["asset"] == "ETH"]
    assert D(order["leverage"]) < D("4.5") and "capped" in order["reason"]
    positions = json.loads(cli("positions", "--json").stdout)["positions"]
    [short] = [p for p in positions if p["venue"] == "gtrade" and p["asset"] == "ETH"]
    assert D(short["liquidation_distance"]) > D("0.2"), short
    assert D(short["size_usd"]) / D(short["collateral_amount"]) == pytest.approx(D(order["leverage"]), rel=D("0.001"))
