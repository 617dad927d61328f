"""A typed Python face for ``tests/sdk/gmx_bridge.cjs``: GMX's official SDK (``@gmx-io/sdk``) as an oracle.

Calls are queued on a ``GmxSdk`` and run together in one node process (``run``): node starts once per
batch, not once per number. Amounts cross the bridge as decimal strings (the bridge turns them into
bigints) and come back as Python ``int``; nothing here is a float.

    sdk = GmxSdk()
    version = sdk.version()
    key = sdk.key("minCollateralFactorForLiquidationKey", market)
    sdk.run()
    assert version.value == "1.4.0"
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

BRIDGE = Path(__file__).with_name("gmx_bridge.cjs")
ROOT = BRIDGE.parent.parent.parent
SDK_PACKAGE = ROOT / "node_modules" / "@gmx-io" / "sdk" / "package.json"

T = TypeVar("T")


class SdkError(RuntimeError):
    """The SDK (or the bridge) refused one call; ``args[0]`` holds its message."""


def sdk_available() -> bool:
    return SDK_PACKAGE.is_file() and shutil.which("node") is not None


class Raw(int):
    """An int that crosses the bridge as a JSON number (decimals, periods, chain ids), not as a bigint."""


def wire(value: Any) -> Any:
    """Python -> bridge: ints as decimal strings (bigints there), ``Raw`` ints and bools as JSON."""
    if isinstance(value, (bool, Raw)) or value is None:
        return int(value) if isinstance(value, Raw) else value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in value]
    return value


@dataclass
class Pending(Generic[T]):
    """One queued call's answer, filled by ``GmxSdk.run``."""

    op: str
    _value: Any = None
    _error: str | None = None
    _done: bool = False

    @property
    def value(self) -> T:
        if not self._done:
            raise SdkError(f"{self.op}: the batch has not run yet")
        if self._error is not None:
            raise SdkError(f"{self.op}: {self._error}")
        return self._value  # type: ignore[no-any-return]


@dataclass
class GmxSdk:
    """A batch of SDK calls. ``register_chain`` first when the chain is not one the SDK ships."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    pending: list[Pending[Any]] = field(default_factory=list)
    timeout_s: float = 60.0

    def _add(self, op: str, **payload: Any) -> Pending[Any]:
        self.calls.append({"op": op, **wire(payload)})
        p: Pending[Any] = Pending(op)
        self.pending.append(p)
        return p

    # ------------------------------------------------------------------ calls
    def version(self) -> Pending[str]:
        return self._add("version")

    def register_chain(self, chain_id: int, contracts: dict[str, str], tokens: list[dict[str, Any]]) -> Pending[int]:
        return self._add("register_chain", chainId=chain_id, contracts=contracts, tokens=_raw_ints(tokens))

    def increase_calldata(self, params: dict[str, Any]) -> Pending[dict[str, Any]]:
        """``buildIncreaseOrderPayload`` + ``buildCreateOrderMulticall`` + ``encodeExchangeRouterMulticall``."""
        return self._add("increase_calldata", params=params)

    def decrease_calldata(self, params: dict[str, Any]) -> Pending[dict[str, Any]]:
        return self._add("decrease_calldata", params=params)

    def key(self, fn: str, *args: Any) -> Pending[dict[str, str]]:
        """``configs/dataStore.js``'s ``fn(*args)``; ``{"missing": ...}`` when the SDK has no such function."""
        return self._add("key", fn=fn, args=list(args))

    def key_constant(self, name: str) -> Pending[dict[str, str]]:
        return self._add("key", constant=name)

    def hash_string(self, text: str) -> Pending[str]:
        return self._add("hash_string", value=text)

    def hash_data(self, name: str, types: list[str], values: list[Any]) -> Pending[str]:
        """The SDK's ``hashData(["bytes32", *types], [hashString(name), *values])`` (keys its table lacks)."""
        return self._add("hash_data", name=name, types=types, values=values)

    def execution_fee(self, kind: str, gas_limits: dict[str, int], gas_price_wei: int, native_decimals: int,
                      native_price_e30: int, chain_id: int) -> Pending[dict[str, str]]:
        """``estimateExecute{Increase,Decrease}OrderGasLimit`` + ``getExecutionFee`` (no swaps, no callback)."""
        return self._add("execution_fee", kind=kind, gasLimits=gas_limits, gasPrice=gas_price_wei, chainId=_raw(chain_id),
                         nativeToken={"decimals": _raw(native_decimals),
                                      "prices": {"minPrice": native_price_e30, "maxPrice": native_price_e30}})

    def funding_borrowing(self, market_info: dict[str, Any], is_long: bool, period_s: int,
                          size_usd_e30: int) -> Pending[dict[str, str]]:
        return self._add("funding_borrowing", marketInfo=market_info, isLong=is_long, periodSeconds=_raw(period_s),
                         sizeInUsd=size_usd_e30)

    def position(self, market_info: dict[str, Any], collateral_token: dict[str, Any], position: dict[str, Any],
                 min_collateral_usd_raw: int) -> Pending[dict[str, str | None]]:
        return self._add("position", marketInfo=market_info, collateralToken=collateral_token, position=position,
                         minCollateralUsd=min_collateral_usd_raw)

    def acceptable_price(self, *, is_increase: bool, is_long: bool, index_price_e30: int, size_delta_usd_e30: int,
                         price_impact_usd_e30: int, slippage_bps: int, anchor_e30: int) -> Pending[dict[str, str]]:
        """``getAcceptablePriceByPriceImpact`` (index price moved by the impact) and ``applySlippageToPrice``
        (``slippage_bps`` on ``anchor_e30``)."""
        return self._add("acceptable_price", isIncrease=is_increase, isLong=is_long, indexPrice=index_price_e30,
                         sizeDeltaUsd=size_delta_usd_e30, priceImpactDeltaUsd=price_impact_usd_e30,
                         allowedSlippage=_raw(slippage_bps), anchor=anchor_e30)

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        """Run every queued call in one node process and fill their answers."""
        if not self.calls:
            return
        proc = subprocess.run(["node", str(BRIDGE)], input=json.dumps({"calls": self.calls}), text=True,
                              capture_output=True, timeout=self.timeout_s, cwd=ROOT)
        if proc.returncode != 0:
            raise SdkError(f"the GMX SDK bridge exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
        results = json.loads(proc.stdout)["results"]
        if len(results) != len(self.pending):
            raise SdkError(f"the bridge answered {len(results)} of {len(self.pending)} calls")
        for p, r in zip(self.pending, results):
            p._done = True
            if r["ok"]:
                p._value = r["value"]
            else:
                p._error = r["error"]
        self.calls, self.pending = [], []


def _raw(x: int) -> Raw:
    return Raw(x)


def _raw_ints(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: Raw(v) if k == "decimals" else v for k, v in t.items()} for t in tokens]


__all__ = ["GmxSdk", "Pending", "SdkError", "Raw", "sdk_available", "BRIDGE"]
