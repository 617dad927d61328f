"""A devnet whose GMX ORDER_LIST holds 1,500 other traders' orders, as `hedgefi devnet up` starts it (issue #14):
a dry-run on a fork and by simulation, a broadcast and the reads all handle exactly the wallet's own orders,
which sit past index 1,000 of the list, and leave the others pending.

The rest of the suite's devnets hold a few dozen such orders (``HEDGEFI_DEVNET_GMX_OTHER_ORDERS`` in
tests/conftest.py): anvil 1.7 re-hashes all storage for every block, and 1,500 orders make each block about
18 times slower. This module starts the full one once."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak

from hedgefi.chain.local import rpc_request
from hedgefi.sim.anvil import free_port
from hedgefi.venues.gmx.releases import codec_for
from tests.helpers import CliResult, run_cli

ORDER_LIST = keccak(abi_encode(["string"], ["ORDER_LIST"]))


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("crowded")
    env = {"HEDGEFI_DATA_DIR": str(home / "data"), "HEDGEFI_CONFIG_DIR": str(home / "config"),
           "HEDGEFI_DEVNET_GMX_OTHER_ORDERS": "1500"}
    up = run_cli("devnet", "up", "--port", str(free_port()), "--json", env=env, timeout=300)
    assert up.code == 0, up.stderr
    try:
        status = json.loads(run_cli("devnet", "status", "--json", env=env).stdout)
        yield {"env": env, "url": json.loads(up.stdout)["rpc_url"], "status": status}
    finally:
        assert run_cli("devnet", "down", env=env).code == 0


def _cli(net: dict[str, Any], *args: str, **env: str) -> CliResult:
    return run_cli(*args, env={**net["env"], **env})


def _order_keys(net: dict[str, Any]) -> list[bytes]:
    ds = net["status"]["contracts"]["gmx:DataStore"]

    def call(sig: str, types: list[str], args: list[Any], out: list[str]) -> Any:
        data = keccak(text=sig)[:4] + abi_encode(types, args)
        raw = rpc_request(net["url"], "eth_call", [{"to": ds, "data": "0x" + data.hex()}, "latest"])
        return abi_decode(out, bytes.fromhex(raw[2:]))[0]

    count = call("getBytes32Count(bytes32)", ["bytes32"], [ORDER_LIST], ["uint256"])
    return list(call("getBytes32ValuesAt(bytes32,uint256,uint256)", ["bytes32", "uint256", "uint256"],
                     [ORDER_LIST, 0, count], ["bytes32[]"]))


def test_the_wallets_own_orders_past_index_1000_execute_and_the_others_stay(crowded: dict[str, Any]) -> None:
    c, demo = crowded["status"]["contracts"], crowded["status"]["demo_address"]
    others = _order_keys(crowded)
    assert len(others) >= 1500
    reader = codec_for(crowded["status"].get("gmx_release", "v2.2c"), "Reader")
    accounts = set()
    for k in others[:: len(others) // 25]:
        raw = rpc_request(crowded["url"], "eth_call", [{"to": c["gmx:Reader"], "data": "0x" + reader.encode(
            "getOrder", c["gmx:DataStore"], k).hex()}, "latest"])
        accounts.add(reader.decode_output("getOrder", bytes.fromhex(raw[2:]))["addresses"]["account"].lower())
    assert len(accounts) >= 3 and demo.lower() not in accounts

    # dry-runs: on an anvil fork (its keeper executes the keys the bundle's logs name) and by eth_simulateV1
    for backend in ("fork", "simulate"):
        r = _cli(crowded, "short", "open", "ETH", "--size-usd", "3000", "--venue", "gmx", "--json",
                 HEDGEFI_DRY_RUN=backend)
        assert r.code == 0, r.stderr
        doc = json.loads(r.stdout)
        assert [o["status"] for o in doc["result"]["orders"]] == ["executed"], doc["result"]
        assert any(p["venue"] == "gmx" and Decimal(p["size_usd"]) == 3000 for p in doc["result"]["positions_after"])
    assert _order_keys(crowded) == others                       # a dry-run leaves the chain alone

    r = _cli(crowded, "short", "open", "ETH", "--size-usd", "3000", "--venue", "gmx", "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr
    assert [o["status"] for o in json.loads(r.stdout)["result"]["orders"]] == ["executed"]
    assert _order_keys(crowded) == others                       # ours executed (index 1,500+), theirs pending
    positions = json.loads(_cli(crowded, "positions", "--json").stdout)
    gmx = [p for p in positions["positions"] if p["venue"] == "gmx" and p["asset"] == "ETH"]
    assert len(gmx) == 1 and Decimal(gmx[0]["size_usd"]) == 3000
    orders = _cli(crowded, "orders", "--json")
    assert orders.code == 0, orders.stderr
    doc = json.loads(orders.stdout)
    listed = doc if isinstance(doc, list) else doc.get("orders", [])
    assert not [o for o in listed if o.get("venue") == "gmx"]   # none of the other traders' orders is the wallet's
