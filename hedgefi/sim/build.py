"""Regenerating what ships in ``hedgefi/_data`` from ``contracts/`` (a development step, needs solcjs).

- ``abis/<venue>/*.json``: the client ABIs, from ``contracts/interfaces/<venue>`` (see ``sim.abis``).
- ``artifacts/<group>/<Contract>.json``: every deployable contract of the devnet (``devnet``), the GMX
  replica with its mock oracle provider (``gmx``) and the gTrade replica (``gtrade``).

Run ``./scripts/build-abis`` (or ``python -m hedgefi.sim.build``) after editing a ``.sol`` file; the
test suite checks the shipped files equal a fresh compile, so they never drift.
"""

from __future__ import annotations

import json
from pathlib import Path

from hedgefi.core.config import project_root
from hedgefi.core.resources import ARTIFACT_GROUPS, Artifact
from hedgefi.sim.solc import compile_contracts, contract_files

# group -> (contract folders under contracts/, viaIR)
GROUPS: dict[str, tuple[tuple[str, ...], bool]] = {
    "devnet": (("devnet",), False),
    "gmx": (("interfaces/gmx", "replicas/gmx"), True),
    "gmx-v2.2b": (("interfaces/gmx", "replicas/gmx"), True),   # the same sources in v2.2b's layouts
    "gtrade": (("interfaces/gtrade", "replicas/gtrade"), True),
}
# group -> {source: the file compiled in its place} (see sim.solc.compile_contracts)
SUBSTITUTES: dict[str, dict[str, str]] = {
    "gmx-v2.2b": {"contracts/interfaces/gmx/GmxTypes.sol": "contracts/interfaces/gmx-v2.2b/GmxTypes.sol",
                  "contracts/replicas/gmx/ReleaseShim.sol": "contracts/replicas/gmx-v2.2b/ReleaseShim.sol"},
}
assert tuple(GROUPS) == ARTIFACT_GROUPS


def data_dir() -> Path:
    """``hedgefi/_data`` in the source tree."""
    return project_root() / "hedgefi" / "_data"


def compile_group(group: str) -> dict[str, Artifact]:
    """The deployable contracts (creation code not empty) of ``group``, freshly compiled."""
    folders, via_ir = GROUPS[group]
    compiled = compile_contracts(contract_files(*folders), via_ir=via_ir, substitute=SUBSTITUTES.get(group))
    return {name: a for name, a in sorted(compiled.items()) if len(a.bytecode) > 2}


def render_artifact(a: Artifact) -> str:
    return json.dumps(a.as_json(), indent=None, sort_keys=True, separators=(",", ":")) + "\n"


def write_artifacts() -> list[Path]:
    written: list[Path] = []
    for group in GROUPS:
        folder = data_dir() / "artifacts" / group
        folder.mkdir(parents=True, exist_ok=True)
        fresh = compile_group(group)
        for stale in folder.glob("*.json"):
            if stale.stem not in fresh:
                stale.unlink()
        for name, a in fresh.items():
            path = folder / f"{name}.json"
            path.write_text(render_artifact(a))
            written.append(path)
    return written


def main() -> None:
    from hedgefi.sim.abis import write_all

    for p in [*write_all(), *write_artifacts()]:
        print(p.relative_to(project_root()))


if __name__ == "__main__":
    main()
