"""The devnet with the GMX replica in v2.2b's layouts (``devnet up --gmx-release v2.2b``): the client finds
the release in the manifest, decodes v2.2b's shapes, and opens, resizes and closes a short through the CLI.
The replica's answers are checked against the real v2.2b Reader ABI (../shared/reference), and shown not to
decode with v2.2c's layout. (The v2.2c path is the session devnet: tests/cli/test_gmx_cli.py.)"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest
from eth_abi.abi import decode as abi_decode

from hedgefi.chain.abicodec import canonical
from hedgefi.chain.local import rpc_request
from hedgefi.sim.anvil import free_port
from hedgefi.venues.gmx.releases import codec_for
from tests.helpers import ROOT, CliResult, run_cli

REFERENCE = ROOT.parent / "shared" / "reference" / "gmx-v2" / "abis" / "v2.2b" / "Reader.json"


@pytest.fixture
def v22b(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A v2.2b devnet of its own (its own data and config folders), stopped afterwards."""
    env = {"HEDGEFI_DATA_DIR": str(tmp_path / "data"), "HEDGEFI_CONFIG_DIR": str(tmp_path / "config")}
    up = run_cli("devnet", "up", "--port", str(free_port()), "--gmx-release", "v2.2b", "--json", env=env, timeout=300)
    assert up.code == 0, up.stderr
    try:
        yield env | {"url": json.loads(up.stdout)["rpc_url"]}
    finally:
        assert run_cli("devnet", "down", env=env).code == 0


def _cli(env: dict[str, str], *args: str) -> CliResult:
    return run_cli(*args, env={k: v for k, v in env.items() if k != "url"})


def test_v22b_devnet_open_resize_close_through_the_cli(v22b: dict[str, str]) -> None:
    status = json.loads(_cli(v22b, "devnet", "status", "--json").stdout)
    assert status["gmx_release"] == "v2.2b"
    r = _cli(v22b, "short", "open", "ETH", "--size-usd", "10000", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code == 0, r.stderr
    (p,) = [p for p in json.loads(_cli(v22b, "positions", "--json").stdout)["positions"] if p["venue"] == "gmx"]
    assert Decimal(p["size_usd"]) == 10000 and p["asset"] == "ETH"

    # the replica really answers in v2.2b's shape: the real v2.2b Reader ABI decodes it, v2.2c's does not
    d = status["contracts"]
    reader = codec_for("v2.2b", "Reader")
    markets = reader.decode_output("getMarkets", bytes.fromhex(rpc_request(v22b["url"], "eth_call", [
        {"to": d["gmx:Reader"], "data": "0x" + reader.encode("getMarkets", d["gmx:DataStore"], 0, 20).hex()},
        "latest"])[2:]))
    call = reader.encode("getAccountPositionInfoList", d["gmx:DataStore"], "0x" + "00" * 20, status["demo_address"],
                         [m["marketToken"] for m in markets], [((1, 1), (1, 1), (1, 1))] * len(markets),
                         "0x" + "00" * 20, 0, 10)
    raw = rpc_request(v22b["url"], "eth_call", [{"to": d["gmx:Reader"], "data": "0x" + call.hex()}, "latest"])
    data = bytes.fromhex(raw[2:])
    if REFERENCE.is_file():
        items = json.loads(REFERENCE.read_text())
        items = items["abi"] if isinstance(items, dict) else items
        fn = next(i for i in items if i.get("name") == "getAccountPositionInfoList")
        (infos,) = abi_decode([canonical(o) for o in fn["outputs"]], data)
        # the ETH short, beside the seeded one in the market hedgefi cannot price (sim.gmx_unpriced)
        (eth,) = [i for i in infos if i[1][0][1].lower() == d["gmx:market:ETH/USD"].lower()]
        assert len(infos) == 2 and len(eth) == 7 and eth[1][1][0] == 10_000 * 10**30
    with pytest.raises(Exception):
        codec_for("v2.2c", "Reader").decode_output("getAccountPositionInfoList", data)

    r = _cli(v22b, "short", "resize", "ETH", "--to-usd", "6000", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code == 0, r.stderr
    (p,) = [p for p in json.loads(_cli(v22b, "positions", "--json").stdout)["positions"] if p["venue"] == "gmx"]
    assert Decimal(p["size_usd"]) == 6000
    r = _cli(v22b, "short", "close", "ETH", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code == 0, r.stderr
    assert [p for p in json.loads(_cli(v22b, "positions", "--json").stdout)["positions"] if p["venue"] == "gmx"] == []

    # a liquidation in v2.2b's layouts: the LiquidationHandler's Liquidation order, seen by `positions`
    r = _cli(v22b, "short", "open", "ETH", "--size-usd", "10000", "--leverage", "10", "--venue", "gmx", "--broadcast",
             "--yes")
    assert r.code == 0, r.stderr
    (p,) = [p for p in json.loads(_cli(v22b, "positions", "--json").stdout)["positions"] if p["venue"] == "gmx"]
    past = (Decimal(p["liquidation_price"]) * Decimal("1.005")).quantize(Decimal("0.01"))
    assert _cli(v22b, "devnet", "price", "ETH", str(past)).code == 0
    r = _cli(v22b, "devnet", "liquidate", "--address", status["demo_address"], "--json")
    assert r.code == 0 and json.loads(r.stdout)["liquidated"] == 1, r.stderr
    pos = json.loads(_cli(v22b, "positions", "--json").stdout)
    assert [x["asset"] for x in pos["liquidated"]] == ["ETH"] and pos["positions"] == []
