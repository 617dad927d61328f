"""Value objects every layer passes around: an unsigned transaction, and what can sign one.

``UnsignedTx`` is what a venue builds and the tx pipeline simulates, previews, signs and sends;
``TxSigner`` is the one thing the pipeline needs of a signer (the wallet layer implements it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class UnsignedTx:
    """A transaction a venue built; the tx pipeline simulates, previews, signs and sends it."""

    to: str
    data: bytes
    value: int
    description: str
    kind: str = "order"               # "approve" | "order" | "cancel"

    def as_call(self, sender: str) -> dict[str, Any]:
        return {"from": sender, "to": self.to, "data": "0x" + self.data.hex(), "value": hex(self.value)}


class TxSigner(Protocol):
    """Signs transactions for one address; the key never leaves it."""

    @property
    def address(self) -> str: ...

    def sign_transaction(self, tx: dict[str, Any]) -> bytes: ...


__all__ = ["UnsignedTx", "TxSigner"]
