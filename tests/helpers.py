"""Helpers the test files share: the real CLI in a fresh process (forked from a zygote with the third-party libraries imported: tests/cli_zygote.py), the private-key scan, and small chain reads
(the demo wallet's nonce, a USDC balance, an account's short on a venue, sending a venue's transactions)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
DEMO = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"          # anvil #0, the devnet's demo wallet
DEMO_KEY_HEX = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

# anvil's public dev keys the suite signs with, plus keys imported into keystores by the tests
KEYS_USED = (
    DEMO_KEY_HEX,                                                          # demo wallet (#0)
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",   # #1, imported via stdin and cast
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",   # #3, keystore 'alice'
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",   # #4, keystore 'bob'
)

CLI_OUTPUTS: list[str] = []   # every CLI output of this process, scanned for keys when the session ends


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
    """Run the CLI exactly as a user would: a fresh process with no terminal, here forked from the
    suite's zygote (``tests/cli_zygote.py``: the third-party libraries already imported) unless
    ``HEDGEFI_TEST_CLI=spawn`` asks for a new interpreter each time."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    if os.environ.get("HEDGEFI_TEST_CLI") == "spawn":
        proc = subprocess.run([sys.executable, "-m", "hedgefi.cli.app", *args], input=stdin, text=True,
                              capture_output=True, env=full_env, timeout=timeout, cwd=ROOT,
                              stdin=None if stdin is not None else subprocess.DEVNULL)
        result = CliResult(proc.returncode, proc.stdout, proc.stderr)
    else:
        result = _run_forked(list(args), full_env, stdin, timeout)
    CLI_OUTPUTS.append(result.output)
    assert DEMO_KEY_HEX not in result.output.lower(), "a private key appeared in CLI output"
    assert "Traceback" not in result.stderr, f"traceback in CLI output:\n{result.stderr}"
    return result


_ZYGOTE: list[Any] = []     # [the zygote process, its socket path], started on first use in this process


def _zygote_path() -> str:
    if not _ZYGOTE or _ZYGOTE[0].poll() is not None:
        import tempfile

        path = os.path.join(tempfile.mkdtemp(prefix="hedgefi-zygote-"), "socket")
        proc = subprocess.Popen([sys.executable, "-m", "tests.cli_zygote", path], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, cwd=ROOT)
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n", "the CLI zygote did not start"
        _ZYGOTE[:] = [proc, path]
    return str(_ZYGOTE[1])


def _run_forked(args: list[str], env: dict[str, str], stdin: str | None, timeout: float,
                module_code: str = "") -> CliResult:
    import json
    import signal
    import socket
    import tempfile

    with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr:
        if stdin is not None:
            fin.write(stdin.encode())
            fin.seek(0)
            in_fd = fin.fileno()
        else:
            in_fd = os.open(os.devnull, os.O_RDONLY)
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.connect(_zygote_path())
                socket.send_fds(conn, [json.dumps({"args": args, "env": env, "cwd": str(ROOT),
                                                          "exec": module_code}).encode()],
                                [in_fd, fout.fileno(), ferr.fileno()])
                conn.settimeout(timeout)
                reader = conn.makefile("r")
                pid = int(json.loads(reader.readline())["pid"])
                try:
                    line = reader.readline()
                except TimeoutError:
                    os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(["hedgefi", *args], timeout) from None
                code = int(json.loads(line)["code"])
        finally:
            if stdin is None:
                os.close(in_fd)
        fout.seek(0)
        ferr.seek(0)
        return CliResult(code, fout.read().decode(), ferr.read().decode())


def find_keys(outputs: Iterable[str], folder: Path, keys: Iterable[str] = KEYS_USED) -> list[str]:
    """Where any of ``keys`` (hex, no 0x) appears, in any case: ``output #i`` or a file path under ``folder``."""
    wanted = [k.lower() for k in keys]
    found = [f"output #{i}" for i, out in enumerate(outputs) if any(k in out.lower() for k in wanted)]
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes().lower()
            if any(k.encode() in data for k in wanted):
                found.append(str(path))
    return found


def nonce(rpc_url: str, address: str = DEMO) -> int:
    """The account's transaction count, read straight from the node."""
    from hedgefi.chain.local import rpc_request

    return int(rpc_request(rpc_url, "eth_getTransactionCount", [address, "latest"]), 16)


def usdc_raw(conn: Any, address: str) -> int:
    """The account's USDC balance in raw units (6 decimals)."""
    from hedgefi.wallet.holdings import fetch_holdings

    return next(a.balance_raw for a in fetch_holdings(conn, address).assets if a.symbol == "USDC")


def short_position(venue: Any, address: str, asset: str = "ETH") -> Any:
    """The account's short on ``asset`` at ``venue`` (a PositionView), or None."""
    positions, _ = venue.fetch_positions(address)
    return next((p for p in positions if p.asset == asset and p.side == "short"), None)


def send(conn: Any, venue: Any, ident: Any, txs: list[Any], wait_s: float = 30.0) -> Any:
    """Sign and broadcast ``txs`` with ``ident`` (no confirmation prompt) and follow their orders."""
    from hedgefi.execution import broadcast

    return broadcast(conn, venue, ident.signer(), txs, lambda prepared: True, wait_s=wait_s)
