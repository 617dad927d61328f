"""The real ``hedgefi`` CLI in subprocesses: holdings JSON, devnet commands, bad inputs, what `--help` loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hedgefi.testing.rpc_proxy import CountingProxy
from tests.helpers import DEMO, ROOT


def test_holdings_json_matches_funding_with_one_eth_call(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    m = devnet.manifest
    with CountingProxy(m.rpc_url) as proxy:
        r = cli("--chain", "devnet", "--rpc", proxy.url, "holdings", "--address", m.demo_address, "--json")
        assert r.code == 0, r.stderr
        assert proxy.counts["eth_call"] == 1
        assert sum(proxy.counts.values()) <= 2, proxy.counts  # eth_chainId + the Multicall3 batch
        assert proxy.http_requests == 1  # ...in one HTTP round trip (a JSON-RPC batch)
    data = json.loads(r.stdout)
    assert set(data) == {"chain_id", "block", "address", "assets", "total_value_usd", "stale_feeds"}
    assert data["chain_id"] == 31337 and data["address"] == m.demo_address
    decimals = {t["symbol"]: t["decimals"] for t in m.tokens} | {"ETH": 18}
    for asset in data["assets"]:
        assert set(asset) == {"symbol", "address", "decimals", "balance", "price_usd", "value_usd", "price_stale"}
        raw = int(m.funded[asset["symbol"]])
        from decimal import Decimal

        assert Decimal(asset["balance"]) * (Decimal(10) ** decimals[asset["symbol"]]) == raw
    native = data["assets"][0]
    assert native["symbol"] == "ETH" and native["address"] is None
    assert data["total_value_usd"] == "697000"


def test_devnet_status_and_price_and_advance(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("devnet", "status", "--json")
    assert r.code == 0
    st = json.loads(r.stdout)
    assert {"rpc_url", "chain_id", "demo_address", "contracts"} <= set(st)
    assert st["demo_address"] == DEMO and "Multicall3" in st["contracts"]
    r = cli("devnet", "price", "ETH", "-30%")
    assert r.code == 0 and "3000 -> 2100" in r.stdout
    r = cli("holdings", "--json")
    eth = json.loads(r.stdout)["assets"][0]
    assert eth["price_usd"] == "2100"
    r = cli("devnet", "advance", "3d")
    assert r.code == 0 and "259200" in r.stdout


def test_devnet_fund(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    target = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert cli("devnet", "fund", target).code == 0
    data = json.loads(cli("holdings", "--address", target, "--json").stdout)
    assert {a["symbol"]: a["balance"] for a in data["assets"]}["WBTC"] == "1.5"


def _one_clear_line(r) -> str:  # type: ignore[no-untyped-def]
    lines = [line for line in r.stderr.strip().splitlines() if line.strip()]
    assert r.code != 0
    assert len(lines) == 1, r.stderr
    return lines[0]


@pytest.mark.parametrize("args, expect", [
    (["holdings", "--address", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267"], "checksum"),
    (["holdings", "--address", "0x123"], "20-byte hex address"),
    (["holdings", "--token", "0xZZ"], "--token"),
    (["--chain", "arbitrun", "holdings"], "did you mean 'arbitrum'"),
    (["--rpc", "http://127.0.0.1:9", "holdings"], "cannot reach the RPC"),
    (["--rpc", "ftp://example.com", "holdings"], "must start with http"),
    (["devnet", "advance", "soon"], "duration"),
    (["devnet", "price", "DOGE", "1"], "unknown price feed 'DOGE'"),
    (["devnet", "price", "ETH", "-100%"], "above -100%"),
    (["devnet", "price", "ETH", "abc"], "must be a number"),
    (["devnet", "fund", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267"], "checksum"),
    (["wallet", "show", "nobody"], "unknown account"),
])
def test_bad_inputs_give_one_clear_line(devnet, cli, args, expect) -> None:  # type: ignore[no-untyped-def]
    r = cli(*args)
    assert expect in _one_clear_line(r)


def test_chain_id_mismatch_names_both_ids(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--chain", "arbitrum", "--rpc", devnet.rpc_url, "holdings", "--address", DEMO)
    line = _one_clear_line(r)
    assert "31337" in line and "42161" in line


def test_token_without_code_is_a_row_error_and_exit_3(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("holdings", "--token", "0x000000000000000000000000000000000000dEaD", "--json")
    assert r.code == 3
    row = json.loads(r.stdout)["assets"][-1]
    assert row["error"] == "no contract code at this address"
    assert "no contract code" in r.stderr


def test_private_key_on_argv_is_refused_without_echo(cli) -> None:  # type: ignore[no-untyped-def]
    key = "0x" + "1f" * 32
    r = cli("wallet", "import", "x", key)
    assert r.code != 0 and "1f" * 32 not in r.output and "private key" in r.stderr


def test_holdings_without_a_devnet_says_how_to_start_one(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = cli("holdings", env={"HEDGEFI_DATA_DIR": str(tmp_path)})
    assert "hedgefi devnet up" in _one_clear_line(r)


# What `--help` must not load: the chain stack and the renderers are imported by the commands that use them.
HEAVY = ("web3", "eth_account", "eth_abi", "eth_utils", "eth_keys", "httpx", "rich", "solcx", "matplotlib", "plotext",
         "numpy")


def test_help_loads_only_the_cli_shell() -> None:
    """`hedgefi --help` stays quick because it imports the command tree and nothing that talks to a chain
    (timings themselves belong to scripts/bench)."""
    cmd = [sys.executable, "-X", "importtime", "-m", "hedgefi.cli.app", "--help"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "holdings" in proc.stdout
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "hedgefi.cli.short" in imported and "typer" in imported      # the listing is what we think it is
    assert not [m for m in imported if m.split(".")[0] in HEAVY]
    ours = {m for m in imported if m.split(".")[0] == "hedgefi"}
    assert ours and all(m in ("hedgefi", "hedgefi.cli", "hedgefi.core") or m.startswith(("hedgefi.cli.", "hedgefi.core."))
                        for m in ours), sorted(ours)
