"""A fork dry-run's processes: no RPC URL of the user's on any command line, and no anvil left behind
when the run is killed with SIGKILL. The run's fork anvil is told apart from other anvils (other
pytest-xdist workers, the devnet) by being a child of the run's process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hedgefi.sim.anvil import pid_is_anvil
from hedgefi.testing.rpc_proxy import CountingProxy
from tests.helpers import ROOT

SECRET = "sk_fork_0123456789abcdef"


@pytest.fixture
def slow_proxy(devnet):  # type: ignore[no-untyped-def]
    """The devnet behind a proxy that takes 30 ms a request, so a dry-run's fork lives long enough to look at."""
    with CountingProxy(devnet.rpc_url, delay_s=0.03) as p:
        yield p


def _start_dry_run(rpc_url: str) -> subprocess.Popen[str]:
    # the environment, not argv: ps shows argv; the fork backend forced (a GMX dry-run is a simulation where the
    # RPC serves eth_simulateV1, and these tests look at the fork's anvil)
    env = dict(os.environ, HEDGEFI_RPC_URL=rpc_url, HEDGEFI_DRY_RUN="fork")
    return subprocess.Popen([sys.executable, "-m", "hedgefi.cli.app", "short", "open", "ETH", "--size-usd", "3000"],
                            env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # state, ppid, ..., starttime at index 19


def _children_anvils(ppid: int) -> list[tuple[int, str]]:
    """(pid, start time) of the live anvils whose parent is ``ppid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and int(stat[1]) == ppid and pid_is_anvil(int(entry.name)):
                out.append((int(entry.name), stat[19]))
    return out


def _wait_fork_anvil(run: subprocess.Popen[str], timeout_s: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and run.poll() is None:
        found = _children_anvils(run.pid)
        if found:
            return found[0]
        time.sleep(0.01)
    run.kill()
    out, err = run.communicate()
    raise AssertionError(f"no fork anvil seen under the dry-run (exit {run.returncode}): {err[-500:]}")


def _cmdlines() -> dict[int, str]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = Path(entry, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                pass
    return out


def test_no_rpc_url_on_any_command_line_during_a_fork_dry_run(devnet, slow_proxy) -> None:  # type: ignore[no-untyped-def]
    proxy_port = slow_proxy.url.rsplit(":", 1)[1]
    run = _start_dry_run(f"{slow_proxy.url}/?key={SECRET}")
    try:
        anvil_pid, _ = _wait_fork_anvil(run)
        lines = _cmdlines()
        assert "--fork-url http://127.0.0.1:" in lines[anvil_pid]          # the fork is seen, forking loopback
        assert f"127.0.0.1:{proxy_port}" not in lines[anvil_pid]
        leaks = {pid: line for pid, line in lines.items() if SECRET in line or f":{proxy_port}" in line}
        assert leaks == {}
    finally:
        out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err[-800:]
    assert SECRET not in out + err
    assert slow_proxy.counts["eth_getStorageAt"] + slow_proxy.counts["eth_getCode"] > 0  # anvil went through it
    assert not pid_is_anvil(anvil_pid)


def test_sigkill_of_a_dry_run_leaves_no_anvil(devnet, slow_proxy) -> None:  # type: ignore[no-untyped-def]
    run = _start_dry_run(slow_proxy.url)
    anvil_pid, started = _wait_fork_anvil(run)
    os.kill(run.pid, signal.SIGKILL)
    run.communicate(timeout=30)
    assert run.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        stat = _stat(anvil_pid)
        if stat is None or stat[19] != started or stat[0] == "Z":
            break
        time.sleep(0.05)
    stat = _stat(anvil_pid)
    assert stat is None or stat[19] != started or stat[0] == "Z", f"the fork anvil {anvil_pid} outlived its run"
