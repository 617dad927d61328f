"""The suite's forked CLI runs (``tests/cli_zygote.py``) behave as a fresh interpreter does: same output,
exit code, stdin and environment, and a signal shows as a negative code as ``subprocess`` reports it."""

from __future__ import annotations

import os

import pytest

from tests import helpers


@pytest.mark.parametrize("args", [("--help",), ("short", "open", "ETH", "--size-usd", "-5"),
                                  ("short", "open", "NOPE", "--size-usd", "100", "--venue", "gmx")])
def test_forked_run_matches_a_fresh_interpreter(args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"COLUMNS": "100", "HEDGEFI_RPC_URL": "http://127.0.0.1:9"}
    forked = helpers.run_cli(*args, env=env)
    monkeypatch.setenv("HEDGEFI_TEST_CLI", "spawn")
    spawned = helpers.run_cli(*args, env=env)
    assert (forked.code, forked.stdout, forked.stderr) == (spawned.code, spawned.stdout, spawned.stderr)


def test_forked_run_takes_stdin_env_and_reports_a_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEDGEFI_TEST_CLI", raising=False)
    # the zygote's python runs hedgefi.cli.app; a module-level hook is the simplest probe of its process
    code = ("import os,sys; print(sys.stdin.read().upper(), os.environ['PROBE'], os.getcwd()); "
            "sys.stdout.flush(); os.kill(os.getpid(), 9)")
    r = helpers._run_forked(["-c"], {**os.environ, "PROBE": "p-1"}, "abc", 30, module_code=code)
    assert r.code == -9
    assert r.stdout.split() == ["ABC", "p-1", str(helpers.ROOT)]
