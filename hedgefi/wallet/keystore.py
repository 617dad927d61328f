"""Encrypted V3 keystores (eth-account, scrypt) in ``<config dir>/keystores``, file mode 0600.

A keystore written by ``cast wallet`` imports here, and one written here decrypts with
``cast wallet``: both are standard Web3 Secret Storage (V3) files. Private keys exist only in
memory while signing; nothing here prints or logs one.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hedgefi.core.config import config_dir
from hedgefi.core.errors import InputError, KeystoreError, UnknownNameError, WrongPasswordError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD_LEN = 8


def keystore_dir() -> Path:
    return config_dir() / "keystores"


@dataclass(frozen=True, slots=True)
class KeystoreEntry:
    name: str
    address: str
    path: Path


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InputError(f"account name '{name}' must be 1-64 letters, digits, '.', '_' or '-'")
    return name


def _path(name: str) -> Path:
    return keystore_dir() / f"{_check_name(name)}.json"


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeystoreError(f"{path} is not a readable keystore file") from exc
    if not isinstance(data, dict) or "crypto" not in {k.lower() for k in data}:
        raise KeystoreError(f"{path} is not a V3 keystore (no 'crypto' section)")
    return data


def _address_of(data: dict[str, Any]) -> str:
    from eth_utils.address import to_checksum_address

    raw = data.get("address")
    return to_checksum_address("0x" + raw.removeprefix("0x")) if raw else ""


def _write_private(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    if path.exists():
        raise KeystoreError(f"an account named '{path.stem}' already exists")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LEN:
        raise InputError(f"the password must have at least {MIN_PASSWORD_LEN} characters")


def _encrypt(key: bytes, password: str) -> dict[str, Any]:
    from eth_account import Account

    data: dict[str, Any] = Account.encrypt(key, password, kdf="scrypt")
    return data


def create(name: str, password: str) -> KeystoreEntry:
    """A new random key, encrypted with ``password``."""
    from eth_account import Account

    check_password_strength(password)
    path = _path(name)
    account = Account.create()
    data = _encrypt(account.key, password)
    _write_private(path, data)
    return KeystoreEntry(name, account.address, path)


def import_private_key(name: str, private_key: str, password: str) -> KeystoreEntry:
    from eth_account import Account

    check_password_strength(password)
    path = _path(name)
    try:
        account = Account.from_key(private_key.strip())
    except ValueError:  # eth-account raises ValueError (binascii.Error among them) for a malformed key
        raise InputError("that is not a valid private key (64 hex digits)") from None
    _write_private(path, _encrypt(account.key, password))
    return KeystoreEntry(name, account.address, path)


def import_keystore_file(name: str, source: Path, password: str) -> KeystoreEntry:
    """Copy an existing V3 keystore (e.g. from ``cast wallet``) after proving the password opens it."""
    path = _path(name)
    data = _read(source)
    key = _decrypt(data, password, source)
    from eth_account import Account

    address = Account.from_key(key).address
    if not data.get("address"):
        data["address"] = address[2:].lower()
    _write_private(path, data)
    return KeystoreEntry(name, address, path)


def list_accounts() -> list[KeystoreEntry]:
    folder = keystore_dir()
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob("*.json")):
        try:
            entries.append(KeystoreEntry(path.stem, _address_of(_read(path)), path))
        except KeystoreError:
            continue
    return entries


def get(name: str) -> KeystoreEntry:
    path = _path(name)
    if not path.is_file():
        raise UnknownNameError("account", name, [e.name for e in list_accounts()])
    return KeystoreEntry(name, _address_of(_read(path)), path)


def check_permissions(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeystoreError(f"keystore {path} is readable by other users (mode {mode:o}); "
                            f"fix it with: chmod 600 {path}")


def _decrypt(data: dict[str, Any], password: str, path: Path) -> bytes:
    from eth_account import Account

    try:
        return bytes(Account.decrypt(data, password))
    except ValueError as exc:
        if "MAC mismatch" in str(exc):  # eth-keyfile's only signal for a wrong password
            raise WrongPasswordError(f"wrong password for keystore {path.name}") from None
        raise KeystoreError(f"cannot decrypt {path.name}: {exc}") from None


def unlock(name: str, password: str) -> Any:
    """The ``LocalAccount`` of keystore ``name``; refuses a keystore others can read."""
    from eth_account import Account

    entry = get(name)
    check_permissions(entry.path)
    key = _decrypt(_read(entry.path), password, entry.path)
    return Account.from_key(key)


__all__ = ["KeystoreEntry", "keystore_dir", "create", "import_private_key", "import_keystore_file",
           "list_accounts", "get", "unlock", "check_permissions", "check_password_strength"]
