"""Compiling the project's Solidity through py-solc-x and solcjs, with a cache by source hash.

``compile_contracts(files)`` returns ``{ContractName: Artifact(abi, bytecode, runtime)}``. The key of
the cache is the SHA-256 of the compiler version, the settings and every source's path and text, so
an edit anywhere recompiles and an unchanged tree compiles once per machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Iterable

from hedgefi.core.config import cache_dir, project_root
from hedgefi.core.resources import Artifact
from hedgefi.sim.tools import solc_wrapper, solcjs_package
from hedgefi.core.errors import CompileError

SOLC_VERSION = "0.8.37"  # pinned in package.json; checked against the installed solcjs


def _installed_version() -> str:
    package = json.loads((solcjs_package() / "package.json").read_text())
    return str(package["version"])


def _standard_input(sources: dict[str, str], via_ir: bool) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {path: {"content": text} for path, text in sorted(sources.items())},
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "viaIR": via_ir,
            "evmVersion": "cancun",
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }


def _read_sources(files: Iterable[Path], root: Path) -> dict[str, str]:
    sources: dict[str, str] = {}
    for f in files:
        f = f.resolve()
        try:
            key = str(f.relative_to(root))
        except ValueError:
            key = str(f)
        sources[key] = f.read_text()
    return sources


def _format_errors(errors: list[dict[str, Any]]) -> str:
    lines = []
    for e in errors:
        if e.get("severity") != "error":
            continue
        loc = e.get("sourceLocation") or {}
        where = loc.get("file", "?")
        msg = e.get("message", "").strip()
        text = e.get("formattedMessage", "")
        m = re.search(r"--> ([^:]+):(\d+):(\d+)", text)
        if m:
            where = f"{m.group(1)}:{m.group(2)}:{m.group(3)}"
        lines.append(f"{where}: {e.get('type', 'Error')}: {msg}")
    return "; ".join(lines) or "unknown compiler error"


def compile_contracts(files: Iterable[Path], *, via_ir: bool = False,
                      substitute: dict[str, str] | None = None) -> dict[str, Artifact]:
    """Compile ``files`` (and nothing else: imports must be among them) into artifacts. ``substitute``
    maps a source (path under the project root, e.g. ``contracts/interfaces/gmx/GmxTypes.sol``) to another
    file whose text is compiled under the first one's name: one replica source, built in two layouts."""
    root = project_root()
    sources = _read_sources(files, root)
    for name, other in (substitute or {}).items():
        if name not in sources:
            raise CompileError(f"{name} is not among the sources to substitute")
        sources[name] = (root / other).read_text()
    version = _installed_version()
    if version != SOLC_VERSION:
        raise CompileError(f"solcjs {version} is installed but hedgefi pins {SOLC_VERSION}; run npm ci")
    std_input = _standard_input(sources, via_ir)
    key = hashlib.sha256(json.dumps([version, std_input], sort_keys=True).encode()).hexdigest()
    cache_file = cache_dir() / "solc" / f"{key}.json"
    if cache_file.is_file():
        output = json.loads(cache_file.read_text())
    else:
        output = _run_solc(std_input)
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(output))
        tmp.replace(cache_file)
    artifacts: dict[str, Artifact] = {}
    for source, contracts in output.get("contracts", {}).items():
        for name, c in contracts.items():
            artifacts[name] = Artifact(
                name=name, source=source, abi=c["abi"],
                bytecode="0x" + c["evm"]["bytecode"]["object"],
                runtime="0x" + c["evm"]["deployedBytecode"]["object"],
            )
    return artifacts


def _run_solc(std_input: dict[str, Any]) -> dict[str, Any]:
    import solcx
    from solcx.exceptions import SolcError

    os.environ["HEDGEFI_SOLCJS"] = str(solcjs_package())
    try:
        output: dict[str, Any] = solcx.compile_standard(std_input, solc_binary=solc_wrapper())
    except SolcError as exc:
        errors = getattr(exc, "error_dict", None) or []
        raise CompileError(f"Solidity compile failed: {_format_errors(errors) if errors else exc}") from exc
    return output


def contract_files(*folders: str) -> list[Path]:
    """Every ``.sol`` file under ``contracts/<folder>`` for the given folders, sorted."""
    root = project_root() / "contracts"
    files: list[Path] = []
    for folder in folders:
        files.extend(sorted((root / folder).rglob("*.sol")))
    return files


__all__ = ["SOLC_VERSION", "Artifact", "compile_contracts", "contract_files"]
