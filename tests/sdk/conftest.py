"""Fixtures for the SDK differential tests: one bridge process per session, one diff report per module."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.sdk.bridge import GtradeSdk
from tests.sdk.report import DiffReport


@pytest.fixture(scope="session")
def gtrade_sdk() -> Iterator[GtradeSdk]:
    """``@gainsnetwork/sdk`` (pinned 1.8.7) through node; a missing node or SDK fails the test (no skip)."""
    sdk = GtradeSdk.start()
    try:
        yield sdk
    finally:
        sdk.close()


@pytest.fixture(scope="module")
def diff_report(gtrade_sdk: GtradeSdk) -> Iterator[DiffReport]:
    """Every comparison of the module; written to $HEDGEFI_SDK_DIFF_REPORT (if set) when the module ends."""
    report = DiffReport()
    yield report
    report.write(f"gTrade vs @gainsnetwork/sdk {gtrade_sdk.version} ({gtrade_sdk.path}): largest relative "
                 f"difference per quantity; tolerance: one on-chain unit or 1e-6 relative")
