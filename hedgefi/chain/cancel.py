"""Cancelling a signed transaction that must never be mined: a zero-value self-transfer at its nonce.

A journaled transaction that was signed but is not mined (``signed``, ``sent`` and stuck, ``abandoned``)
keeps a valid signature at a free nonce: anyone holding its bytes could still get it mined. ``plan_cancel``
prepares its replacement: to and from the account, value 0, at the same nonce, with fees at least 10% over
the highest ones signed at that nonce (what nodes ask of a replacement) and at least the network's current
ones. It refuses when the nonce is already used on chain or when the journal has nothing open at it.
``send_cancel`` signs and sends it through the tx pipeline (journaled like every write) and marks what
it replaced. The caller holds the account lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hedgefi.chain.outcome import hex_int, nonce_used
from hedgefi.chain.revert import ErrorDecoder
from hedgefi.core.errors import ChainError, InputError
from hedgefi.core.types import TxSigner, UnsignedTx
from hedgefi.core.units import from_raw

if TYPE_CHECKING:
    from hedgefi.chain.journal import Journal, TxEntry
    from hedgefi.chain.rpc import Connection
    from hedgefi.chain.tx import PreparedTx

OPEN_STATES = ("signed", "sent", "abandoned", "rejected")   # a signature that may still be valid
SELF_TRANSFER_GAS = 21_000


@dataclass(frozen=True, slots=True)
class CancelPlan:
    nonce: int
    replaces: list["TxEntry"]
    prepared: "PreparedTx"

    def as_json(self) -> dict[str, Any]:
        p = self.prepared
        return {"nonce": self.nonce, "replaces": [e.hash for e in self.replaces], "to": p.utx.to, "value": 0,
                "gas": p.gas, "max_fee_per_gas": p.max_fee_per_gas,
                "max_priority_fee_per_gas": p.max_priority_fee_per_gas}


def bumped(fee: int) -> int:
    """``fee`` raised by 10%, rounded up: the least a node takes as a replacement."""
    return (fee * 11 + 9) // 10


def signed_fees(raw_hex: str) -> tuple[int, int]:
    """(maxFeePerGas, maxPriorityFeePerGas) of a signed EIP-1559 transaction."""
    from eth_account.typed_transactions.typed_transaction import TypedTransaction
    from hexbytes import HexBytes

    raw = HexBytes(raw_hex)
    if not raw or raw[0] != 2:
        raise ChainError("only EIP-1559 (type 2) transactions can be cancelled here")
    fields = TypedTransaction.from_bytes(raw).as_dict()
    return int(fields["maxFeePerGas"]), int(fields["maxPriorityFeePerGas"])


def plan_cancel(conn: "Connection", journal: "Journal", account: str, nonce: int, *,
                max_fee_gwei: Decimal) -> CancelPlan:
    from hedgefi.chain.tx import PreparedTx, fetch_fees

    if nonce_used(conn, account, nonce):
        raise InputError(f"nonce {nonce} of {account} is already used on chain (mined): nothing to cancel; "
                         "`hedgefi tx resume` settles the journal")
    entries = [e for e in journal.at_nonce(conn.chain_id, account, nonce) if e.state in OPEN_STATES]
    if not entries:
        raise InputError(f"the journal has no open signed transaction of {account} at nonce {nonce} "
                         "(see `hedgefi tx list`)")
    old_fee = max(signed_fees(e.raw)[0] for e in entries)
    old_tip = max(signed_fees(e.raw)[1] for e in entries)
    fee_now, tip_now = fetch_fees(conn, None)      # what a new transaction would pay now, uncapped
    max_fee = max(bumped(old_fee), fee_now)
    tip = min(max(bumped(old_tip), tip_now), max_fee)
    cap = int(max_fee_gwei * 10**9)
    if max_fee > cap:
        raise InputError(f"replacing nonce {nonce} needs a max fee of {from_raw(max_fee, 9)} gwei, above the cap "
                         f"--max-fee-gwei {max_fee_gwei}; nothing was sent")
    gas = hex_int(conn.request("eth_estimateGas", [{"from": account, "to": account, "value": "0x0"}]))
    utx = UnsignedTx(to=account, data=b"", value=0, kind="cancel",
                     description=f"cancel nonce {nonce} (zero-value self-transfer)")
    prepared = PreparedTx(utx, conn.chain_id, account, nonce, max(gas, SELF_TRANSFER_GAS), max_fee, tip)
    return CancelPlan(nonce, entries, prepared)


def send_cancel(conn: "Connection", signer: TxSigner, plan: CancelPlan, journal: "Journal", *,
                timeout_s: float = 120.0) -> dict[str, Any]:
    """Sign and send the replacement; once it is mined, the entries it replaced are marked ``replaced``."""
    from hedgefi.chain import tx as txp

    txp.check_balance(conn, plan.prepared.sender, [plan.prepared])
    receipt = txp.send(conn, signer, plan.prepared, ErrorDecoder(), journal=journal, timeout_s=timeout_s)
    for e in plan.replaces:
        journal.set_tx(e.hash, "replaced", reason=f"cancelled by {receipt['transactionHash']} "
                                                  f"(zero-value self-transfer at nonce {plan.nonce})")
    return receipt


__all__ = ["CancelPlan", "plan_cancel", "send_cancel", "signed_fees", "bumped", "OPEN_STATES"]
