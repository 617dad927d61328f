"""The journal: every signed transaction and venue order, with its state, in SQLite.

File: ``<data dir>/journal.sqlite``. A transaction is recorded (with its signed bytes, which are public
once sent and contain no key) *before* it is sent, so a run killed at any point leaves enough behind for
the next one to resume it (rebroadcast the same bytes) or report it, and never to send something twice.

Transaction states: signed -> sent -> mined | failed; or rejected (the node refused it), replaced (its nonce
went to another transaction, e.g. a ``tx cancel``), abandoned (never seen by the node, too old to resend).
Order states: pending -> executed | cancelled | frozen; placed (a trigger order waiting).
A transaction keeps the chain's head when it was prepared (``head_block``) and, once mined, its ``block``:
the searches for an order's outcome start there (``recovery``), never at block 0.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from hedgefi.core.config import data_dir

UNFINISHED_TX = ("signed", "sent")
UNFINISHED_ORDER = ("pending",)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS txs (
    hash TEXT PRIMARY KEY, chain_id INTEGER NOT NULL, account TEXT NOT NULL, nonce INTEGER NOT NULL,
    raw TEXT NOT NULL, description TEXT NOT NULL, kind TEXT NOT NULL, venue TEXT, state TEXT NOT NULL,
    reason TEXT, block INTEGER, created_at REAL NOT NULL, updated_at REAL NOT NULL, head_block INTEGER);
CREATE TABLE IF NOT EXISTS orders (
    key TEXT PRIMARY KEY, tx_hash TEXT NOT NULL, chain_id INTEGER NOT NULL, account TEXT NOT NULL,
    venue TEXT NOT NULL, waits_for_trigger INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class TxEntry:
    hash: str
    chain_id: int
    account: str
    nonce: int
    raw: str
    description: str
    kind: str
    venue: str | None
    state: str
    reason: str | None
    block: int | None
    created_at: float
    updated_at: float
    head_block: int | None = None      # the chain's head when it was prepared (it was mined after it)

    def as_json(self) -> dict[str, Any]:
        return {"hash": self.hash, "chain_id": self.chain_id, "account": self.account, "nonce": self.nonce,
                "description": self.description, "kind": self.kind, "venue": self.venue, "state": self.state,
                "reason": self.reason, "block": self.block, "created_at": int(self.created_at)}


@dataclass(frozen=True, slots=True)
class OrderEntry:
    key: str
    tx_hash: str
    chain_id: int
    account: str
    venue: str
    waits_for_trigger: bool
    state: str
    reason: str | None
    created_at: float
    updated_at: float

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "tx_hash": self.tx_hash, "venue": self.venue, "state": self.state,
                "reason": self.reason, "created_at": int(self.created_at)}


class Journal:
    def __init__(self, path: Path | None = None) -> None:
        from hedgefi.core.config import env

        self.path = path or Path(env("HEDGEFI_JOURNAL") or data_dir() / "journal.sqlite")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(txs)")}
        if "head_block" not in columns:       # a journal written before the column existed
            self.db.execute("ALTER TABLE txs ADD COLUMN head_block INTEGER")

    def close(self) -> None:
        self.db.close()

    # ---------------------------------------------------------------- transactions
    def record_signed(self, *, hash: str, chain_id: int, account: str, nonce: int, raw: str, description: str,
                      kind: str, venue: str | None, head_block: int | None = None) -> None:
        now = time.time()
        self.db.execute("INSERT OR IGNORE INTO txs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (hash, chain_id, account.lower(), nonce, raw, description, kind, venue, "signed", None, None,
                         now, now, head_block))

    def set_tx(self, hash: str, state: str, *, reason: str | None = None, block: int | None = None) -> None:
        self.db.execute("UPDATE txs SET state=?, reason=COALESCE(?, reason), block=COALESCE(?, block), updated_at=? "
                        "WHERE hash=?", (state, reason, block, time.time(), hash))

    def tx(self, hash: str) -> TxEntry | None:
        row = self.db.execute("SELECT * FROM txs WHERE hash=?", (hash.lower(),)).fetchone()
        return TxEntry(*row) if row else None

    def _select(self, table: str, order: str, chain_id: int | None, account: str | None,
                states: tuple[str, ...], limit: int) -> list[tuple[Any, ...]]:
        q = f"SELECT * FROM {table} WHERE 1=1"  # table and order are constants of this class
        args: list[str | int] = []
        if chain_id is not None:
            q += " AND chain_id=?"
            args.append(chain_id)
        if account:
            q += " AND account=?"
            args.append(account.lower())
        if states:
            q += f" AND state IN ({','.join('?' * len(states))})"
            args += list(states)
        q += f" ORDER BY {order} LIMIT ?"
        args.append(limit)
        return list(self.db.execute(q, args).fetchall())

    def txs(self, *, chain_id: int | None = None, account: str | None = None, states: tuple[str, ...] = (),
            limit: int = 100) -> list[TxEntry]:
        return [TxEntry(*r) for r in self._select("txs", "created_at DESC, nonce DESC", chain_id, account, states,
                                                  limit)]

    def highest(self, chain_id: int, account: str) -> TxEntry | None:
        """The account's transaction with the highest nonce that was (or may have been) sent."""
        row = self.db.execute("SELECT * FROM txs WHERE chain_id=? AND account=? AND state IN "
                              "('signed','sent','mined','failed') ORDER BY nonce DESC LIMIT 1",
                              (chain_id, account.lower())).fetchone()
        return TxEntry(*row) if row else None

    def at_nonce(self, chain_id: int, account: str, nonce: int) -> list[TxEntry]:
        """Every transaction signed for ``account`` at ``nonce`` (an original, its resends, a cancel), oldest first."""
        rows = self.db.execute("SELECT * FROM txs WHERE chain_id=? AND account=? AND nonce=? ORDER BY created_at",
                               (chain_id, account.lower(), nonce)).fetchall()
        return [TxEntry(*r) for r in rows]

    # ---------------------------------------------------------------- orders
    def add_order(self, *, key: str, tx_hash: str, chain_id: int, account: str, venue: str,
                  waits_for_trigger: bool) -> None:
        now = time.time()
        self.db.execute("INSERT OR IGNORE INTO orders VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (key.lower(), tx_hash, chain_id, account.lower(), venue, int(waits_for_trigger), "pending",
                         None, now, now))

    def set_order(self, key: str, state: str, reason: str | None = None) -> None:
        self.db.execute("UPDATE orders SET state=?, reason=?, updated_at=? WHERE key=?",
                        (state, reason, time.time(), key.lower()))

    def orders(self, *, chain_id: int | None = None, account: str | None = None, states: tuple[str, ...] = (),
               limit: int = 100) -> list[OrderEntry]:
        return [OrderEntry(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7], r[8], r[9])
                for r in self._select("orders", "created_at DESC", chain_id, account, states, limit)]


def iter_states() -> Iterator[str]:
    yield from ("signed", "sent", "mined", "failed", "rejected", "replaced", "abandoned")


__all__ = ["Journal", "TxEntry", "OrderEntry", "UNFINISHED_TX", "UNFINISHED_ORDER"]
