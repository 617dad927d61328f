"""The devnet itself: compile, deploy, manifest, price rounds, time, and forks of it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.profiles import MULTICALL3
from hedgefi.sim import control
from hedgefi.sim.anvil import AnvilNode, fork, pid_is_anvil
from hedgefi.chain.local import rpc_request
from hedgefi.core.errors import CompileError, DevnetError


def _call(url: str, to: str, sig: str, types: list[str], args: list[object], out: list[str]) -> tuple:
    data = rpc_request(url, "eth_call", [{"to": to, "data": "0x" + encode_call(sig, types, args).hex()}, "latest"])
    return decode(out, bytes.fromhex(data[2:]))


def test_compile_is_cached_by_source_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second compile of the same sources runs no compiler (it reads the cache); an edit compiles again."""
    from hedgefi.sim import solc

    runs: list[int] = []
    real_run = solc._run_solc

    def counting_run(std_input):  # type: ignore[no-untyped-def]
        runs.append(1)
        return real_run(std_input)

    monkeypatch.setattr(solc, "_run_solc", counting_run)
    monkeypatch.setenv("HEDGEFI_CACHE_DIR", str(tmp_path / "cache"))   # a cold cache of this test's own
    src = tmp_path / "Probe.sol"
    src.write_text("// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\ncontract Probe { uint256 public x = 1; }\n")
    first = solc.compile_contracts([src])
    second = solc.compile_contracts([src])
    assert len(runs) == 1 and len(list((tmp_path / "cache" / "solc").glob("*.json"))) == 1
    assert first["Probe"].bytecode == second["Probe"].bytecode and len(first["Probe"].bytecode) > 100
    src.write_text(src.read_text().replace("x = 1", "x = 2"))
    third = solc.compile_contracts([src])
    assert len(runs) == 2 and third["Probe"].bytecode != first["Probe"].bytecode


def test_compile_error_names_file_and_line(tmp_path: Path) -> None:
    from hedgefi.sim.solc import compile_contracts

    src = tmp_path / "Broken.sol"
    src.write_text("// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\n\ncontract Broken { uint256 x = ; }\n")
    with pytest.raises(CompileError) as info:
        compile_contracts([src])
    assert "Broken.sol:4:" in str(info.value)


def test_every_devnet_contract_has_code_and_multicall_is_canonical(devnet) -> None:  # type: ignore[no-untyped-def]
    m = devnet.manifest
    assert m.contracts["Multicall3"] == MULTICALL3
    for name, address in m.contracts.items():
        assert rpc_request(m.rpc_url, "eth_getCode", [address, "latest"]) not in ("0x", None), name
    (block,) = _call(m.rpc_url, MULTICALL3, "getBlockNumber()", [], [], ["uint256"])
    assert block == int(rpc_request(m.rpc_url, "eth_blockNumber"), 16)


def test_tokens_have_real_world_decimals(devnet) -> None:  # type: ignore[no-untyped-def]
    want = {"WETH": 18, "USDC": 6, "WBTC": 8, "ARB": 18, "LINK": 18, "PAXG": 18}
    for t in devnet.manifest.tokens:
        (decimals,) = _call(devnet.rpc_url, t["address"], "decimals()", [], [], ["uint8"])
        assert decimals == want[t["symbol"]]


def test_price_rounds_keep_history(devnet) -> None:  # type: ignore[no-untyped-def]
    feed = devnet.manifest.feeds["ETH"]
    change = control.set_price("WETH", "-30%")
    assert (change.asset, change.old_price, change.new_price) == ("ETH", Decimal("3000"), Decimal("2100"))
    control.set_price("ETH", "2500.5")
    (seeded,) = _call(devnet.rpc_url, feed, "historyCount()", [], [], ["uint80"])
    assert seeded == 180 * 24                        # the seeded hourly history comes first
    latest = _call(devnet.rpc_url, feed, "latestRoundData()", [], [],
                   ["uint80", "int256", "uint256", "uint256", "uint80"])
    assert latest[0] == seeded + 3 and latest[1] == 250050000000
    first = _call(devnet.rpc_url, feed, "getRoundData(uint80)", ["uint80"], [seeded + 1],
                  ["uint80", "int256", "uint256", "uint256", "uint80"])
    assert first[1] == 300000000000
    before = _call(devnet.rpc_url, feed, "getRoundData(uint80)", ["uint80"], [seeded],
                   ["uint80", "int256", "uint256", "uint256", "uint80"])
    assert before[3] == first[3] - 3600              # an hour before the deploy's round
    (desc,) = _call(devnet.rpc_url, feed, "description()", [], [], ["string"])
    assert desc == "ETH / USD"


def test_advance_moves_chain_time(devnet) -> None:  # type: ignore[no-untyped-def]
    before = int(rpc_request(devnet.rpc_url, "eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
    after = control.advance(control.parse_duration("8h"))
    assert after - before >= 8 * 3600


def test_fork_of_the_devnet_sees_its_state_and_leaves_it_untouched(devnet) -> None:  # type: ignore[no-untyped-def]
    m = devnet.manifest
    weth = m.contracts["WETH"]
    (bal,) = _call(m.rpc_url, weth, "balanceOf(address)", ["address"], [m.demo_address], ["uint256"])
    with fork(m.rpc_url, expected_chain_id=31337) as node:
        assert node.chain_id() == 31337
        (fork_bal,) = _call(node.rpc_url, weth, "balanceOf(address)", ["address"], [m.demo_address], ["uint256"])
        assert fork_bal == bal
        # move all the demo wallet's WETH away on the fork
        rpc_request(node.rpc_url, "anvil_impersonateAccount", [m.demo_address])
        data = "0x" + encode_call("transfer(address,uint256)", ["address", "uint256"],
                                  [m.admin_address, bal]).hex()
        tx = rpc_request(node.rpc_url, "eth_sendTransaction", [{"from": m.demo_address, "to": weth, "data": data}])
        from hedgefi.chain.local import wait_receipt

        assert wait_receipt(node.rpc_url, tx)["status"] == "0x1"
        (fork_after,) = _call(node.rpc_url, weth, "balanceOf(address)", ["address"], [m.demo_address], ["uint256"])
        assert fork_after == 0
        pid = node.pid
    assert not pid_is_anvil(pid), "the fork's anvil outlived its manager"
    (still,) = _call(m.rpc_url, weth, "balanceOf(address)", ["address"], [m.demo_address], ["uint256"])
    assert still == bal


def test_fork_refuses_a_wrong_chain_id(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.core.errors import ChainIdMismatchError

    with pytest.raises(ChainIdMismatchError, match="42161"):
        fork(devnet.rpc_url, expected_chain_id=42161)


def test_a_second_devnet_up_is_refused(devnet) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DevnetError, match="already running"):
        control.up(port=devnet.manifest.port + 1)


def test_anvil_node_stops_its_whole_process() -> None:
    node = AnvilNode.start()
    assert node.alive() and node.chain_id() == 31337
    node.stop()
    assert not node.alive()
