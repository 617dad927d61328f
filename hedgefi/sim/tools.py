"""Locating the native chain tools: anvil and cast (run time), solcjs (development only).

anvil and cast are looked for, in order, at ``HEDGEFI_ANVIL`` / ``HEDGEFI_CAST``; in the checkout's
``node_modules`` when hedgefi runs from its source tree; then on ``PATH``. The npm wrapper scripts
(``node_modules/.bin/anvil``, or a global ``npm install -g``) spawn the native binary as a child, so
hedgefi follows them to the native binary it wraps and starts that itself: stopping it by pid (or
process group) then never orphans an anvil. A wrapper whose binary cannot be found is skipped.

solcjs (``HEDGEFI_SOLCJS`` or the checkout's ``node_modules/solc``) only compiles ``contracts/``; an
installed hedgefi never needs it.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from hedgefi.core.config import env, project_root, source_tree
from hedgefi.core.errors import ToolNotFoundError

_DEV_HINT = "run ./scripts/demo or `npm ci` in the hedgefi checkout to install it"


def checkout_node_modules() -> Path | None:
    """``node_modules`` of the source checkout hedgefi runs from; None for an installed package."""
    root = source_tree()
    if root is None or not (root / "node_modules").is_dir():
        return None
    return root / "node_modules"


def _platform_suffix() -> str:
    system = platform.system().lower()
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{system}-{arch}"


def install_hint(tool: str) -> str:
    """One line: how to get ``tool`` so that hedgefi finds it."""
    return (f"{tool} is not installed: `npm install -g @foundry-rs/{tool}` (or Foundry's foundryup) puts it "
            f"on PATH; or set HEDGEFI_{tool.upper()} to the binary")


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _is_node_script(path: Path) -> bool:
    if path.suffix in (".js", ".mjs", ".cjs"):
        return True
    try:
        with open(path, "rb") as f:
            first = f.readline(256)
    except OSError:
        return False
    return first.startswith(b"#!") and b"node" in first


def _wrapped_binary(wrapper: Path, tool: str) -> Path | None:
    """The native binary an npm ``@foundry-rs/<tool>`` wrapper script would spawn, if installed."""
    package = wrapper.resolve().parent                 # .../@foundry-rs/<tool>
    native = f"{tool}-{_platform_suffix()}"
    for candidate in (package / "node_modules" / "@foundry-rs" / native / "bin" / tool,   # nested (npm -g)
                      package.parent / native / "bin" / tool,                           # hoisted sibling
                      package.parent / "dist" / tool):
        if _is_executable(candidate) and not _is_node_script(candidate):
            return candidate
    return None


def _native(path: Path, tool: str) -> Path | None:
    """``path`` itself when it is a native binary, the binary it wraps when it is an npm wrapper."""
    if not _is_executable(path):
        return None
    if _is_node_script(path.resolve()):
        return _wrapped_binary(path, tool)
    return path


def _on_path(tool: str) -> Path | None:
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder:
            found = _native(Path(folder) / tool, tool)
            if found is not None:
                return found
    return None


def foundry_binary(tool: str) -> Path:
    """Path of the native ``anvil`` or ``cast`` binary; ToolNotFoundError (one line) when there is none."""
    variable = f"HEDGEFI_{tool.upper()}"
    explicit = env(variable)
    if explicit:
        path = Path(explicit).expanduser()
        found = _native(path, tool)
        if found is None:
            raise ToolNotFoundError(f"{variable} is {path}, which is not an executable {tool}")
        return found
    modules = checkout_node_modules()
    if modules is not None:
        found = _native(modules / "@foundry-rs" / f"{tool}-{_platform_suffix()}" / "bin" / tool, tool)
        if found is not None:
            return found
    found = _on_path(tool)
    if found is None:
        raise ToolNotFoundError(install_hint(tool))
    return found


def solcjs_package() -> Path:
    """Folder of the npm ``solc`` package (development only: compiling ``contracts/``)."""
    explicit = env("HEDGEFI_SOLCJS")
    path = Path(explicit) if explicit else project_root() / "node_modules" / "solc"
    if not (path / "package.json").is_file():
        raise ToolNotFoundError(f"solcjs is not installed ({path} is missing); {_DEV_HINT}")
    return path


def solc_wrapper() -> Path:
    """The executable that py-solc-x runs as ``solc``."""
    return Path(__file__).with_name("solc_wrapper.cjs")


__all__ = ["checkout_node_modules", "foundry_binary", "install_hint", "solcjs_package", "solc_wrapper"]
