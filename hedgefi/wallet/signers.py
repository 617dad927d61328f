"""Who acts: resolving the wallet address and (for writes) the signer.

Order of precedence:
  1. ``--address ADDR``            read-only; no signer
  2. ``--account NAME``            keystore; password from ``HEDGEFI_PASSWORD_FILE`` or a hidden prompt
  3. ``HEDGEFI_ACCOUNT``           the same, from the environment
  4. ``HEDGEFI_PRIVATE_KEY``       automation only
  5. devnet profile, nothing set   the demo wallet (anvil's public dev account #0)
Otherwise hedgefi is read-only and a write raises ``NoSignerError``. The key stays inside the
``Signer``; its ``repr`` never shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hedgefi.chain.profiles import ChainProfile
from hedgefi.core.config import env
from hedgefi.core.errors import BadAddressError, InputError, KeystoreError, NoSignerError


def parse_address(text: str, *, what: str = "address") -> str:
    """A checksummed address; all-lowercase is accepted, a wrong mixed-case checksum is not."""
    from eth_utils.address import is_checksum_address, is_hex_address, to_checksum_address

    value = text.strip()
    if not is_hex_address(value):
        raise BadAddressError(f"{what} '{text}' is not a 20-byte hex address (0x followed by 40 hex digits)")
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise BadAddressError(f"{what} '{text}' has a bad EIP-55 checksum; "
                              "check for a typo (or paste it all lowercase)")
    return str(to_checksum_address(value))


@dataclass(frozen=True)
class Signer:
    """Signs transactions for one address; holds the key privately."""

    address: str
    source: str                                  # "keystore:NAME", "env", "devnet-demo"
    _account: Any = field(repr=False, compare=False)

    def sign_transaction(self, tx: dict[str, Any]) -> bytes:
        signed = self._account.sign_transaction(tx)
        return bytes(signed.raw_transaction)


@dataclass(frozen=True, slots=True)
class Identity:
    address: str
    source: str
    signer_factory: Callable[[], Signer] | None = None

    @property
    def read_only(self) -> bool:
        return self.signer_factory is None

    def signer(self) -> Signer:
        if self.signer_factory is None:
            raise NoSignerError("no signer configured (read-only): use --account NAME, "
                                "HEDGEFI_PRIVATE_KEY for automation, or drop --address")
        return self.signer_factory()


def read_password(prompt: str) -> str:
    """Password from ``HEDGEFI_PASSWORD_FILE`` (must be 0600) or a hidden prompt."""
    path = env("HEDGEFI_PASSWORD_FILE")
    if path:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"HEDGEFI_PASSWORD_FILE {p} does not exist")
        from hedgefi.wallet.keystore import check_permissions

        try:
            check_permissions(p)
        except KeystoreError as exc:
            raise KeystoreError(str(exc).replace("keystore", "password file")) from None
        return p.read_text().rstrip("\r\n")
    import getpass
    import sys

    if not sys.stdin.isatty():
        raise InputError("a password is needed but there is no terminal to ask: set HEDGEFI_PASSWORD_FILE")
    return getpass.getpass(prompt)


def _keystore_identity(name: str) -> Identity:
    from hedgefi.wallet import keystore

    entry = keystore.get(name)

    def factory() -> Signer:
        account = keystore.unlock(name, read_password(f"Password for account '{name}': "))
        return Signer(account.address, f"keystore:{name}", account)

    return Identity(entry.address, f"keystore:{name}", factory)


def _key_account(key: str) -> Any:
    from eth_account import Account

    try:
        return Account.from_key(key.strip())
    except ValueError:  # binascii.Error among them
        raise InputError("HEDGEFI_PRIVATE_KEY is not a valid private key (64 hex digits)") from None


def resolve_identity(profile: ChainProfile, *, address: str | None = None,
                     account: str | None = None) -> Identity | None:
    """The acting wallet for ``profile``, or None when nothing is configured (off the devnet)."""
    if address:
        return Identity(parse_address(address), "address")
    name = account or env("HEDGEFI_ACCOUNT")
    if name:
        return _keystore_identity(name)
    key = env("HEDGEFI_PRIVATE_KEY")
    if key:
        acct = _key_account(key)
        return Identity(acct.address, "env", lambda: Signer(acct.address, "env", acct))
    if profile.is_devnet and profile.chain_id == 31337:
        from hedgefi.wallet.devkeys import demo_private_key

        acct = _key_account(demo_private_key())
        return Identity(acct.address, "devnet-demo", lambda: Signer(acct.address, "devnet-demo", acct))
    return None


def require_identity(profile: ChainProfile, *, address: str | None = None, account: str | None = None) -> Identity:
    ident = resolve_identity(profile, address=address, account=account)
    if ident is None:
        raise NoSignerError(f"no wallet for chain '{profile.name}': pass --address ADDR (read-only) "
                            "or --account NAME (see `hedgefi wallet list`)")
    return ident


__all__ = ["parse_address", "Signer", "Identity", "read_password", "resolve_identity", "require_identity"]
