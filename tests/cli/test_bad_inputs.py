"""Bad input through the real CLI: each gives one clear line, a non-zero exit, no traceback, and no
transaction (the demo wallet's nonce does not move)."""

from __future__ import annotations

import os
import stat

import pytest

from tests.helpers import nonce

BAD_SUM = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def keystore_home(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A config folder with one keystore 'alice' (anvil's public dev key #3) and password files."""
    home = tmp_path_factory.mktemp("ks")
    saved = os.environ.get("HEDGEFI_CONFIG_DIR")
    os.environ["HEDGEFI_CONFIG_DIR"] = str(home)
    try:
        from hedgefi.wallet import keystore

        keystore.import_private_key("alice", "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
                                    PASSWORD)
        keystore.import_private_key("bob", "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
                                    PASSWORD)
        (home / "keystores" / "bob.json").chmod(0o644)
    finally:
        if saved is None:
            os.environ.pop("HEDGEFI_CONFIG_DIR")
        else:
            os.environ["HEDGEFI_CONFIG_DIR"] = saved
    for name, text in (("good-pw", PASSWORD), ("wrong-pw", "not the password")):
        (home / name).write_text(text + "\n")
        (home / name).chmod(0o600)
    (home / "open-pw").write_text(PASSWORD)
    (home / "open-pw").chmod(0o644)
    plans = {"bad-ratio.toml": "default_ratio = 7", "bad-key.toml": "ratio_default = 0.5",
             "bad-toml.toml": "default_ratio = = 1", "bad-venue.toml": "[assets.ETH]\nratio = 0.5\nvenue = 'dydx'",
             "bad-lev.toml": "[assets.ETH]\nratio = 0.5\nmax_leverage = 0.5", "empty.toml": ""}
    for name, text in plans.items():
        (home / name).write_text(text)
    return home


SHORT = ["short", "open", "ETH"]
CASES = [
    # addresses
    (["holdings", "--address", BAD_SUM], "checksum"),
    (["holdings", "--address", "0xabc"], "20-byte hex address"),
    (["holdings", "--address", "not-an-address"], "20-byte hex address"),
    (["holdings", "--token", BAD_SUM], "checksum"),
    (["holdings", "--token", "0x000000000000000000000000000000000000dEaD"], "no contract code"),
    (["devnet", "fund", BAD_SUM], "checksum"),
    (["devnet", "liquidate", "--address", BAD_SUM], "checksum"),
    # sizes and amounts
    ([*SHORT, "--size-usd", "-5"], "must not be negative"),
    ([*SHORT, "--size-usd", "0"], "greater than zero"),
    ([*SHORT, "--size-usd", "NaN"], "must be a number"),
    ([*SHORT, "--size-usd", "inf"], "must be a number"),
    ([*SHORT, "--size-usd", "1e9"], "must be a number"),
    ([*SHORT, "--size-usd", "999999999999999999", "--venue", "gmx"], "holds"),
    ([*SHORT, "--size-usd", "999999999999999999"], "no venue can take"),
    (["short", "open", "NVDA", "--size-usd", "500", "--venue", "gtrade", "--leverage", "2", "--collateral", "WETH"],
     "known: USDC"),
    ([*SHORT, "--size", "-1"], "must not be negative"),
    ([*SHORT, "--size-usd", "100", "--wait", "5000"], "at most 3600"),
    ([*SHORT, "--size-usd", "100", "--wait", "-2"], "must not be negative"),
    ([*SHORT, "--size-usd", "100", "--collateral-amount", "1.0000001"], "more than 6 decimals"),
    ([*SHORT, "--size-usd", "100", "--collateral-amount", "-3"], "must not be negative"),
    ([*SHORT, "--size-usd", "100", "--leverage", "0"], "greater than zero"),
    ([*SHORT, "--size-usd", "100", "--leverage", "101"], "maximum"),
    ([*SHORT, "--size-usd", "100", "--leverage", "2", "--collateral-amount", "5"], "not both"),
    ([*SHORT, "--size-usd", "100", "--size", "1"], "exactly one"),
    ([*SHORT, "--size-usd", "100", "--max-slippage", "100%"], "below 50%"),
    ([*SHORT, "--size-usd", "100", "--max-slippage", "60%"], "below 50%"),
    ([*SHORT, "--size-usd", "100", "--max-slippage", "0"], "above 0%"),
    ([*SHORT, "--size-usd", "100", "--stop-loss", "1"], "above the current price"),
    ([*SHORT, "--size-usd", "100", "--max-fee-gwei", "0.000000001", "--broadcast", "--yes"], "above the cap"),
    ([*SHORT, "--size-usd", "100", "--max-total-fee-eth", "abc", "--broadcast", "--yes"], "must be a number"),
    (["short", "close", "ETH", "--fraction", "2"], "at most 1"),
    (["short", "close", "ETH", "--fraction", "0"], "greater than zero"),
    (["short", "resize", "ETH", "--to-usd", "abc"], "must be a number"),
    # names
    (["short", "open", "DOGE", "--size-usd", "100"], "unknown asset 'DOGE'"),
    (["short", "open", "DOGE", "--size-usd", "100", "--venue", "gmx"], "unknown GMX market"),
    ([*SHORT, "--size-usd", "100", "--venue", "gmxx"], "did you mean 'gmx'"),
    ([*SHORT, "--size-usd", "100", "--collateral", "DAI"], "unknown collateral"),
    (["--chain", "arbitrun", "holdings"], "did you mean 'arbitrum'"),
    (["markets", "--venue", "dydx"], "unknown venue"),
    (["markets", "--asset", "DOGE"], "unknown asset"),
    (["positions", "--address", "0xabc"], "20-byte hex address"),
    (["positions", "--venue", "dydx"], "unknown venue"),
    (["scenario", "--asset", "DOGE"], "unknown asset"),
    (["scenario", "--asset", "ETH", "--from", "abc"], "must be a number"),
    (["scenario", "--horizon", "soon"], "duration"),
    (["scenario", "--chart", "out.jpg"], "must end in .svg or .png"),
    (["backtest", "--plan", "/nonexistent/plan.toml"], "does not exist"),
    (["backtest", "--plan", "/nonexistent/plan.toml", "--days", "0"], "--days must be positive"),
    (["backtest", "--plan", "/nonexistent/plan.toml", "--chart", "out.gif"], "must end in .svg or .png"),
    (["watch", "--interval", "0", "--once"], "must be positive"),
    (["watch", "--alert-drift", "abc", "--once"], "must be a number"),
    # chains and forks
    (["--rpc", "http://127.0.0.1:9", "holdings"], "cannot reach the RPC"),
    (["--rpc", "ftp://x", "holdings"], "must start with http"),
    (["--chain", "arbitrum", "devnet", "advance", "1h"], "embedded devnet only"),
    (["--chain", "arbitrum", "devnet", "price", "ETH", "1"], "embedded devnet only"),
    # wallets and keys
    (["wallet", "import", "x", "0x" + "ab" * 32], "private key"),
    (["holdings", "--account", "nobody"], "unknown account"),
    (["wallet", "new", "bad name!"], "letters, digits"),
    (["wallet", "import", "carol", "--keystore", "/nonexistent/file.json"], "not a readable keystore"),
    (["wallet", "show", "nobody"], "unknown account"),
    (["tx", "resume", "--account", "nobody"], "unknown account"),
    (["tx", "cancel", "999999"], "no open signed transaction"),
    # confirmations, orders, journal
    ([*SHORT, "--size-usd", "100", "--broadcast"], "--yes"),
    (["hedge", "apply", "--ratio", "0.5", "--broadcast"], "--yes"),
    (["hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes", "--max-total-fee-eth", "0.000001"],
     "above --max-total-fee-eth"),
    (["orders", "--cancel", "0x" + "00" * 31 + "02"], "no pending gmx order"),
    (["orders", "--cancel", "12345"], "not an order key of any venue"),
    (["tx", "status", "0x" + "12" * 32], "not in the journal"),
    # hedge policies
    (["hedge", "plan"], "exactly one of --ratio or --plan"),
    (["hedge", "plan", "--ratio", "2"], "between 0 and 1"),
    (["hedge", "plan", "--ratio", "-1"], "must not be negative"),
    (["hedge", "plan", "--ratio", "0.5", "--max-fees-usd", "x"], "must be a number"),
    (["devnet", "advance", "soon"], "duration"),
    (["devnet", "up", "--port", "1"], "already running"),
    (["devnet", "price", "ETH", "-100%"], "above -100%"),
    (["tx", "list", "--limit", "-1"], "at least 1"),
]
PLAN_CASES = [("bad-ratio.toml", "at most 1"), ("bad-key.toml", "unknown key"), ("bad-toml.toml", "not valid TOML"),
              ("bad-venue.toml", "unknown venue"), ("bad-lev.toml", "at least 1"), ("empty.toml", "nothing to hedge"),
              ("missing.toml", "does not exist")]


def _check(r, expect: str) -> None:  # type: ignore[no-untyped-def]
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    assert r.code != 0, r.stderr
    assert len(errors) + len(warnings) == 1, r.stderr
    assert expect in (errors or warnings)[0], r.stderr


@pytest.mark.parametrize("args, expect", CASES)
def test_bad_input(devnet, cli, args, expect) -> None:  # type: ignore[no-untyped-def]
    before = nonce(devnet.rpc_url)
    _check(cli(*args), expect)
    assert nonce(devnet.rpc_url) == before


@pytest.mark.parametrize("name, expect", PLAN_CASES)
def test_malformed_plan_files(devnet, cli, keystore_home, name, expect) -> None:  # type: ignore[no-untyped-def]
    _check(cli("hedge", "apply", "--plan", str(keystore_home / name), "--broadcast", "--yes"), expect)


@pytest.mark.parametrize("pw, expect", [(None, "HEDGEFI_PASSWORD_FILE"), ("wrong-pw", "wrong password"),
                                        ("open-pw", "readable by other users")])
def test_passwords(devnet, cli, keystore_home, pw, expect) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim import control

    control.fund("0x90F79bf6EB2c4f870365E785982E1f101E93b906")  # alice (anvil #3) gets collateral
    env = {"HEDGEFI_CONFIG_DIR": str(keystore_home)}
    if pw:
        env["HEDGEFI_PASSWORD_FILE"] = str(keystore_home / pw)
    before = nonce(devnet.rpc_url)
    r = cli(*SHORT, "--size-usd", "100", "--account", "alice", "--broadcast", "--yes", env=env)
    _check(r, expect)
    assert nonce(devnet.rpc_url) == before


def test_world_readable_keystore_refused(devnet, cli, keystore_home) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim import control

    control.fund("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65")  # bob (anvil #4)
    env = {"HEDGEFI_CONFIG_DIR": str(keystore_home), "HEDGEFI_PASSWORD_FILE": str(keystore_home / "good-pw")}
    assert stat.S_IMODE((keystore_home / "keystores" / "bob.json").stat().st_mode) == 0o644
    _check(cli(*SHORT, "--size-usd", "100", "--account", "bob", "--broadcast", "--yes", env=env), "chmod 600")


def _commands_taking_values() -> set[str]:
    """Every CLI command (as "short open", "devnet price", ...) with an argument or a non-flag option,
    read from the command tree itself."""
    import typer.main

    from hedgefi.cli.app import app

    found: set[str] = set()

    def walk(cmd, path: list[str]) -> None:  # type: ignore[no-untyped-def]
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        elif any(p.param_type_name == "argument" or not getattr(p, "is_flag", False) for p in cmd.params
                 if p.name != "help"):
            found.add(" ".join(path))

    walk(typer.main.get_command(app), [])
    return found


def _command_of(args: list[str], known: set[str]) -> str | None:
    words = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] not in GLOBAL)]
    return next((c for c in known if words[:len(c.split())] == c.split()), None)


GLOBAL = ("--chain", "--rpc")   # root options that take a value, before the command


def test_every_command_that_takes_a_value_gets_a_bad_one() -> None:
    """The CLI's own command tree, not this file, says what needs a bad-input case: a new command (or a new
    value on a command that had none) fails here until it gets one."""
    known = _commands_taking_values()
    assert {"holdings", "short open", "hedge apply", "devnet price"} <= known   # the walk sees the tree
    cases = [c.values[0] if hasattr(c, "values") else c[0] for c in CASES]
    covered = {_command_of(list(args), known) for args in cases}
    covered |= {"hedge apply", "short open"}   # PLAN_CASES and the keystore/password tests below
    assert known - covered == set()


def test_keystore_signer_with_the_right_password_sends(devnet, cli, keystore_home) -> None:  # type: ignore[no-untyped-def]
    import json

    from hedgefi.sim import control

    alice = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    control.fund(alice)
    env = {"HEDGEFI_CONFIG_DIR": str(keystore_home), "HEDGEFI_PASSWORD_FILE": str(keystore_home / "good-pw")}
    r = cli(*SHORT, "--size-usd", "1000", "--account", "alice", "--broadcast", "--yes", env=env)
    assert r.code == 0, r.stderr
    (p,) = json.loads(cli("positions", "--address", alice, "--json").stdout)["positions"]
    assert p["size_usd"] == "1000"
