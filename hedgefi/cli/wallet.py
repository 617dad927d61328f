"""``hedgefi wallet ...``: encrypted keystores. No command ever prints a private key."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="Encrypted keystores (V3, scrypt, mode 0600) in the hedgefi config folder.",
                  no_args_is_help=True)


def _new_password() -> str:
    from hedgefi.core.config import env
    from hedgefi.core.errors import InputError
    from hedgefi.wallet.signers import read_password

    if env("HEDGEFI_PASSWORD_FILE"):
        return read_password("")
    first = read_password("New keystore password: ")
    if read_password("Repeat the password: ") != first:
        raise InputError("the two passwords differ")
    return first


def _hidden_key() -> str:
    import getpass
    import sys

    from hedgefi.core.errors import InputError

    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line.strip():
            raise InputError("no private key on standard input")
        return line.strip()
    return getpass.getpass("Private key (hidden): ")


@app.command()
def new(name: str = typer.Argument(..., help="Account name."),
        as_json: bool = typer.Option(False, "--json")) -> None:
    """Create a new random key in an encrypted keystore."""
    from hedgefi.wallet import keystore

    keystore._check_name(name)
    entry = keystore.create(name, _new_password())
    _show(entry, as_json, "Created")


@app.command("import")
def import_(
    name: str = typer.Argument(..., help="Account name."),
    keystore_file: Optional[Path] = typer.Option(None, "--keystore", help="Import an existing V3 keystore "
                                                 "file (e.g. from `cast wallet`)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import a private key (typed at a hidden prompt or piped on stdin) or a keystore file."""
    from hedgefi.wallet import keystore
    from hedgefi.wallet.signers import read_password

    keystore._check_name(name)
    if keystore_file is not None:
        keystore._read(keystore_file)  # a missing or malformed file is reported before any password prompt
        entry = keystore.import_keystore_file(name, keystore_file, read_password("Keystore password: "))
    else:
        key = _hidden_key()
        entry = keystore.import_private_key(name, key, _new_password())
    _show(entry, as_json, "Imported")


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """Accounts in the keystore folder."""
    from hedgefi.cli import render
    from hedgefi.wallet import keystore

    entries = keystore.list_accounts()
    if as_json:
        render.print_json({"accounts": [{"name": e.name, "address": e.address, "path": str(e.path)}
                                        for e in entries]})
        return
    if not entries:
        render.out.print(f"No accounts in {keystore.keystore_dir()}; create one with `hedgefi wallet new NAME`.")
    for e in entries:
        render.out.print(f"{e.name:<20} {e.address}")


@app.command()
def show(name: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """An account's address and keystore file (never its key)."""
    from hedgefi.wallet import keystore

    _show(keystore.get(name), as_json, None)


def _show(entry: "object", as_json: bool, verb: str | None) -> None:
    from hedgefi.cli import render
    from hedgefi.wallet.keystore import KeystoreEntry

    assert isinstance(entry, KeystoreEntry)
    if as_json:
        render.print_json({"name": entry.name, "address": entry.address, "path": str(entry.path)})
        return
    prefix = f"{verb} account" if verb else "Account"
    render.out.print(f"{prefix} '{entry.name}': {entry.address}\nKeystore: {entry.path}")
