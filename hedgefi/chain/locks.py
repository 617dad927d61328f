"""A per-account lock (a file lock in the data folder) held while hedgefi signs and sends for an account,
so two runs (cron overlapping a manual one) never race for the same nonces. A run waits for the lock up to
``HEDGEFI_LOCK_WAIT_S`` seconds (default 60), then refuses with ``AccountBusyError``; nothing is sent."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from typing import Iterator

from hedgefi.core.config import data_dir, env
from hedgefi.core.errors import ConfigError, HedgefiError


class AccountBusyError(HedgefiError):
    """Another hedgefi run is sending for this account."""


_HELD: dict[str, int] = {}   # lock path -> fd, for locks this process holds


def _path(chain_id: int, account: str) -> str:
    folder = data_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{chain_id}-{account.lower()}.lock")


DEFAULT_WAIT_S = 60.0


def _wait(wait_s: float | None) -> float:
    if wait_s is not None:
        return wait_s
    setting = env("HEDGEFI_LOCK_WAIT_S")
    try:
        return float(setting) if setting else DEFAULT_WAIT_S
    except ValueError:
        raise ConfigError(f"HEDGEFI_LOCK_WAIT_S must be a number of seconds (got {setting!r})") from None


def hold_account_lock(chain_id: int, account: str, wait_s: float | None = None) -> None:
    """Take the account lock for the rest of this process (a CLI write run: plan, dry-run and send)."""
    path = _path(chain_id, account)
    if path in _HELD:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    _acquire(fd, chain_id, account, _wait(wait_s))
    _HELD[path] = fd


def _acquire(fd: int, chain_id: int, account: str, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise AccountBusyError(f"another hedgefi run is sending for {account} on chain {chain_id}; "
                                       "wait for it to finish (nothing was sent)") from None
            time.sleep(0.1)


@contextmanager
def account_lock(chain_id: int, account: str, wait_s: float | None = None) -> Iterator[None]:
    """The account lock for a block (re-entrant: a no-op when this process already holds it)."""
    path = _path(chain_id, account)
    if path in _HELD:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    _acquire(fd, chain_id, account, _wait(wait_s))
    _HELD[path] = fd
    try:
        yield
    finally:
        _HELD.pop(path, None)
        os.close(fd)


__all__ = ["account_lock", "hold_account_lock", "AccountBusyError"]
