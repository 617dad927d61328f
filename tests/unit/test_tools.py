"""Finding anvil: HEDGEFI_ANVIL, then a checkout's node_modules (only in a checkout), then PATH with npm
wrappers followed to the native binary; otherwise one line that says how to get it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedgefi.core.config import project_root, source_tree
from hedgefi.core.errors import ToolNotFoundError
from hedgefi.sim import tools

SUFFIX = tools._platform_suffix()


def _native(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho native\n")   # not a node script: stands for the native binary
    path.chmod(0o755)
    return path


def _wrapper(package: Path) -> Path:
    package.mkdir(parents=True, exist_ok=True)
    script = package / "bin.mjs"
    script.write_text("#!/usr/bin/env node\nimport './const.mjs'\n")
    script.chmod(0o755)
    return script


def _on_path(folder: Path, target: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "anvil").symlink_to(target)


@pytest.fixture
def no_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """hedgefi as an installed package: HEDGEFI_ROOT names a folder that is no checkout."""
    plain = tmp_path / "site-packages"
    plain.mkdir()
    monkeypatch.setenv("HEDGEFI_ROOT", str(plain))
    monkeypatch.delenv("HEDGEFI_ANVIL", raising=False)
    monkeypatch.setenv("PATH", "")
    return plain


def test_an_installed_package_has_no_source_tree_and_dev_steps_say_so(no_checkout: Path) -> None:
    _native(no_checkout / "node_modules" / "@foundry-rs" / f"anvil-{SUFFIX}" / "bin" / "anvil")
    assert source_tree() is None and tools.checkout_node_modules() is None
    with pytest.raises(ToolNotFoundError, match="source checkout"):
        project_root()
    with pytest.raises(ToolNotFoundError) as info:   # its node_modules is not looked in
        tools.foundry_binary("anvil")
    assert "\n" not in str(info.value) and "npm install -g @foundry-rs/anvil" in str(info.value)


def test_a_global_npm_wrapper_on_path_leads_to_the_native_binary(no_checkout: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "lib" / "node_modules" / "@foundry-rs" / "anvil"
    wrapper = _wrapper(package)
    native = _native(package / "node_modules" / "@foundry-rs" / f"anvil-{SUFFIX}" / "bin" / "anvil")
    _on_path(tmp_path / "bin", wrapper)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert tools.foundry_binary("anvil") == native


def test_a_wrapper_without_its_binary_is_skipped_for_the_next_path_entry(no_checkout: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    wrapper = _wrapper(tmp_path / "project" / "node_modules" / "@foundry-rs" / "anvil")
    _on_path(tmp_path / "project" / "node_modules" / ".bin", wrapper)
    later = _native(tmp_path / "opt" / "anvil")
    monkeypatch.setenv("PATH", f"{tmp_path / 'project' / 'node_modules' / '.bin'}:{tmp_path / 'opt'}")
    assert tools.foundry_binary("anvil") == later


def test_a_checkout_uses_its_node_modules_before_path_and_the_variable_beats_both(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = tmp_path / "hedgefi"
    (checkout / "contracts").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'hedgefi'\n")
    bundled = _native(checkout / "node_modules" / "@foundry-rs" / f"anvil-{SUFFIX}" / "bin" / "anvil")
    elsewhere = _native(tmp_path / "bin" / "anvil")
    explicit = _native(tmp_path / "mine" / "anvil")
    monkeypatch.setenv("HEDGEFI_ROOT", str(checkout))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("HEDGEFI_ANVIL", raising=False)
    assert source_tree() == checkout and tools.foundry_binary("anvil") == bundled
    monkeypatch.setenv("HEDGEFI_ANVIL", str(explicit))
    assert tools.foundry_binary("anvil") == explicit
    monkeypatch.setenv("HEDGEFI_ANVIL", str(tmp_path / "missing"))
    with pytest.raises(ToolNotFoundError, match="HEDGEFI_ANVIL"):
        tools.foundry_binary("anvil")
    monkeypatch.delenv("HEDGEFI_ANVIL")
    (checkout / "contracts").rmdir()                 # no longer a checkout: PATH is next
    assert tools.foundry_binary("anvil") == elsewhere
