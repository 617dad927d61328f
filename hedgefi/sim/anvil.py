"""Running anvil: a local node, or a fork of another chain, started and stopped cleanly.

``AnvilNode.start(...)`` launches the *native* anvil binary in its own process group on a free
loopback port and waits until it answers JSON-RPC. ``stop()`` ends that group. Unless it is
``detach``-ed (the devnet's anvil outlives the CLI on purpose), the node also dies with the process
that started it, however that process ends, ``kill -9`` included: on Linux anvil is started with
``PR_SET_PDEATHSIG`` = SIGKILL. The kernel ties that signal to the *thread* that forked, so a
non-detached node must be started from a thread that outlives it (the main thread, or the thread
that runs the ``with`` block using it, as every caller here does).

``fork(urls, block=None)`` is the fork manager: anvil never talks to the user's RPC. It forks a
``sim.upstream.ForkUpstream`` on 127.0.0.1 that forwards through one ``RpcTransport`` built from
the user's URLs (retries, failover, chain id pinned), so no URL or key is on anvil's command line;
it also checks that the fork serves the upstream's chain id. Used by the devnet, tests and dry-runs.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from hedgefi.chain.local import rpc_request, wait_receipt
from hedgefi.chain.transport import RpcTransport, result_of
from hedgefi.core.config import data_dir
from hedgefi.sim.upstream import ForkUpstream
from hedgefi.sim.tools import foundry_binary
from hedgefi.core.errors import ChainIdMismatchError, DevnetError, RpcError, RpcUnreachableError

ANVIL_CHAIN_ID = 31337
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class AnvilNode:
    """One anvil process that this object started (and only that one is ever stopped)."""

    port: int
    pid: int
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    upstream: ForkUpstream | None = field(default=None, repr=False)  # a fork's loopback upstream

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, *, port: int | None = None, block_time: float | None = None,
              fork_url: str | None = None, fork_block: int | None = None,
              chain_id: int | None = None, log_path: Path | None = None,
              detach: bool = False, timeout: float = 20.0) -> "AnvilNode":
        """Start anvil; ``fork_url`` must be a loopback URL hedgefi serves (see ``fork``), since a
        command line is visible to every user of the machine."""
        port = port or free_port()
        if _port_busy(port):
            raise DevnetError(f"port {port} on 127.0.0.1 is already in use; choose another with --port")
        cmd = [str(foundry_binary("anvil")), "--host", "127.0.0.1", "--port", str(port), "--silent",
               "--disable-code-size-limit"]  # the GMX replica OrderHandler is larger than 24 KiB
        if block_time:
            cmd += ["--block-time", str(block_time)]
        if fork_url:
            # no storage caching: anvil's disk cache is keyed by chain id and block number, which a devnet
            # (reverted, or another instance) reuses with different state; a fork must read what is there now
            cmd += ["--fork-url", fork_url, "--no-rate-limit", "--no-storage-caching"]
            if fork_block is not None:
                cmd += ["--fork-block-number", str(fork_block)]
        if chain_id is not None:
            cmd += ["--chain-id", str(chain_id)]
        out = open(log_path, "ab") if log_path else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    start_new_session=True, close_fds=True,
                                    preexec_fn=None if detach else _die_with_parent())
        finally:
            if log_path:
                out.close()  # type: ignore[union-attr]
        node = cls(port=port, pid=proc.pid, log_path=log_path, process=None if detach else proc)
        node._wait_ready(proc, timeout)
        return node

    def _wait_ready(self, proc: subprocess.Popen[bytes], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise DevnetError(f"anvil exited with code {proc.returncode} before answering"
                                  + (f"; see {self.log_path}" if self.log_path else ""))
            try:
                rpc_request(self.rpc_url, "eth_chainId", timeout=1.0)
                return
            except (RpcUnreachableError, RpcError):
                time.sleep(0.05)
        self.stop()
        raise DevnetError(f"anvil did not answer on port {self.port} within {timeout:.0f} s")

    def chain_id(self) -> int:
        return int(rpc_request(self.rpc_url, "eth_chainId"), 16)

    def alive(self) -> bool:
        return pid_is_anvil(self.pid)

    def stop(self, timeout: float = 5.0) -> None:
        stop_anvil(self.pid, timeout=timeout)
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None

    def __enter__(self) -> "AnvilNode":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _prefetching() -> bool:
    from hedgefi.core.config import env

    return (env("HEDGEFI_FORK_PREFETCH") or "1") != "0"


def fork(upstream: str | Sequence[str], *, block: int | None = None, expected_chain_id: int | None = None,
         timeout: float = 20.0) -> AnvilNode:
    """Start an anvil fork of the chain at ``upstream`` (one URL or several to fail over across),
    served through a loopback ``ForkUpstream``, and verify it serves the upstream's chain id."""
    urls = [upstream] if isinstance(upstream, str) else list(upstream)
    transport = RpcTransport(urls, expected_chain_id=expected_chain_id, profile_name="fork upstream")
    try:
        upstream_id = int(transport.call("eth_chainId"), 16)  # a mismatch raises ChainIdMismatchError
    except BaseException:
        transport.close()
        raise
    transport.expected_chain_id = upstream_id  # pinned: a failover URL must serve the same chain
    transport.mark_verified()
    server = ForkUpstream(transport)
    # the accounts and slots earlier forks of this chain read, fetched in bulk at the fork block while anvil
    # starts (sim.upstream: learned prefetch); HEDGEFI_FORK_PREFETCH=0 turns it off
    known = server.learn(data_dir() / "fork-prefetch" / f"{upstream_id}.json") if _prefetching() else []
    prefetcher: threading.Thread | None = None
    if known:
        try:
            if block is None:
                block = int(transport.call("eth_blockNumber"), 16)
        except BaseException:
            server.close()
            raise
        prefetcher = threading.Thread(target=server.prefetch, args=(known, hex(block)), name="hedgefi-prefetch",
                                      daemon=True)
        prefetcher.start()
    try:
        node = AnvilNode.start(fork_url=server.url, fork_block=block, chain_id=upstream_id, timeout=timeout)
    except BaseException:
        server.close()
        raise
    node.upstream = server
    try:
        if prefetcher is not None:
            prefetcher.join()
        got = node.chain_id()
        if got != upstream_id:
            raise ChainIdMismatchError(upstream_id, got, "fork")
        # anvil credits its dev accounts with 10,000 ETH on a fork; give them back their real balances (one batch)
        fork_block = rpc_request(node.rpc_url, "eth_blockNumber")
        accounts = rpc_request(node.rpc_url, "eth_accounts") or []
        if accounts:
            for account, real in zip(accounts, transport.batch([("eth_getBalance", [a, fork_block]) for a in accounts])):
                rpc_request(node.rpc_url, "anvil_setBalance", [account, result_of(real, "eth_getBalance", "fork upstream")])
    except BaseException:
        node.stop()
        raise
    return node


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGKILL when this process (the forking thread,
    strictly) dies; None where ``prctl`` is not available. libc is resolved here, before the fork,
    so the child only makes the call; it exits at once if the parent is already gone."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    sigkill = int(signal.SIGKILL)

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, sigkill)
        if os.getppid() != parent:  # the parent died between fork and prctl
            os._exit(1)

    return preexec


def _port_busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def pid_is_anvil(pid: int) -> bool:
    """True when ``pid`` is a live anvil process (guards against a recycled pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    if ") Z " in stat:  # zombie: exited, not yet reaped
        return False
    return bool(cmdline) and Path(cmdline[0].decode(errors="replace")).name == "anvil"


def stop_anvil(pid: int, timeout: float = 5.0) -> bool:
    """Stop the anvil with this pid and its process group; False when it was not running."""
    if not pid_is_anvil(pid):
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pid_is_anvil(pid):
                return True
            time.sleep(0.05)
    return not pid_is_anvil(pid)


__all__ = ["ANVIL_CHAIN_ID", "AnvilNode", "fork", "free_port", "rpc_request", "wait_receipt", "pid_is_anvil", "stop_anvil"]
