"""Crash points for fault tests: ``HEDGEFI_FAULT_INJECT=<point>`` kills the process (SIGKILL, as ``kill -9``)
the first time it reaches ``<point>``. Points: ``after_sign``, ``after_send``, ``after_mined``.
Never set in normal use; the fault suite sets it to prove that a killed run is resumed, not duplicated."""

from __future__ import annotations

import os
import signal


def checkpoint(name: str) -> None:
    if os.environ.get("HEDGEFI_FAULT_INJECT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


__all__ = ["checkpoint"]
