"""Keystores through the CLI, and interoperability with ``cast wallet`` both ways."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from hedgefi.sim.tools import foundry_binary

PASSWORD = "correct horse battery"
ANVIL_KEY_1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ANVIL_ADDR_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.fixture
def pw_env(tmp_path: Path) -> dict[str, str]:
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    pw.chmod(0o600)
    return {"HEDGEFI_PASSWORD_FILE": str(pw), "HEDGEFI_CONFIG_DIR": str(tmp_path / "cfg")}


def test_new_keystore_is_0600_and_decrypts_with_cast(cli, pw_env) -> None:  # type: ignore[no-untyped-def]
    r = cli("wallet", "new", "alice", "--json", env=pw_env)
    assert r.code == 0, r.stderr
    entry = json.loads(r.stdout)
    path = Path(entry["path"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["crypto"]["kdf"] == "scrypt"
    out = subprocess.run([str(foundry_binary("cast")), "wallet", "address", "--keystore", str(path),
                          "--password-file", pw_env["HEDGEFI_PASSWORD_FILE"]],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == entry["address"]
    listed = json.loads(cli("wallet", "list", "--json", env=pw_env).stdout)["accounts"]
    assert [a["name"] for a in listed] == ["alice"]
    assert cli("wallet", "new", "alice", env=pw_env).code != 0  # never overwrite


def test_cast_keystore_imports_into_hedgefi(cli, pw_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "cast-ks"
    folder.mkdir()
    out = subprocess.run([str(foundry_binary("cast")), "wallet", "import", "bob", "--keystore-dir", str(folder),
                          "--private-key", ANVIL_KEY_1],  # anvil's public dev key #1
                         capture_output=True, text=True, stdin=subprocess.DEVNULL,
                         env={**os.environ, "CAST_UNSAFE_PASSWORD": PASSWORD})
    assert out.returncode == 0, out.stderr
    r = cli("wallet", "import", "bob", "--keystore", str(folder / "bob"), "--json", env=pw_env)
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)["address"] == ANVIL_ADDR_1
    from hedgefi.wallet import keystore

    os.environ["HEDGEFI_CONFIG_DIR"], saved = pw_env["HEDGEFI_CONFIG_DIR"], os.environ["HEDGEFI_CONFIG_DIR"]
    try:
        assert keystore.unlock("bob", PASSWORD).address == ANVIL_ADDR_1
    finally:
        os.environ["HEDGEFI_CONFIG_DIR"] = saved


def test_import_private_key_from_stdin_never_echoes_it(cli, pw_env) -> None:  # type: ignore[no-untyped-def]
    r = cli("wallet", "import", "carol", env=pw_env, stdin=ANVIL_KEY_1 + "\n")
    assert r.code == 0, r.stderr
    assert ANVIL_ADDR_1 in r.stdout
    assert ANVIL_KEY_1[2:] not in r.output


def test_wrong_password_and_world_readable_keystore(cli, pw_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cli("wallet", "import", "dave", env=pw_env, stdin=ANVIL_KEY_1 + "\n").code == 0
    from hedgefi.wallet import keystore

    saved = os.environ["HEDGEFI_CONFIG_DIR"]
    os.environ["HEDGEFI_CONFIG_DIR"] = pw_env["HEDGEFI_CONFIG_DIR"]
    try:
        from hedgefi.core.errors import KeystoreError, WrongPasswordError

        with pytest.raises(WrongPasswordError, match="wrong password"):
            keystore.unlock("dave", "not the password")
        path = keystore.get("dave").path
        path.chmod(0o644)
        with pytest.raises(KeystoreError, match="chmod 600"):
            keystore.unlock("dave", PASSWORD)
    finally:
        os.environ["HEDGEFI_CONFIG_DIR"] = saved
    # a wrong password through the CLI: importing a keystore file checks the password
    bad = tmp_path / "bad-pw"
    bad.write_text("wrong password!\n")
    bad.chmod(0o600)
    r = cli("wallet", "import", "eve", "--keystore", str(path),
            env={**pw_env, "HEDGEFI_PASSWORD_FILE": str(bad)})
    assert r.code == 1 and "wrong password" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_short_password_refused(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pw = tmp_path / "pw"
    pw.write_text("short\n")
    pw.chmod(0o600)
    r = cli("wallet", "new", "frank", env={"HEDGEFI_PASSWORD_FILE": str(pw), "HEDGEFI_CONFIG_DIR": str(tmp_path)})
    assert r.code == 1 and "at least 8 characters" in r.stderr
