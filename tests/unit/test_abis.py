"""The checked-in ABIs come from the Solidity interfaces and match the real mainnet ABIs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hedgefi.sim.abis import VENUE_INTERFACES, abi_dir, generate, render
from tests.helpers import ROOT

CONFORMANCE = ROOT.parent / "shared" / "tools" / "abi_conformance.py"


@pytest.mark.parametrize("venue", sorted(VENUE_INTERFACES))
def test_checked_in_abis_equal_a_fresh_generation(venue: str) -> None:
    for name, items in generate(venue).items():
        path = abi_dir() / venue / f"{name}.json"
        assert path.read_text() == render(items), f"{path} is stale: run ./scripts/build-abis"


@pytest.mark.skipif(not CONFORMANCE.is_file(), reason="../shared/tools/abi_conformance.py is not beside the project")
def test_abi_conformance_against_mainnet() -> None:
    required = ["gmx:ExchangeRouter.createOrder", "gmx:ExchangeRouter.multicall", "gmx:ExchangeRouter.sendWnt",
                "gmx:ExchangeRouter.sendTokens", "gmx:ExchangeRouter.cancelOrder", "gmx:Reader.getMarketInfoList",
                "gmx:Reader.getAccountPositionInfoList", "gmx:OrderHandler.executeOrder", "gmx:EventEmitter.EventLog2",
                "gtrade:GNSMultiCollatDiamond.openTrade", "gtrade:GNSMultiCollatDiamond.closeTradeMarket",
                "gtrade:GNSMultiCollatDiamond.decreasePositionSize", "gtrade:GNSMultiCollatDiamond.cancelOrderAfterTimeout",
                "gtrade:GNSMultiCollatDiamond.fulfill", "gtrade:GNSMultiCollatDiamond.MarketExecuted"]
    proc = subprocess.run([sys.executable, str(CONFORMANCE), "--require", *required], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip().endswith("0 problems")
