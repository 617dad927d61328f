"""Settings: where hedgefi keeps its files, and the ``HEDGEFI_*`` environment.

Folders (each overridable, so tests and several users stay apart):
  config  ``HEDGEFI_CONFIG_DIR``  or ``$XDG_CONFIG_HOME/hedgefi``  keystores
  data    ``HEDGEFI_DATA_DIR``    or ``$XDG_DATA_HOME/hedgefi``    devnet manifest, logs
  cache   ``HEDGEFI_CACHE_DIR``   or ``$XDG_CACHE_HOME/hedgefi``   compiled contracts
A ``.env`` file in the working directory fills ``HEDGEFI_*`` variables that are not set.
"""

from __future__ import annotations

import os
from pathlib import Path

from hedgefi.core.errors import ToolNotFoundError

_ENV_LOADED = False


def load_dotenv(path: Path | None = None) -> None:
    """Read ``HEDGEFI_*`` names from ``.env`` without overriding the real environment."""
    global _ENV_LOADED
    if _ENV_LOADED:
        return
    _ENV_LOADED = True
    path = path or Path.cwd() / ".env"
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        name, value = name.strip(), value.strip().strip("'\"")
        if name.startswith("HEDGEFI_") and value and name not in os.environ:
            os.environ[name] = value


def env(name: str) -> str | None:
    """A ``HEDGEFI_*`` setting, or None when unset or empty."""
    load_dotenv()
    value = os.environ.get(name)
    return value if value else None


def _xdg(var: str, default: str) -> Path:
    base = os.environ.get(var)
    return Path(base) if base else Path.home() / default


def config_dir() -> Path:
    return Path(env("HEDGEFI_CONFIG_DIR") or _xdg("XDG_CONFIG_HOME", ".config") / "hedgefi")


def data_dir() -> Path:
    return Path(env("HEDGEFI_DATA_DIR") or _xdg("XDG_DATA_HOME", ".local/share") / "hedgefi")


def cache_dir() -> Path:
    return Path(env("HEDGEFI_CACHE_DIR") or _xdg("XDG_CACHE_HOME", ".cache") / "hedgefi")


def source_tree() -> Path | None:
    """The source checkout hedgefi runs from, or None when it runs as an installed package.

    A checkout is the folder above the ``hedgefi`` package that holds ``pyproject.toml`` and
    ``contracts/`` (``HEDGEFI_ROOT`` names another one). An installed hedgefi reads everything it needs
    at run time from its package data, so only development steps look for this.
    """
    explicit = env("HEDGEFI_ROOT")
    root = Path(explicit).expanduser() if explicit else Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "contracts").is_dir():
        return root
    return None


def project_root() -> Path:
    """The source checkout, for development steps only (compiling ``contracts/``, regenerating
    ``hedgefi/_data``); an installed hedgefi has none and says so instead of guessing site-packages."""
    root = source_tree()
    if root is None:
        raise ToolNotFoundError("this needs the hedgefi source checkout (contracts/), but hedgefi runs as an "
                                "installed package; run it from a clone, or set HEDGEFI_ROOT to one")
    return root


__all__ = ["load_dotenv", "env", "config_dir", "data_dir", "cache_dir", "source_tree", "project_root"]
