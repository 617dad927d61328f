"""The bridge to ``@gainsnetwork/sdk`` itself (no devnet): numbers cross it exactly, SDK errors surface,
and a missing SDK is a failure, never a skip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.sdk.bridge import GtradeSdk, SdkCall, SdkCallError, SdkUnavailable, from_json, to_json


def test_decimals_are_written_digit_for_digit_and_read_back_as_decimals() -> None:
    value = {"a": Decimal("3012.3456789012"), "b": [Decimal("1E+30"), Decimal("-0.000000000000001234")],
             "c": True, "d": None, "e": 7, "f": "x"}
    text = to_json(value)
    assert "3012.3456789012" in text and "1000000000000000000000000000000" not in text
    assert from_json(text) == {"a": Decimal("3012.3456789012"), "b": [Decimal("1E+30"), Decimal("-1.234E-15")],
                               "c": True, "d": None, "e": Decimal(7), "f": "x"}
    with pytest.raises(TypeError):
        to_json(1.5)


def test_sdk_computes_on_the_numbers_sent(gtrade_sdk: GtradeSdk) -> None:
    """A short's PnL percent, the SDK's getPnlPercent against the formula of reference §6.7 in Decimal."""
    open_price, current, leverage = Decimal("3012.5"), Decimal("2950.25"), Decimal("7.5")
    got = gtrade_sdk.call("getPnlPercent", open_price, current, False, leverage)
    want = (open_price - current) / open_price * 100 * leverage
    assert isinstance(got, Decimal) and abs(got - want) <= abs(want) * Decimal("1e-14")
    a, b = gtrade_sdk.batch([SdkCall("getPnlPercent", [open_price, current, True, leverage]),
                             SdkCall("getPnlPercent", [open_price, open_price * 3, False, leverage])])
    assert abs(a + want) <= abs(want) * Decimal("1e-14") and b == -100          # floored at -100%


def test_sdk_errors_and_non_finite_results_are_errors(gtrade_sdk: GtradeSdk) -> None:
    with pytest.raises(SdkCallError, match="Velocity cannot be zero"):
        gtrade_sdk.call("getSecondsToReachZeroRate", Decimal(1), Decimal(0))
    with pytest.raises(SdkCallError, match="not a finite number"):
        gtrade_sdk.call("getTradeFundingFeesCollateralSimple",
                        {"collateralAmount": 1, "leverage": 1, "openPrice": 0}, {"contractsVersion": 2}, 0, 1)
    with pytest.raises(SdkCallError, match="no function"):
        gtrade_sdk.call("noSuchFunction")
    assert gtrade_sdk.call("getPnlPercent", 1, 2, True, 1) == 100                   # still answering


def test_a_missing_sdk_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(SdkUnavailable, match="@gainsnetwork/sdk is not installed"):
        GtradeSdk.start(env={"HEDGEFI_GTRADE_SDK_DIR": str(tmp_path)})
    fake = tmp_path / "node_modules" / "@gainsnetwork" / "sdk"
    fake.mkdir(parents=True)
    (fake / "package.json").write_text('{"name": "@gainsnetwork/sdk", "version": "1.0.0"}')
    with pytest.raises(SdkUnavailable, match="pin 1.8.7"):
        GtradeSdk.start(env={"HEDGEFI_GTRADE_SDK_DIR": str(tmp_path)})
