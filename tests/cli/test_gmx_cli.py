"""GMX through the real CLI: the issue's done-when, dry-run by default, and bad inputs that send nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.helpers import nonce


def test_broadcast_short_then_funding_after_a_day(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("short", "open", "ETH", "--size-usd", "10000", "--venue", "gmx", "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["result"]["mode"] == "broadcast" and out["result"]["all_executed"]
    pos = json.loads(cli("positions", "--json").stdout)
    assert set(pos) == {"chain_id", "block", "address", "positions", "pending_orders", "liquidated", "stale_feeds",
                        "warnings"}
    assert pos["liquidated"] == []
    (p,) = pos["positions"]
    assert (p["venue"], p["asset"], p["side"]) == ("gmx", "ETH", "short")
    assert abs(Decimal(p["size_usd"]) - 10000) <= 10000 * Decimal("0.005")
    assert Decimal(p["funding_fee_usd"]) == 0 and Decimal(p["borrowing_fee_usd"]) == 0
    assert cli("devnet", "advance", "1d").code == 0
    (p,) = json.loads(cli("positions", "--json").stdout)["positions"]
    assert Decimal(p["funding_fee_usd"]) != 0
    # mainnet's SKIP_BORROWING_FEE_FOR_SMALLER_SIDE: the market's shorts are the smaller side, so no borrowing
    (q,) = [m for m in json.loads(cli("markets", "--venue", "gmx", "--json").stdout)["markets"]
            if m["market"] == p["market"]]
    assert Decimal(q["short_oi_usd"]) < Decimal(q["long_oi_usd"]) and Decimal(q["short_borrowing_apr"]) == 0
    assert Decimal(p["borrowing_fee_usd"]) == 0


def test_default_is_a_dry_run_that_sends_nothing(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    before = nonce(devnet.rpc_url)
    r = cli("short", "open", "ETH", "--size-usd", "5000", "--json")
    assert r.code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["result"]["mode"] == "dry-run" and out["result"]["all_executed"]
    assert [p["size_usd"] for p in out["result"]["positions_after"]] == ["5000"]
    assert nonce(devnet.rpc_url) == before
    assert json.loads(cli("positions", "--json").stdout)["positions"] == []


def test_markets_json_schema(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("markets", "--venue", "gmx", "--asset", "ETH", "--json")
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"chain_id", "block", "markets", "unpriced_markets", "stale_feeds"}
    # as on mainnet, ETH trades in two markets ([WETH-USDC] and the single-token [WETH-WETH]), each its own
    ms = data["markets"]
    assert len(ms) >= 2 and len({m["market"] for m in ms}) == len(ms)
    for m in ms:   # the seeded longs outweigh the shorts in both: shorts earn funding
        assert m["venue"] == "gmx" and m["asset"] == "ETH" and Decimal(m["short_funding_apr"]) < 0


def test_no_tty_without_yes_refuses_to_send(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    before = nonce(devnet.rpc_url)
    r = cli("short", "open", "ETH", "--size-usd", "1000", "--broadcast")
    assert r.code == 1 and "--yes" in r.stderr
    assert nonce(devnet.rpc_url) == before


def test_resize_and_close_through_the_cli(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("short", "open", "BTC", "--size-usd", "6000", "--broadcast", "--yes").code == 0
    assert cli("short", "resize", "BTC", "--to-usd", "9000", "--broadcast", "--yes").code == 0
    assert cli("short", "close", "BTC", "--fraction", "0.5", "--broadcast", "--yes").code == 0
    (p,) = json.loads(cli("positions", "--json").stdout)["positions"]
    assert Decimal(p["size_usd"]) == 4500
    assert cli("short", "close", "BTC", "--broadcast", "--yes").code == 0
    assert json.loads(cli("positions", "--json").stdout)["positions"] == []


def test_pending_order_listed_and_cancel_refused_before_expiry(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim.keeper import set_paused

    set_paused(True)
    try:
        r = cli("short", "open", "ETH", "--size-usd", "2000", "--broadcast", "--yes", "--json", "--wait", "1")
        assert r.code == 6, r.stderr  # created, not executed while the keeper is paused
        pending = json.loads(cli("orders", "--json").stdout)["pending_orders"]
        assert len(pending) == 1 and pending[0]["type"] == "MarketIncrease"
        r = cli("orders", "--cancel", pending[0]["key"])
        assert r.code == 1 and "300 s" in r.stderr
    finally:
        set_paused(False)


@pytest.mark.parametrize("args, expect", [
    (["short", "open", "ETH"], "exactly one of --size-usd or --size"),
    (["short", "open", "ETH", "--size-usd", "-5"], "must not be negative"),
    (["short", "open", "ETH", "--size-usd", "0"], "greater than zero"),
    (["short", "open", "ETH", "--size-usd", "nan"], "must be a number"),
    (["short", "open", "ETH", "--size-usd", "100", "--leverage", "500"], "maximum"),
    (["short", "open", "ETH", "--size-usd", "100", "--max-slippage", "100%"], "below 50%"),
    (["short", "open", "ETH", "--size-usd", "100", "--collateral-amount", "1.0000001"], "more than 6 decimals"),
    (["short", "open", "ETH", "--size-usd", "100000000", "--venue", "gmx"], "holds"),
    (["short", "open", "DOGE", "--size-usd", "100", "--venue", "gmx"], "unknown GMX market for asset 'DOGE'"),
    (["short", "open", "ETH", "--size-usd", "100", "--venue", "gmxx"], "did you mean 'gmx'"),
    (["short", "open", "ETH", "--size-usd", "100", "--collateral", "DAI"], "unknown collateral token"),
    (["short", "open", "ETH", "--size-usd", "100", "--stop-loss", "100"], "above the current price"),
    (["short", "close", "ETH", "--venue", "gmx"], "no gmx ETH short"),
    (["short", "close", "ETH"], "no ETH short with USDC collateral on any venue"),
    (["orders", "--cancel", "0x" + "00" * 31 + "01"], "no pending gmx order"),
])
def test_bad_short_inputs_send_nothing(devnet, cli, args, expect) -> None:  # type: ignore[no-untyped-def]
    before = nonce(devnet.rpc_url)
    r = cli(*args)
    lines = [line for line in r.stderr.splitlines() if line.strip() and not line.startswith(("Open", "Dry-run"))]
    assert r.code != 0 and expect in r.stderr, r.stderr
    assert len([line for line in lines if line.startswith("error:")]) == 1
    assert nonce(devnet.rpc_url) == before
