"""A pre-imported Python that forks one fresh process per CLI run, for the suite's ``run_cli``.

Each CLI run in a new interpreter pays about a second of CPU importing eth-account, eth-abi, pydantic and
httpx before hedgefi does anything; the suite runs the CLI hundreds of times on two cores. This zygote
imports those third-party libraries once (never hedgefi, typer or rich, which read the environment and
the terminal at import), then serves runs on a Unix socket: per connection a monitor process forks the
CLI process, which takes the caller's stdin/stdout/stderr (passed as file descriptors), environment,
working directory and arguments, and runs ``python -m hedgefi.cli.app`` as a fresh interpreter would.
The monitor reports the exit status (a negative number for a signal, as ``subprocess`` does).

Protocol, per connection: the client sends one JSON line ``{"args", "env", "cwd"}`` (or ``"exec"``: code to run instead, for the zygote's own test) with three file
descriptors (stdin, stdout, stderr); the zygote answers ``{"pid": n}`` then ``{"code": n}``.
``HEDGEFI_TEST_CLI=spawn`` makes ``tests.helpers.run_cli`` start a new interpreter instead.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from typing import Any

PRELOAD = ("eth_account", "eth_abi", "eth_utils", "eth_keys", "eth_hash.auto", "httpx", "pydantic",
           "decimal", "json", "hashlib", "ssl", "sqlite3", "http.server")


def _reap(*_: object) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _run_cli(request: dict[str, Any], fds: list[int]) -> None:
    """In the CLI process: become ``python -m hedgefi.cli.app ARGS`` with the caller's files and env."""
    import runpy

    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["hedgefi", *request["args"]]
    code = 0
    try:
        if request.get("exec"):       # the zygote's own test: run this code instead of the CLI
            exec(compile(request["exec"], "<zygote-test>", "exec"), {"__name__": "__main__"})
        else:
            runpy.run_module("hedgefi.cli.app", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
    os._exit(code)


def _monitor(conn: socket.socket) -> None:
    """In the monitor process: fork the CLI process, say its pid, wait for it, say how it ended."""
    message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    request = json.loads(message)
    pid = os.fork()
    if pid == 0:
        conn.close()
        _run_cli(request, fds)
    for fd in fds:
        os.close(fd)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    try:
        conn.sendall(json.dumps({"code": code}).encode() + b"\n")
    except OSError:
        pass
    os._exit(0)


def serve(path: str) -> None:
    for name in PRELOAD:
        __import__(name)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    signal.signal(signal.SIGCHLD, _reap)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ)
    sel.register(sys.stdin, selectors.EVENT_READ)     # EOF: the test process is gone, so is the zygote
    while True:
        ready = [key.fileobj for key, _ in sel.select()]
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1 << 16):
            server.close()
            os.unlink(path)
            return
        if server not in ready:
            continue
        conn, _ = server.accept()
        pid = os.fork()
        if pid == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _monitor(conn)
        conn.close()


if __name__ == "__main__":
    serve(sys.argv[1])
