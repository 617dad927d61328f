"""A per-account lock (a file lock in the data folder) held while hedgefi signs and sends for an account,
so two runs (cron overlapping a manual one) never race for the same nonces."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from typing import Iterator

from hedgefi.config import data_dir
from hedgefi.errors import HedgefiError


class AccountBusyError(HedgefiError):
    """Another hedgefi run is sending for this account."""


@contextmanager
def account_lock(chain_id: int, account: str, wait_s: float = 30.0) -> Iterator[None]:
    folder = data_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chain_id}-{account.lower()}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AccountBusyError(f"another hedgefi run is sending for {account} on chain {chain_id}; "
                                           "wait for it to finish (nothing was sent)") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)


__all__ = ["account_lock", "AccountBusyError"]
