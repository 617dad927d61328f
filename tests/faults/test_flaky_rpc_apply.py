"""`hedge apply --broadcast` through a flaky RPC, re-run as a cron would until it converges.

The CLI talks to the devnet only through a loopback proxy that fails requests at random from a
seeded RNG (502s, answers dropped after forwarding, 2 s delays), the fork's anvil included (its
upstream goes through the same proxy). The first run is also killed with SIGKILL right after its
first send. After each failed run: `tx resume`, then `hedge apply` again, a bounded number of times.
The end state: every asset hedged at ratio 0.5 within the band, exactly one short per asset, every
order settled, and the wallet's USDC accounted for to the fee."""

from __future__ import annotations

import json
import os
from decimal import Decimal

import pytest

from hedgefi.testing.rpc_proxy import CountingProxy
from tests.helpers import run_cli
from tests.faults.test_crash_recovery import TARGET, _ratios, _state

# The flaky RPC is 5% 502, 3% answers dropped after forwarding, 3% delayed by 2 s. The suite
# delays by 0.2 s: below every timeout either way, the same code path, a fraction of the wall time
# (with 2 s, seed 16: 2 runs, 1754 requests, 214 faults injected, 4.5 minutes; with 0.5 s, 2.5 minutes).
FAULTS = {"502": 0.05, "drop_after": 0.03, "delay:0.2": 0.03}
SEED = int(os.environ.get("HEDGEFI_FAULT_SEED", "16"))
MAX_RUNS = 8
APPLY = ("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes", "--json")


@pytest.mark.timeout(900)   # several full runs, each a fork dry-run and ~10 sends through the faults
def test_hedge_apply_converges_through_a_flaky_rpc(devnet, cli, capsys) -> None:  # type: ignore[no-untyped-def]
    devnet.set_market_hours("commodities", True)      # the gold short goes to gTrade, which keeps market hours
    usdc_before = _usdc(_state(cli)[1])
    runs: list[int] = []
    notes: list[str] = []
    with CountingProxy(devnet.rpc_url) as proxy:
        proxy.randomize(FAULTS, seed=SEED)
        env = {"HEDGEFI_RPC_URL": proxy.url}
        killed = False
        for _ in range(MAX_RUNS):
            kill = {} if killed else {"HEDGEFI_FAULT_INJECT": "after_send"}
            r = run_cli(*APPLY, env={**env, **kill}, timeout=300)
            runs.append(r.code)
            notes.append(r.stderr.strip().splitlines()[-1][:160] if r.stderr.strip() else "")
            killed = killed or r.code == -9
            if r.code == 0 and killed:
                break
            # killed; a clear error (a send whose answer was lost: 1 before any order went out, 5 after
            # some did); orders still pending; refused because the fork dry-run failed. Never a crash.
            assert r.code in (-9, 1, 5, 6, 7), (r.stderr[-800:], _outcomes(r.stdout))
            resume = run_cli("tx", "resume", "--json", env=env, timeout=300)
            assert resume.code in (0, 1, 6), resume.stderr[-800:]
        proxy.randomize({}, seed=SEED)
        injected, requests = dict(proxy.injected), proxy.http_requests
    with capsys.disabled():
        print(f"\nflaky RPC: {len(runs)} runs (exit codes {runs}), {requests} requests, faults injected {injected}")
        print("\n".join(f"  run {i + 1}: {c} {n}" for i, (c, n) in enumerate(zip(runs, notes))))
    assert killed and runs[-1] == 0, list(zip(runs, notes))   # the notes: under xdist the print above is not shown
    assert sum(injected.values()) > 0

    pos, hold = _state(cli)
    assert pos["pending_orders"] == []
    assets = [p["asset"] for p in pos["positions"]]
    assert sorted(assets) == sorted(set(assets)) == ["ARB", "BTC", "ETH", "LINK", "XAU"]  # one short each
    ratios = _ratios(pos, hold)
    with capsys.disabled():
        print("final ratios: " + ", ".join(f"{k} {v:.4f}" for k, v in sorted(ratios.items())))
    for asset, ratio in ratios.items():
        assert abs(ratio - TARGET) <= TARGET * Decimal("0.05"), (asset, ratio)
    journal = json.loads(cli("tx", "list", "--json").stdout)["transactions"]
    assert {t["state"] for t in journal} <= {"mined", "replaced", "abandoned"}
    # USDC: what left the wallet is the collateral in the shorts plus the opening fees GMX takes out of
    # it, to the cent. (gTrade v10 keeps the collateral as sent and realises its fee against the trade;
    # GMX's execution fees are paid in ETH.)
    rates = {(m["venue"], m["market"]): Decimal(m["position_fee_rate"])
             for m in json.loads(cli("markets", "--json").stdout)["markets"]}
    gmx_fees = sum(Decimal(p["size_usd"]) * rates[(p["venue"], p["market"])]
                   for p in pos["positions"] if p["venue"] == "gmx")
    spent = usdc_before - _usdc(hold)
    collateral = sum(Decimal(p["collateral_amount"]) for p in pos["positions"])
    with capsys.disabled():
        print(f"USDC spent {spent} = collateral {collateral} + GMX opening fees {gmx_fees} "
              f"{spent - collateral - gmx_fees:+.6f}")
    assert gmx_fees > 0 and abs(spent - collateral - gmx_fees) <= Decimal("0.01"), (spent, collateral, gmx_fees)
    assert json.loads(cli(*APPLY).stdout)["orders"] == []                      # converged: nothing more to do


def _usdc(hold) -> Decimal:  # type: ignore[no-untyped-def]
    return next(Decimal(a["balance"]) for a in hold["assets"] if a["symbol"] == "USDC")


def _outcomes(stdout: str) -> object:
    try:
        return [f"{o['asset']} {o['action']} {o['status']}: {o['reason']}" for o in json.loads(stdout)["orders"]]
    except ValueError:
        return stdout[-800:]
