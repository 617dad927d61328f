"""The one exception tree of hedgefi, and the exit codes the CLI maps it to.

Every error a user can cause or meet is a ``HedgefiError`` whose message is fit to
print as it is (one clear line, no traceback). Low-level errors (web3, httpx, OS) are
translated at the boundary that meets them and chained with ``raise ... from``.

    HedgefiError
    ├── InputError                 bad user input: nothing was sent
    │   ├── BadAddressError
    │   └── BadAmountError
    ├── StalePriceError            a write refused: a price feed is older than its heartbeat, or the L2
    │                              sequencer is down (exit 7)
    ├── ConfigError                settings, profiles, registries
    │   └── UnknownNameError       unknown chain / token / venue, with "did you mean"
    ├── ChainError                 talking to a node
    │   ├── RpcUnreachableError
    │   ├── ChainIdMismatchError
    │   └── NoCodeError
    ├── WalletError                keystores and signers
    │   ├── KeystoreError
    │   ├── WrongPasswordError
    │   └── NoSignerError
    └── DevnetError                the embedded anvil devnet and its toolchain
        ├── ToolNotFoundError
        ├── CompileError
        └── DevnetNotRunningError
"""

from __future__ import annotations

import difflib
from enum import IntEnum
from typing import Iterable


class ExitCode(IntEnum):
    """Process exit codes; stable, scripts may rely on them."""

    OK = 0
    ERROR = 1          # a HedgefiError (user mistake or environment problem)
    USAGE = 2          # command-line usage error (typer/click)
    PARTIAL = 3        # the command ran, but part of the result is missing (e.g. a token row failed)
    DECLINED = 4       # the user declined a confirmation
    ORDER_CANCELLED = 5  # a venue cancelled an order (reason printed); nothing else went wrong
    ORDER_PENDING = 6    # an order was created but not executed before the wait ended
    REFUSED = 7          # a safety limit refused the run (fee cap, collateral, failed dry-run)
    ALERT = 8            # `watch --once`: a risk alert is active
    INTERNAL = 70      # a bug: an unexpected exception


class HedgefiError(Exception):
    """Root of every error hedgefi raises on purpose. ``str(err)`` is the user message."""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(HedgefiError):
    """The user gave a value hedgefi cannot use; nothing was sent."""


class BadAddressError(InputError):
    """An address is malformed or fails its EIP-55 checksum."""


class BadAmountError(InputError):
    """An amount is negative, not a number, or has more decimals than the token."""


class MarketClosedError(InputError):
    """The venue's market is outside its trading hours: a market order would not be filled."""


class StalePriceError(HedgefiError):
    """A write depends on a price feed older than its heartbeat (or the L2 sequencer is down): nothing sent."""

    exit_code = ExitCode.REFUSED


class ConfigError(HedgefiError):
    """Settings or profiles are missing or inconsistent."""


class UnknownNameError(ConfigError):
    """A name (chain, token, venue, account) is not known; suggests the closest one."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else (f"; known: {', '.join(known)}" if known else "")
        super().__init__(f"unknown {kind} '{name}'{hint}")
        self.kind, self.name, self.known = kind, name, known


class ChainError(HedgefiError):
    """A node could not be used as asked."""


class RpcUnreachableError(ChainError):
    """The RPC endpoint did not answer."""


class RpcError(ChainError):
    """The node answered a JSON-RPC request with an error object (``code``, ``data`` kept for decoding)."""

    def __init__(self, message: str, *, code: int | None = None, data: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


class ChainIdMismatchError(ChainError):
    """The node serves another chain than the profile expects."""

    def __init__(self, expected: int, actual: int, profile: str) -> None:
        super().__init__(
            f"the RPC serves chain id {actual}, but profile '{profile}' expects chain id {expected}; "
            "check --chain and --rpc"
        )
        self.expected, self.actual = expected, actual


class NoCodeError(ChainError):
    """An address that should be a contract has no code."""


class WalletError(HedgefiError):
    """A keystore or signer problem."""


class KeystoreError(WalletError):
    """A keystore file is missing, malformed, or unsafe (readable by others)."""


class WrongPasswordError(WalletError):
    """The keystore password is wrong."""


class NoSignerError(WalletError):
    """A write was asked for, but no signer is configured (hedgefi is read-only)."""


class DevnetError(HedgefiError):
    """The embedded devnet or its toolchain failed."""


class ToolNotFoundError(DevnetError):
    """anvil, cast or solcjs is not installed."""


class CompileError(DevnetError):
    """Solidity did not compile; the message carries file and line."""


class DevnetNotRunningError(DevnetError):
    """No devnet manifest, or its anvil is gone."""


__all__ = [
    "ExitCode", "HedgefiError", "InputError", "BadAddressError", "BadAmountError", "MarketClosedError", "StalePriceError", "ConfigError",
    "UnknownNameError", "ChainError", "RpcError", "RpcUnreachableError", "ChainIdMismatchError", "NoCodeError",
    "WalletError", "KeystoreError", "WrongPasswordError", "NoSignerError", "DevnetError",
    "ToolNotFoundError", "CompileError", "DevnetNotRunningError",
]
