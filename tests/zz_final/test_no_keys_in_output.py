"""Runs last: scan everything the suite printed through the CLI, and every log and file the devnet and
hedgefi wrote, for the private keys the suite used. One appearance fails the suite."""

from __future__ import annotations

from tests.conftest import CLI_OUTPUTS

# anvil's public dev keys the suite signs with, plus keys imported into keystores by the tests
KEYS_USED = [
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",   # demo wallet (#0)
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",   # #1, imported via stdin and cast
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",   # #3, keystore 'alice'
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",   # #4, keystore 'bob'
]


def test_no_private_key_in_any_output_or_log(tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    assert CLI_OUTPUTS, "the suite ran no CLI command; this scan would prove nothing"
    for out in CLI_OUTPUTS:
        low = out.lower()
        for key in KEYS_USED:
            assert key not in low, "a private key appeared in CLI output"
    scanned = 0
    for path in tmp_path_factory.getbasetemp().rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes().lower()
            scanned += 1
            for key in KEYS_USED:
                assert key.encode() not in data, f"a private key appeared in {path}"
    assert scanned > 0
