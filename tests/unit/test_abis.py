"""What ships in ``hedgefi/_data`` equals a fresh compile of ``contracts/`` (client ABIs and the compiled
devnet / replica artifacts, so they never drift), and the ABIs match the real mainnet ABIs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hedgefi.core import resources
from hedgefi.sim.abis import VENUE_INTERFACES, generate, render
from hedgefi.sim.build import GROUPS, compile_group, render_artifact
from tests.helpers import ROOT

CONFORMANCE = ROOT.parent / "shared" / "tools" / "abi_conformance.py"


def _shipped(*parts: str) -> dict[str, str]:
    folder = resources.data_root().joinpath(*parts)
    return {p.name: p.read_text() for p in folder.iterdir() if p.name.endswith(".json")}


@pytest.mark.parametrize("venue", sorted(VENUE_INTERFACES))
def test_shipped_abis_are_exactly_the_generated_ones(venue: str) -> None:
    fresh = {f"{name}.json": render(items) for name, items in generate(venue).items()}
    shipped = _shipped("abis", venue)
    assert sorted(shipped) == sorted(fresh), "stale or missing ABI files: run ./scripts/build-abis"
    for name, text in fresh.items():
        assert shipped[name] == text, f"abis/{venue}/{name} is stale: run ./scripts/build-abis"
        assert resources.abi(venue, name[:-5]) == json.loads(text)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_shipped_artifacts_equal_a_fresh_compile(group: str) -> None:
    fresh = compile_group(group)
    shipped = _shipped("artifacts", group)
    assert sorted(shipped) == sorted(f"{n}.json" for n in fresh), \
        f"stale or missing artifacts in hedgefi/_data/artifacts/{group}: run ./scripts/build-abis"
    for name, a in fresh.items():
        assert shipped[f"{name}.json"] == render_artifact(a), \
            f"hedgefi/_data/artifacts/{group}/{name}.json is stale: run ./scripts/build-abis"
        loaded = resources.artifact(group, name)
        assert (loaded.bytecode, loaded.runtime, loaded.abi) == (a.bytecode, a.runtime, a.abi)
    # what a dry-run fork of Arbitrum installs, and what the devnet deploys, is real code
    if group == "gmx":
        assert len(resources.artifact("gmx", "MockOracleProvider").runtime) > 2


@pytest.mark.skipif(not CONFORMANCE.is_file(), reason="../shared/tools/abi_conformance.py is not beside the project")
def test_abi_conformance_against_mainnet() -> None:
    required = ["gmx:ExchangeRouter.createOrder", "gmx:ExchangeRouter.multicall", "gmx:ExchangeRouter.sendWnt",
                "gmx:ExchangeRouter.sendTokens", "gmx:ExchangeRouter.cancelOrder", "gmx:Reader.getMarketInfoList",
                "gmx:Reader.getAccountPositionInfoList", "gmx:OrderHandler.executeOrder", "gmx:EventEmitter.EventLog2",
                "gmx/v2.2b:Reader.getOrder", "gmx/v2.2b:Reader.getAccountPositionInfoList",
                "gtrade:GNSMultiCollatDiamond.openTrade", "gtrade:GNSMultiCollatDiamond.closeTradeMarket",
                "gtrade:GNSMultiCollatDiamond.decreasePositionSize", "gtrade:GNSMultiCollatDiamond.cancelOrderAfterTimeout",
                "gtrade:GNSMultiCollatDiamond.fulfill", "gtrade:GNSMultiCollatDiamond.MarketExecuted"]
    proc = subprocess.run([sys.executable, str(CONFORMANCE), "--require", *required], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip().endswith("0 problems")
