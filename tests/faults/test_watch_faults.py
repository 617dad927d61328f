"""`watch` keeps running through transient RPC errors: it shows the error and retries next tick."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from hedgefi.testing.rpc_proxy import CountingProxy
from tests.helpers import ROOT


def test_watch_survives_an_unreachable_rpc_and_recovers(devnet) -> None:  # type: ignore[no-untyped-def]
    with CountingProxy(devnet.rpc_url) as proxy:
        proxy.faults = ["500"] * 12        # more than one request's retries: at least one whole tick fails
        proc = subprocess.Popen([sys.executable, "-m", "hedgefi.cli.app", "--rpc", proxy.url, "watch", "--json",
                                 "--interval", "0.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ), cwd=ROOT)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()          # blocks until a tick succeeds (or the process exits)
            assert proc.poll() is None, "watch exited on a transient RPC error"
            snap = json.loads(line)
            assert snap["address"] and "alerts" in snap
            assert proxy.faults == []              # the faults were met, and outlived
        finally:
            proc.terminate()
            try:
                _, err = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
    assert "cannot reach the RPC" in err and "retrying in 0.5 s" in err
    assert "Traceback" not in err


def test_watch_once_still_fails_on_an_rpc_error(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    with CountingProxy(devnet.rpc_url) as proxy:
        proxy.faults = ["500"] * 50
        started = time.monotonic()
        r = cli("--rpc", proxy.url, "watch", "--once")
    assert r.code == 1 and "cannot reach the RPC" in r.stderr, (r.code, r.stderr[-400:], time.monotonic() - started)
