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


@pytest.fixture
def diff_report(gtrade_sdk: GtradeSdk, request: pytest.FixtureRequest) -> Iterator[DiffReport]:
    """The test's comparisons; its section of $HEDGEFI_SDK_DIFF_REPORT (if set) is rewritten when it ends,
    also when it fails half-way."""
    report = DiffReport()
    yield report
    report.write(request.node.nodeid, f"gTrade vs @gainsnetwork/sdk {gtrade_sdk.version} ({gtrade_sdk.path}): "
                                      f"largest relative difference per quantity; tolerance: one on-chain unit "
                                      f"or 1e-6 relative")
