"""Files that ship inside the package, read with ``importlib.resources`` (no source tree, no compiler).

- ``abi(venue, name)``: the client ABIs generated from ``contracts/interfaces`` (``hedgefi/_data/abis``;
  the project's ``abis/`` is a link to that folder).
- ``artifact(group, name)`` / ``artifacts(group)``: compiled contracts (ABI, creation and runtime code)
  for the devnet (``devnet``, ``gmx``, ``gtrade``), including the GMX mock oracle provider that a dry-run
  fork installs. ``python -m hedgefi.sim.build`` regenerates both from ``contracts/``; a test checks
  that the shipped files equal a fresh compile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from hedgefi.core.errors import HedgefiError

ARTIFACT_GROUPS = ("devnet", "gmx", "gmx-v2.2b", "gtrade")


@dataclass(frozen=True, slots=True)
class Artifact:
    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: str           # creation code, 0x-prefixed
    runtime: str            # deployed code, 0x-prefixed

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "abi": self.abi, "bytecode": self.bytecode,
                "runtime": self.runtime}


def data_root() -> Traversable:
    return resources.files("hedgefi") / "_data"


def _read_json(path: Traversable, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise HedgefiError(f"{what} is missing from the hedgefi package (reinstall it)") from None


@lru_cache(maxsize=None)
def _abi(venue: str, name: str) -> tuple[dict[str, Any], ...]:
    return tuple(_read_json(data_root() / "abis" / venue / f"{name}.json", f"ABI {venue}/{name}"))


def abi(venue: str, name: str) -> list[dict[str, Any]]:
    """A shipped client ABI (``venue`` may name a release folder, e.g. ``gmx/v2.2b``)."""
    return list(_abi(venue, name))


@lru_cache(maxsize=None)
def artifact(group: str, name: str) -> Artifact:
    """One shipped compiled contract."""
    data = _read_json(data_root() / "artifacts" / group / f"{name}.json", f"artifact {group}/{name}")
    return Artifact(name=data["name"], source=data["source"], abi=data["abi"], bytecode=data["bytecode"],
                    runtime=data["runtime"])


def artifacts(group: str) -> dict[str, Artifact]:
    """Every shipped compiled contract of ``group`` by name."""
    folder = data_root() / "artifacts" / group
    names = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))
    if not names:
        raise HedgefiError(f"no compiled {group} contracts in the hedgefi package (reinstall it)")
    return {n: artifact(group, n) for n in names}


__all__ = ["ARTIFACT_GROUPS", "Artifact", "abi", "artifact", "artifacts", "data_root"]
