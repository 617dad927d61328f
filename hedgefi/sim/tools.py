"""Locating the native chain tools that npm installs: anvil, cast and solcjs.

The npm wrappers in ``node_modules/.bin`` spawn the native binary as a child; hedgefi starts the
native binary itself so that stopping it by pid (or process group) never orphans an anvil.
Override with ``HEDGEFI_ANVIL`` / ``HEDGEFI_CAST`` / ``HEDGEFI_SOLCJS``.
"""

from __future__ import annotations

import platform
import shutil
from pathlib import Path

from hedgefi.core.config import env, project_root
from hedgefi.core.errors import ToolNotFoundError

_INSTALL_HINT = "run ./scripts/demo or `npm ci` in the hedgefi folder to install it"


def node_modules() -> Path:
    return project_root() / "node_modules"


def _platform_suffix() -> str:
    system = platform.system().lower()
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{system}-{arch}"


def foundry_binary(tool: str) -> Path:
    """Path of the native ``anvil`` or ``cast`` binary."""
    explicit = env(f"HEDGEFI_{tool.upper()}")
    if explicit:
        return Path(explicit)
    candidate = node_modules() / "@foundry-rs" / f"{tool}-{_platform_suffix()}" / "bin" / tool
    if candidate.is_file():
        return candidate
    on_path = shutil.which(tool)
    if on_path and "node_modules/.bin" not in on_path:
        return Path(on_path)
    raise ToolNotFoundError(f"{tool} is not installed ({candidate} is missing); {_INSTALL_HINT}")


def solcjs_package() -> Path:
    """Folder of the npm ``solc`` package."""
    explicit = env("HEDGEFI_SOLCJS")
    path = Path(explicit) if explicit else node_modules() / "solc"
    if not (path / "package.json").is_file():
        raise ToolNotFoundError(f"solcjs is not installed ({path} is missing); {_INSTALL_HINT}")
    return path


def solc_wrapper() -> Path:
    """The executable that py-solc-x runs as ``solc``."""
    return Path(__file__).with_name("solc_wrapper.cjs")


__all__ = ["node_modules", "foundry_binary", "solcjs_package", "solc_wrapper"]
