"""Log reads that scale: ``eth_getLogs`` in bounded block ranges from a known block, never from 0.

Public RPCs refuse wide ranges (and a range from block 0 on Arbitrum is hundreds of millions of blocks),
so ``follow_logs`` reads from the block an order was sent at:

- catching up, in chunks of at most ``max_log_blocks()`` blocks with explicit bounds (10,000, or
  ``HEDGEFI_LOGS_MAX_BLOCKS`` for an RPC that allows fewer);
- then, near the head, ``eth_blockNumber`` and the logs from the cursor to ``latest`` in one JSON-RPC
  batch (one HTTP request per poll), the cursor moving up to the head it saw (that block is read again
  next time: nothing falls between two polls).

Each filter is a dict with ``address`` and ``topics`` (no block bounds); several filters, needed when
the indexed field that narrows the search sits at different topic positions in different events, go
in the same batch. ``match`` turns a log into the answer, or None to keep looking. ``collect_logs`` returns
every matching log of a closed range, read in the same chunks (e.g. a trader's liquidations since the block
their last journaled transaction was mined in).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

T = TypeVar("T")

LOG_CHUNK_BLOCKS = 10_000


def max_log_blocks() -> int:
    """The widest ``eth_getLogs`` range hedgefi asks: ``HEDGEFI_LOGS_MAX_BLOCKS`` or 10,000."""
    from hedgefi.core.config import env
    from hedgefi.core.errors import ConfigError

    raw = env("HEDGEFI_LOGS_MAX_BLOCKS")
    if raw is None:
        return LOG_CHUNK_BLOCKS
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"HEDGEFI_LOGS_MAX_BLOCKS must be a whole number of blocks above 0 (got {raw!r})")
    return int(raw)


def topic_address(address: str) -> str:
    """An address as an indexed topic (left-padded to 32 bytes, lower case)."""
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")


def topic_uint(value: int) -> str:
    return "0x" + f"{value:064x}"


def _ranged(filters: list[dict[str, Any]], from_block: int, to_block: int | str) -> list[tuple[str, list[Any]]]:
    to = hex(to_block) if isinstance(to_block, int) else to_block
    return [("eth_getLogs", [{**f, "fromBlock": hex(from_block), "toBlock": to}]) for f in filters]


def _first(results: list[Any], match: Callable[[dict[str, Any]], T | None]) -> T | None:
    logs = sorted((log for logs in results for log in (logs or [])),
                  key=lambda log: (_int(log.get("blockNumber", 0)), _int(log.get("logIndex", 0))))
    for log in logs:
        found = match(log)
        if found is not None:
            return found
    return None


def _int(v: Any) -> int:
    return int(v, 16) if isinstance(v, str) else int(v)


def scan_logs(conn: "Connection", filters: list[dict[str, Any]], from_block: int, to_block: int,
              match: Callable[[dict[str, Any]], T | None], chunk: int | None = None) -> T | None:
    """The first match in ``[from_block, to_block]``, read in chunks of at most ``chunk`` blocks."""
    chunk = chunk or max_log_blocks()
    start = from_block
    while start <= to_block:
        end = min(start + chunk - 1, to_block)
        found = _first(conn.batch(_ranged(filters, start, end)), match)
        if found is not None:
            return found
        start = end + 1
    return None


def collect_logs(conn: "Connection", filters: list[dict[str, Any]], from_block: int, to_block: int,
                 chunk: int | None = None) -> list[dict[str, Any]]:
    """Every log of ``filters`` in ``[from_block, to_block]``, in chain order, read in bounded chunks."""
    found: list[dict[str, Any]] = []

    def keep(log: dict[str, Any]) -> None:
        found.append(log)
        return None

    scan_logs(conn, filters, from_block, to_block, keep, chunk)
    return found


def follow_logs(conn: "Connection", filters: list[dict[str, Any]], from_block: int,
                match: Callable[[dict[str, Any]], T | None], *, timeout_s: float = 30.0, poll_s: float = 0.25,
                chunk: int | None = None) -> T | None:
    """The first log from ``from_block`` on that ``match`` accepts, waiting up to ``timeout_s`` for it
    (None after that); at least one look however short the timeout. ``from_block`` must be known (> 0)."""
    if from_block <= 0:
        raise ValueError("follow_logs needs the block the search starts at (never block 0)")
    chunk = chunk or max_log_blocks()
    deadline = time.monotonic() + timeout_s
    cursor = from_block
    head = int(conn.request("eth_blockNumber", []), 16)
    while True:
        if head - cursor + 1 > chunk:                       # far behind: explicit chunks up to the head
            found = scan_logs(conn, filters, cursor, head, match, chunk)
            cursor = max(cursor, head)
        else:                                               # near the head: the head and the logs together
            number, *results = conn.batch([("eth_blockNumber", []), *_ranged(filters, cursor, "latest")])
            found = _first(results, match)
            head = int(number, 16)
            cursor = max(cursor, head)
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            return None
        time.sleep(poll_s)


__all__ = ["LOG_CHUNK_BLOCKS", "max_log_blocks", "follow_logs", "scan_logs", "collect_logs", "topic_address", "topic_uint"]
