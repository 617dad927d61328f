"""The Python side of the bridge to ``@gainsnetwork/sdk``: one node process (``gtrade_bridge.cjs``) per test
session, one JSON line per batch of SDK calls.

    sdk = GtradeSdk.start()
    liq = sdk.call("getLiquidationPrice", trade, context)          # one call
    a, b = sdk.batch([SdkCall("fnA", [..]), SdkCall("fnB", [..])])  # one round trip
    sdk.close()

Arguments are JSON values in the SDK's units (``tests.sdk.convert`` builds them from chain integers);
``Decimal`` arguments are written as JSON numbers digit for digit, and every number in an answer is parsed
back as a ``Decimal`` (the SDK itself computes in IEEE doubles; nothing on this side does). A missing node
or SDK is an error (``SdkUnavailable``), never a skip: the differential tests must not pass by not running.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

BRIDGE = Path(__file__).with_name("gtrade_bridge.cjs")
PINNED_VERSION = "1.8.7"


class SdkUnavailable(RuntimeError):
    """node or @gainsnetwork/sdk (the pinned version) cannot be started."""


class SdkCallError(RuntimeError):
    """The SDK threw (or returned a non-finite number) for one call."""


@dataclass(frozen=True, slots=True)
class SdkCall:
    fn: str
    args: list[Any] = field(default_factory=list)


def to_json(value: Any) -> str:
    """JSON text with each ``Decimal`` written as a number, exactly as it prints (no float on the way)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        text = format(value, "f") if -30 < value.adjusted() < 30 else format(value, "e")
        return text if text not in ("-0", "-0.0") else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats are not sent to the SDK: use Decimal")
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + to_json(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    raise TypeError(f"cannot send {type(value).__name__} to the SDK")


def from_json(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


class GtradeSdk:
    """A running bridge process. ``start()`` checks node and the SDK version before any test uses it."""

    def __init__(self, proc: subprocess.Popen[str], version: str, path: str) -> None:
        self._proc = proc
        self._next_id = 0
        self.version = version
        self.path = path
        self.calls_made = 0
        self.round_trips = 0

    @classmethod
    def start(cls, env: dict[str, str] | None = None) -> "GtradeSdk":
        node = shutil.which("node")
        if node is None:
            raise SdkUnavailable("node is not on PATH: the gTrade SDK differential tests need Node.js")
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.Popen([node, str(BRIDGE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=full_env)
        assert proc.stdout is not None
        first = proc.stdout.readline()
        if not first:
            err = proc.stderr.read() if proc.stderr else ""
            raise SdkUnavailable(f"the SDK bridge exited before answering: {err.strip()[:2000]}")
        hello = from_json(first)
        if not hello.get("ready"):
            proc.wait(timeout=5)
            raise SdkUnavailable(f"@gainsnetwork/sdk unavailable: {hello.get('error')}")
        if hello["version"] != PINNED_VERSION:
            proc.kill()
            raise SdkUnavailable(f"@gainsnetwork/sdk {hello['version']} found; the tests pin {PINNED_VERSION}")
        return cls(proc, str(hello["version"]), str(hello["path"]))

    def batch(self, calls: list[SdkCall]) -> list[Any]:
        """Every call's value, in order, in one round trip; the first failing call raises ``SdkCallError``."""
        proc = self._proc
        if proc.poll() is not None or proc.stdin is None or proc.stdout is None:
            raise SdkUnavailable("the SDK bridge process is not running")
        self._next_id += 1
        request = '{"id":' + str(self._next_id) + ',"calls":' + to_json(
            [{"fn": c.fn, "args": c.args} for c in calls]) + "}"
        proc.stdin.write(request + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise SdkUnavailable(f"the SDK bridge died: {err.strip()[:2000]}")
        answer = from_json(line)
        if answer.get("id") != self._next_id:
            raise SdkCallError(f"the SDK bridge answered out of turn: {answer}")
        self.calls_made += len(calls)
        self.round_trips += 1
        values = []
        for result in answer["results"]:
            if not result["ok"]:
                raise SdkCallError(result["error"])
            values.append(result["value"])
        return values

    def call(self, fn: str, *args: Any) -> Any:
        return self.batch([SdkCall(fn, list(args))])[0]

    def close(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


__all__ = ["GtradeSdk", "SdkCall", "SdkUnavailable", "SdkCallError", "to_json", "from_json", "PINNED_VERSION"]
