"""Shared fixtures: isolated hedgefi folders, one devnet per session, snapshot/revert per test,
and a helper that runs the real ``hedgefi`` CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_KEY_HEX = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
CLI_OUTPUTS: list[str] = []   # every CLI output of the session, scanned for keys by the last test


@pytest.fixture(scope="session", autouse=True)
def hedgefi_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session gets its own config and data folders (the compile cache is shared)."""
    home = tmp_path_factory.mktemp("hedgefi-home")
    saved = {k: os.environ.get(k) for k in ("HEDGEFI_CONFIG_DIR", "HEDGEFI_DATA_DIR", "HEDGEFI_CHAIN",
                                             "HEDGEFI_RPC_URL", "HEDGEFI_ACCOUNT", "HEDGEFI_PRIVATE_KEY",
                                             "HEDGEFI_PASSWORD_FILE", "HEDGEFI_TOKENS")}
    for k in saved:
        os.environ.pop(k, None)
    os.environ["HEDGEFI_CONFIG_DIR"] = str(home / "config")
    os.environ["HEDGEFI_DATA_DIR"] = str(home / "data")
    yield home
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def devnet_session(hedgefi_home: Path):  # type: ignore[no-untyped-def]
    from hedgefi.testing.devnet import DevnetSession

    session = DevnetSession.start()
    yield session
    session.stop()


@pytest.fixture
def devnet(devnet_session, tmp_path):  # type: ignore[no-untyped-def]
    """The session devnet, reverted to its snapshot after the test, with a journal of the test's own."""
    os.environ["HEDGEFI_JOURNAL"] = str(tmp_path / "journal.sqlite")
    try:
        with devnet_session.isolated():
            yield devnet_session
    finally:
        os.environ.pop("HEDGEFI_JOURNAL", None)


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            timeout: float = 120) -> CliResult:
    """Run the installed CLI exactly as a user would (a fresh process, no terminal)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "hedgefi.cli.app", *args], input=stdin, text=True,
                          capture_output=True, env=full_env, timeout=timeout, cwd=ROOT)
    result = CliResult(proc.returncode, proc.stdout, proc.stderr)
    CLI_OUTPUTS.append(result.output)
    assert DEMO_KEY_HEX not in result.output.lower(), "a private key appeared in CLI output"
    assert "Traceback" not in result.stderr, f"traceback in CLI output:\n{result.stderr}"
    return result


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    return run_cli
