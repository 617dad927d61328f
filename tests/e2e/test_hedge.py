"""`hedge apply` end to end on the devnet: real forks, real signed transactions, the real keeper."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from hedgefi.hedge.executor import apply, fetch_state
from hedgefi.hedge.planner import notional
from hedgefi.hedge.policy import HedgePolicy

BAND = Decimal("0.05")


@pytest.fixture
def ctx(devnet):  # type: ignore[no-untyped-def]
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.wallet.signers import resolve_identity

    devnet.set_market_hours("commodities", True)   # gold trades on gTrade only within its hours
    conn = connect(get_profile("devnet"))
    return conn, resolve_identity(conn.profile)


def _ratios(conn, address: str) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    st = fetch_state(conn, address)
    out = {}
    for e in st.exposures:
        hedge = sum((notional(p) for p in st.positions if p.asset == e.asset), Decimal(0))
        out[e.asset] = hedge / e.exposure_usd
    return out


def _yes(_: object) -> bool:
    return True


def test_apply_half_then_rerun_is_idempotent(ctx, cli) -> None:  # type: ignore[no-untyped-def]
    conn, ident = ctx
    result = apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.5")), broadcast=True, confirm=_yes)
    assert result.mode == "broadcast" and result.complete and len(result.orders) == 5
    ratios = _ratios(conn, ident.address)
    for asset in ("ETH", "BTC", "ARB", "LINK", "XAU"):
        assert abs(ratios[asset] - Decimal("0.5")) <= Decimal("0.5") * BAND, (asset, ratios[asset])
    venues = {o.asset: o.venue for o in result.orders}
    assert venues["XAU"] == "gtrade" and venues["ETH"] == "gmx"   # gold only on gTrade; ETH cheaper on GMX
    r = cli("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)["orders"] == []


def test_fork_dry_run_matches_the_broadcast_and_leaves_the_chain_alone(ctx) -> None:  # type: ignore[no-untyped-def]
    conn, ident = ctx
    block = int(conn.request("eth_blockNumber", []), 16)
    fork = apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.5")))
    assert fork.mode == "fork" and fork.complete
    assert int(conn.request("eth_blockNumber", []), 16) == block
    assert fetch_state(conn, ident.address).positions == []
    real = apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.5")), broadcast=True, confirm=_yes)
    f_after = {a["asset"]: Decimal(a["hedge_usd"]) for a in fork.after.summary()["assets"]}
    r_after = {a["asset"]: Decimal(a["hedge_usd"]) for a in real.after.summary()["assets"]}
    assert f_after.keys() == r_after.keys()
    for k in f_after:
        assert abs(f_after[k] - r_after[k]) <= r_after[k] * Decimal("0.005") + 1, k
    f_usdc = Decimal(fork.after.summary()["balances"]["USDC"])
    r_usdc = Decimal(real.after.summary()["balances"]["USDC"])
    assert abs(f_usdc - r_usdc) <= 1  # same collateral and fees, to the dollar


def test_rerun_while_orders_pending_places_no_duplicate(ctx) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim.keeper import set_paused

    conn, ident = ctx
    set_paused(True)
    try:
        first = apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.3")), broadcast=True, confirm=_yes, wait_s=0.5)
        assert {o.status for o in first.orders} == {"pending"}
        again = apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.3")), broadcast=True, confirm=_yes, wait_s=0.5)
        assert again.orders == [] and again.plan.intents == []
        assert all(ln.pending_usd > 0 for ln in again.plan.lines)
    finally:
        set_paused(False)
    from hedgefi.venues.gmx.adapter import GmxVenue

    v = GmxVenue(conn)
    import time

    deadline = time.monotonic() + 20
    while v.fetch_positions(ident.address)[1] and time.monotonic() < deadline:
        time.sleep(0.2)
    ratios = _ratios(conn, ident.address)
    assert abs(ratios["ETH"] - Decimal("0.3")) <= Decimal("0.3") * BAND


def test_rebalance_after_holdings_grow_then_ratio_zero_closes_all(ctx) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim import control

    conn, ident = ctx
    apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.5")), broadcast=True, confirm=_yes)
    control.set_price("ETH", "-20%")  # a pure price move keeps a delta hedge at its ratio: nothing to do
    assert apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.5"))).plan.intents == []
    control.fund(ident.address)  # the wallet receives more of every token: exposure grows
    result = apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.5")), broadcast=True, confirm=_yes)
    assert result.complete and {o.action for o in result.orders} == {"increase"}
    ratios = _ratios(conn, ident.address)
    assert abs(ratios["BTC"] - Decimal("0.5")) <= Decimal("0.5") * BAND
    result = apply(conn, ident, HedgePolicy.from_ratio(Decimal(0)), broadcast=True, confirm=_yes)
    assert result.complete and {o.action for o in result.orders} == {"close"}
    assert fetch_state(conn, ident.address).positions == []


def test_safety_limits_refuse_and_send_nothing(ctx, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.local import rpc_request

    conn, ident = ctx
    nonce = rpc_request(conn.rpc_url, "eth_getTransactionCount", [ident.address, "latest"])
    r = cli("hedge", "apply", "--ratio", "0.5", "--max-fees-usd", "1", "--broadcast", "--yes")
    assert r.code == 7 and "max_fees_usd" in r.stderr
    r = cli("hedge", "apply", "--ratio", "1", "--broadcast", "--yes")  # at 2x, needs more USDC than the wallet has
    assert r.code == 7 and "collateral" in r.stderr
    r = cli("hedge", "plan", "--ratio", "2")
    assert r.code == 1 and "between 0 and 1" in r.stderr
    assert rpc_request(conn.rpc_url, "eth_getTransactionCount", [ident.address, "latest"]) == nonce


def test_hedge_plan_json(ctx, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("hedge", "plan", "--ratio", "0.5", "--json")
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    eth = next(a for a in data["assets"] if a["asset"] == "ETH")
    assert Decimal(eth["target_usd"]) == Decimal(eth["exposure_usd"]) / 2
    assert {o["asset"] for o in data["orders"]} == {"ETH", "BTC", "ARB", "LINK", "XAU"}
    assert Decimal(data["est_fees_usd"]) > 0


def test_token_map_adds_a_gold_token_hedged_on_xau_and_can_exclude_one(ctx, cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """tokens.toml: a token the profile does not know (a second gold token, minted on the devnet) counts
    toward XAU; a known token marked `hedge = false` drops out of the plan."""
    from eth_abi import encode

    from hedgefi.chain.local import rpc_request
    from hedgefi.chain.manifest import load_manifest
    from hedgefi.chain.local import wait_receipt

    conn, ident = ctx
    m = load_manifest()
    paxg = conn.profile.token("PAXG").address
    gold = "0x00000000000000000000000000000000000901d0"
    rpc_request(m.rpc_url, "anvil_setCode", [gold, rpc_request(m.rpc_url, "eth_getCode", [paxg, "latest"])])
    rpc_request(m.rpc_url, "anvil_impersonateAccount", [m.admin_address])   # DevToken's owner is immutable
    mint = bytes.fromhex("40c10f19") + encode(["address", "uint256"], [ident.address, 4 * 10**18])
    tx = rpc_request(m.rpc_url, "eth_sendTransaction", [{"from": m.admin_address, "to": gold, "data": "0x" + mint.hex()}])
    assert wait_receipt(m.rpc_url, tx)["status"] == "0x1"
    before = json.loads(cli("hedge", "plan", "--ratio", "0.5", "--json").stdout)
    xau_before = next(a for a in before["assets"] if a["asset"] == "XAU")
    mapfile = tmp_path / "tokens.toml"
    mapfile.write_text(f'[devnet.GOLD2]\naddress = "{gold}"\nasset = "XAU"\n\n[devnet.ARB]\nhedge = false\n')
    r = cli("hedge", "plan", "--ratio", "0.5", "--json", env={"HEDGEFI_TOKENS": str(mapfile)})
    assert r.code == 0, r.output
    after = json.loads(r.stdout)
    xau_after = next(a for a in after["assets"] if a["asset"] == "XAU")
    price = Decimal(xau_before["exposure_usd"]) / 10                       # the demo wallet holds 10 PAXG
    assert Decimal(xau_after["exposure_usd"]) == Decimal(xau_before["exposure_usd"]) + 4 * price
    assert "ARB" in {a["asset"] for a in before["assets"]} and "ARB" not in {a["asset"] for a in after["assets"]}
    xau_order = next(o for o in after["orders"] if o["asset"] == "XAU")
    assert xau_order["venue"] == "gtrade"
    holdings = json.loads(cli("holdings", "--json", env={"HEDGEFI_TOKENS": str(mapfile)}).stdout)
    assert any(a["address"] and a["address"].lower() == gold and a["balance"] == "4" for a in holdings["assets"])
    mapfile.write_text('[devnet.GOLD3]\nasset = "XAU"\n')
    r = cli("hedge", "plan", "--ratio", "0.5", env={"HEDGEFI_TOKENS": str(mapfile)})
    assert r.code == 1 and "give its address" in r.stderr
