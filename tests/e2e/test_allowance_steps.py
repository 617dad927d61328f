"""One run, several steps pulling the same token through the same spender: an allowance an earlier step uses
up (or replaces with its own approval) is not there for a later step, so the later step approves its own.

Reproduces what a killed run leaves: an approval whose order was never sent. Before, each step judged the
on-chain allowance alone, both GMX steps skipped the approval, the second one's pull failed in the dry-run
and every re-run was refused the same way (exit 7): a hedge stuck for good."""

from __future__ import annotations

import json
from decimal import Decimal

from hedgefi.chain.abi import encode_call
from hedgefi.chain.local import rpc_request, wait_receipt
from hedgefi.chain.manifest import load_manifest
from tests.helpers import DEMO


def test_a_leftover_allowance_serves_one_step_and_the_next_approves_its_own(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    plan = json.loads(cli("hedge", "plan", "--ratio", "0.5", "--json").stdout)
    gmx = [o for o in plan["orders"] if o["venue"] == "gmx" and o["action"] == "open"]
    assert len(gmx) >= 2, plan["orders"]
    need = [int(Decimal(o["size_delta_usd"]) / Decimal(o["leverage"]) * 10**6) for o in gmx]
    leftover = max(need) + 1_000_000                   # enough for any one GMX step, not for two
    assert leftover < sum(sorted(need)[-2:])
    m = load_manifest()
    usdc = next(t["address"] for t in m.tokens if t["symbol"] == "USDC")
    data = encode_call("approve(address,uint256)", ["address", "uint256"], [m.contracts["gmx:Router"], leftover])
    tx = rpc_request(m.rpc_url, "eth_sendTransaction", [{"from": DEMO, "to": usdc, "data": "0x" + data.hex()}])
    assert wait_receipt(m.rpc_url, tx)["status"] == "0x1"

    r = cli("hedge", "apply", "--ratio", "0.5", "--json")           # the fork dry-run of the whole run
    assert r.code == 0, r.stderr[-600:]
    out = json.loads(r.stdout)
    gmx_txs = [t for t in out["preview"]["transactions"] if "GMX" in t["description"] or t["to"].lower() == usdc.lower()]
    approvals = [t for t in gmx_txs if t["kind"] == "approve" and "Router" in t["description"]]
    assert 1 <= len(approvals) < len(gmx), [t["description"] for t in gmx_txs]   # the leftover served one step
    assert all(o["status"] == "executed" for o in out["orders"]), out["orders"]
