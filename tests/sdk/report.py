"""Differences between hedgefi / the replica and the SDK, collected per quantity and printed as a table.

``DiffReport.check(quantity, case, got, want, unit)`` records one comparison: it passes when
``|got - want| <= unit`` (one on-chain unit of the figure) or ``|got - want| <= 1e-6 * |want|``. The tests
record every comparison first and fail at the end with the whole table, so one run tells what is off and
by how much. ``table()`` gives, per quantity, the largest relative difference and its case; ``write()``
puts it where ``$HEDGEFI_SDK_DIFF_REPORT`` points (for the lead's closing note): one section per test,
replaced on each run, under a file lock (xdist workers may write at the same time).
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

REL_TOL = Decimal("1e-6")


@dataclass(frozen=True, slots=True)
class Diff:
    quantity: str
    case: str
    got: Decimal | None          # hedgefi / the replica (None: the figure is missing)
    want: Decimal                # the SDK
    unit: Decimal

    @property
    def abs_diff(self) -> Decimal | None:
        return None if self.got is None else abs(self.got - self.want)

    @property
    def rel_diff(self) -> Decimal | None:
        if self.got is None:
            return None
        if self.want == 0:
            return Decimal(0) if self.got == 0 else Decimal("Infinity")
        return abs(self.got - self.want) / abs(self.want)

    @property
    def ok(self) -> bool:
        d = self.abs_diff
        return d is not None and (d <= self.unit or d <= REL_TOL * abs(self.want))


@dataclass
class DiffReport:
    rows: list[Diff] = field(default_factory=list)

    def check(self, quantity: str, case: str, got: Decimal | int | None, want: Decimal | int,
              unit: Decimal | int = 1) -> Diff:
        row = Diff(quantity, case, None if got is None else Decimal(got), Decimal(want), Decimal(unit))
        self.rows.append(row)
        return row

    def failures(self) -> list[Diff]:
        return [r for r in self.rows if not r.ok]

    def table(self) -> str:
        by_q: dict[str, list[Diff]] = {}
        for r in self.rows:
            by_q.setdefault(r.quantity, []).append(r)
        lines = [f"{'quantity':<38} {'n':>2} {'fail':>4} {'max rel diff':>13}  {'worst case':<26} "
                 f"{'hedgefi/replica':>22} {'SDK':>22}"]
        for q, rows in by_q.items():
            missing = [r for r in rows if r.got is None]
            worst = max((r for r in rows if r.got is not None), key=lambda r: r.rel_diff or 0, default=None)
            bad = sum(1 for r in rows if not r.ok)
            if worst is None:
                lines.append(f"{q:<38} {len(rows):>2} {bad:>4} {'missing':>13}  {missing[0].case:<26} "
                             f"{'-':>22} {_num(missing[0].want):>22}")
                continue
            rel = worst.rel_diff or Decimal(0)
            lines.append(f"{q:<38} {len(rows):>2} {bad:>4} {_rel(rel):>13}  {worst.case:<26} "
                         f"{_num(worst.got):>22} {_num(worst.want):>22}"
                         + (f"  ({len(missing)} missing)" if missing else ""))
        return "\n".join(lines)

    def details(self) -> str:
        return "\n".join(f"{'ok ' if r.ok else 'BAD'} {r.quantity:<38} {r.case:<26} got={_num(r.got)} "
                         f"sdk={_num(r.want)} rel={_rel(r.rel_diff)}" for r in self.rows)

    def write(self, section: str, header: str = "") -> Path | None:
        """Replace this ``section`` (a test's name) of the report file with the current table and rows."""
        target = os.environ.get("HEDGEFI_SDK_DIFF_REPORT")
        if not target:
            return None
        path = Path(target)
        body = f"{SECTION}{section}\n" + (header + "\n" if header else "") + self.table() + "\n\n" + \
            self.details() + "\n\n"
        with open(path, "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0)
            kept = [s for s in f.read().split(SECTION) if s.strip() and not s.startswith(section + "\n")]
            f.seek(0)
            f.truncate()
            f.write("".join(SECTION + s for s in kept) + body)
        return path


SECTION = "=== "


def _num(x: Decimal | None) -> str:
    if x is None:
        return "missing"
    return f"{x:.10g}" if abs(x) < Decimal("1e15") else f"{x:.6e}"


def _rel(x: Decimal | None) -> str:
    if x is None:
        return "missing"
    if not x.is_finite():
        return "inf"
    return f"{x:.2e}"


__all__ = ["Diff", "DiffReport", "REL_TOL"]
