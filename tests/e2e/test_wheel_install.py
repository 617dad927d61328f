"""The built wheel works on its own: installed into a fresh venv outside the checkout, run from an
empty folder with anvil on PATH, the devnet and a dry-run short work; with no anvil anywhere,
``devnet up`` says in one line how to get it.

The slow packaging test (a wheel build, a venv, a devnet): ``-m packaging`` runs only it,
``-m "not packaging"`` leaves it out. The fresh venv gets its dependencies from this interpreter's
site-packages through a plain path line in a ``.pth`` file (no download; a path line does not run
the editable-install hook there, so the wheel's hedgefi is the one imported), and ``solcx`` is
shadowed by a module that refuses to import: nothing at run time may need the compiler.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from hedgefi.sim.anvil import free_port
from hedgefi.sim.tools import foundry_binary

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Installed:
    venv: Path
    home: Path

    @property
    def hedgefi(self) -> str:
        return str(self.venv / "bin" / "hedgefi")

    def env(self, path_dirs: list[Path]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("HEDGEFI_") and k not in ("PYTHONPATH", "VIRTUAL_ENV", "COLUMNS")}
        folders = [str(d) for d in path_dirs] + [str(self.venv / "bin")]
        # the system folders, minus any that holds an anvil or cast of its own
        folders += [d for d in ("/usr/local/bin", "/usr/bin", "/bin")
                    if not any((Path(d) / t).exists() for t in ("anvil", "cast"))]
        env.update(PATH=os.pathsep.join(folders), HOME=str(self.home),
                   HEDGEFI_DATA_DIR=str(self.home / "data"), HEDGEFI_CONFIG_DIR=str(self.home / "config"),
                   HEDGEFI_CACHE_DIR=str(self.home / "cache"))
        return env


def _run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    if env is None:   # the build and install steps: no PYTHONPATH (pip would take a checkout on it as installed)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, cwd=cwd,
                          env=env)


def _build_and_install(base: Path) -> Path:
    """Build the wheel from a copy of the source and install it into a fresh venv under ``base``."""
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "hedgefi", src / "hedgefi", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(base / "dist"), str(src)])
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (base / "dist").glob("hedgefi-*.whl")

    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                   .stdout.strip())
    shared = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert shared != purelib.resolve()
    (purelib / "_hedgefi_test_deps.pth").write_text(f"{shared}\n")
    (purelib / "solcx.py").write_text('raise ImportError("an installed hedgefi must not need solc")\n')
    done = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                 str(wheel)])
    assert done.returncode == 0, done.stdout + done.stderr
    for built_tree in (src, base / "dist"):
        shutil.rmtree(built_tree, ignore_errors=True)
    return venv


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Installed]:
    """One wheel build and venv per test run: under pytest-xdist the workers share it (the first to take
    the lock builds it in the run's common temp folder), each with a home folder of its own."""
    own = tmp_path_factory.getbasetemp()
    assert ROOT not in own.parents
    home = tmp_path_factory.mktemp("wheel-home")
    if worker_id == "master":
        base = tmp_path_factory.mktemp("wheel")
        venv = _build_and_install(base)
        yield Installed(venv=venv, home=home)
        # the package's own copy (its source ships anvil's public dev keys on purpose) goes; what the
        # installed hedgefi wrote under home stays for the session's key scan
        shutil.rmtree(venv, ignore_errors=True)
        return
    common = own.parent / "wheel-shared"        # beside the workers' folders, outside their key scans
    common.mkdir(exist_ok=True)
    with open(common / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (common / "done").exists():
            for stale in ("src", "dist", "venv"):
                shutil.rmtree(common / stale, ignore_errors=True)
            _build_and_install(common)
            (common / "done").write_text("")
    yield Installed(venv=common / "venv", home=home)


def test_the_wheel_ships_its_data_and_is_the_hedgefi_imported(installed: Installed, tmp_path: Path) -> None:
    probe = ("import hedgefi, json; from hedgefi.core import config, resources; "
             "print(json.dumps([hedgefi.__file__, str(config.source_tree()), "
             "len(resources.artifact('gmx', 'MockOracleProvider').runtime), "
             "len(resources.artifact('gmx-v2.2b', 'MockOracleProvider').runtime), "
             "len(resources.abi('gmx/v2.2b', 'Reader')), "
             "sorted(resources.artifacts('devnet')), len(resources.abi('gmx', 'Reader'))]))")
    out = _run([str(installed.venv / "bin" / "python"), "-c", probe], cwd=tmp_path, env=installed.env([]))
    assert out.returncode == 0, out.stderr
    location, source_tree, mock_runtime, mock_v22b, reader_v22b, devnet, reader_items = json.loads(out.stdout)
    assert Path(location).is_relative_to(installed.venv), location
    assert source_tree == "None"         # site-packages is not taken for a source checkout
    assert mock_runtime > 2 and reader_items > 0
    assert mock_v22b > 2 and reader_v22b > 0            # both GMX releases' layouts ship
    assert devnet == ["DevPriceFeed", "DevToken", "FeedRoundsLens", "Multicall3", "WETH9"]


def test_installed_hedgefi_runs_the_devnet_and_a_dry_run_short(installed: Installed, tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "anvil").symlink_to(foundry_binary("anvil"))   # the native binary, as a user's PATH has it
    cwd = tmp_path / "empty"
    cwd.mkdir()
    env = installed.env([tools])

    def hedgefi(*args: str) -> subprocess.CompletedProcess[str]:
        return _run([installed.hedgefi, *args], cwd=cwd, env=env)

    up = hedgefi("devnet", "up", "--port", str(free_port()))
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        holdings = hedgefi("holdings", "--json")
        assert holdings.returncode == 0, holdings.stderr
        assert {a["symbol"] for a in json.loads(holdings.stdout)["assets"]} >= {"ETH", "WETH", "USDC"}
        markets = hedgefi("markets", "--json")
        assert markets.returncode == 0, markets.stderr
        venues = {(m["venue"], m["asset"]) for m in json.loads(markets.stdout)["markets"]}
        assert ("gmx", "ETH") in venues and any(v == "gtrade" for v, _ in venues)
        short = hedgefi("short", "open", "ETH", "--size-usd", "1000", "--venue", "gmx")
        assert short.returncode == 0, short.stdout + short.stderr
        assert "Dry-run" in short.stdout and "executed" in short.stdout
    finally:
        down = hedgefi("devnet", "down")
    assert down.returncode == 0 and "Devnet stopped" in down.stdout, down.stdout + down.stderr
    assert os.listdir(cwd) == []          # nothing written to the working folder


def test_with_no_anvil_anywhere_devnet_up_says_how_to_get_it(installed: Installed, tmp_path: Path) -> None:
    up = _run([installed.hedgefi, "devnet", "up", "--port", str(free_port())], cwd=tmp_path,
              env=installed.env([]))
    lines = (up.stdout + up.stderr).strip().splitlines()
    assert up.returncode != 0
    assert len(lines) == 1, lines
    assert "npm install -g @foundry-rs/anvil" in lines[0] and "PATH" in lines[0]
    assert not (installed.home / "data" / "devnet" / "manifest.json").exists()
