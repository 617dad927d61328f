"""The end-of-session private-key scan (tests/conftest.py) finds a key wherever it is, in any case."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import KEYS_USED, find_keys

FAKE = "ab" * 31 + "cd"   # not a key the suite uses, so this test's own files do not trip the session scan


def test_scan_finds_a_key_in_an_output_or_a_file_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "clean.log").write_text("nothing to see\n")
    assert find_keys(["ok", "fine"], tmp_path, [FAKE]) == []
    assert find_keys(["ok", f"leaked 0x{FAKE.upper()}"], tmp_path, [FAKE]) == ["output #1"]
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "keeper.log").write_bytes(b"\x00binary\xff" + FAKE.encode() + b"\n")
    assert find_keys([], tmp_path, [FAKE]) == [str(nested / "keeper.log")]


def test_the_scanned_keys_are_the_keys_of_the_accounts_the_suite_signs_with() -> None:
    """A typo in the list would scan for a string no key matches; each must derive its dev account."""
    from eth_account import Account

    from hedgefi.wallet.devkeys import DEV_ADDRESSES

    derived = [Account.from_key("0x" + k).address for k in KEYS_USED]
    assert derived == [DEV_ADDRESSES[i] for i in (0, 1, 3, 4)]   # demo, stdin/cast import, alice, bob
