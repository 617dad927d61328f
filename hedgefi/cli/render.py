"""Rendering for the CLI: rich tables for people, ``--json`` with a stable schema for scripts.

Results go to stdout; messages, warnings and errors go to stderr, so ``--json`` output is
always parseable. Errors are one clear line (a panel on a terminal), never a traceback.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from rich.console import Console

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        from hedgefi.units import fmt

        return fmt(o)
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_default) + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """One clear line on stderr: 'error: ...'."""
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}")


def warn(message: str) -> None:
    from rich.markup import escape

    err.print(f"[yellow]warning:[/] {escape(message)}")


def info(message: str) -> None:
    err.print(message)


def usd(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "-"
    q = value.quantize(Decimal(1).scaleb(-places))
    return f"${q:,}"


def amount(value: Decimal, max_places: int = 8) -> str:
    from hedgefi.units import fmt

    if value == value.quantize(Decimal(1).scaleb(-max_places)):
        return fmt(value)
    return fmt(value.quantize(Decimal(1).scaleb(-max_places))) + "…"


__all__ = ["out", "err", "print_json", "error", "warn", "info", "usd", "amount"]
