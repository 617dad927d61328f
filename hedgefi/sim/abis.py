"""Generating ``abis/<venue>/<Contract>.json`` from the Solidity interfaces in ``contracts/interfaces``.

The interfaces are the single source of each venue's ABI; the JSON files are checked in so the client
loads them without a compiler, and ``tests`` check that they match a fresh compile and the real
mainnet ABIs (``../shared/tools/abi_conformance.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hedgefi.core.config import project_root
from hedgefi.sim.solc import compile_contracts, contract_files

# interface (or error container) -> ABI file name, per venue
VENUE_INTERFACES: dict[str, dict[str, str]] = {
    "gmx": {
        "IExchangeRouter": "ExchangeRouter", "IRouter": "Router", "IOrderVault": "OrderVault",
        "IDataStore": "DataStore", "IRoleStore": "RoleStore", "IEventEmitter": "EventEmitter",
        "IReader": "Reader", "IOrderHandler": "OrderHandler", "IOracle": "Oracle",
        "IMockOracleProvider": "MockOracleProvider", "Errors": "Errors",
    },
    # a release whose shapes differ: only what differs, in abis/gmx/v2.2b/ (the rest is shared)
    "gmx/v2.2b": {"IReader": "Reader"},
    "gtrade": {"IGNSMultiCollatDiamond": "GNSMultiCollatDiamond"},
}


# a release's interfaces: the venue's declarations compiled with the release's types in place of its own
RELEASE_TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "gmx/v2.2b": ("interfaces/gmx", {"contracts/interfaces/gmx/GmxTypes.sol":
                                     "contracts/interfaces/gmx-v2.2b/GmxTypes.sol"}),
}


def abi_dir() -> Path:
    """``hedgefi/_data/abis`` in the source tree (``abis/`` at the project root links to it)."""
    return project_root() / "hedgefi" / "_data" / "abis"


def generate(venue: str) -> dict[str, list[dict[str, Any]]]:
    """``{file name: ABI items}`` for ``venue``, compiled from its interfaces."""
    folder, substitute = RELEASE_TYPES.get(venue, (f"interfaces/{venue}", {}))
    artifacts = compile_contracts(contract_files(folder), substitute=substitute)
    out: dict[str, list[dict[str, Any]]] = {}
    for contract, name in VENUE_INTERFACES[venue].items():
        items = [i for i in artifacts[contract].abi if i.get("type") in ("function", "event", "error")]
        out[name] = sorted(items, key=lambda i: (i["type"], i.get("name", ""), json.dumps(i, sort_keys=True)))
    return out


def render(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, indent=1, sort_keys=True) + "\n"


def write_all() -> list[Path]:
    written = []
    for venue in VENUE_INTERFACES:
        folder = abi_dir() / venue
        folder.mkdir(parents=True, exist_ok=True)
        for name, items in generate(venue).items():
            path = folder / f"{name}.json"
            path.write_text(render(items))
            written.append(path)
    return written


if __name__ == "__main__":
    from hedgefi.sim.build import main

    main()
