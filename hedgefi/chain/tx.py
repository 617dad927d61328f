"""The transaction pipeline every write goes through: prepare -> simulate -> (preview, confirm) -> sign -> send -> wait.

- ``prepare``: explicit chain id (the connection checked it against the profile), nonce from ``pending``,
  EIP-1559 fees with a cap, gas from ``eth_estimateGas`` plus a margin, and a check that the native balance
  covers value + gas at the fee cap.
- ``simulate``: ``eth_call`` at the current gas price (so fee checks that read ``tx.gasprice`` fire);
  a revert is decoded by selector into plain words and raised as ``TxRevertedError``.
- ``send``: signs with the ``Signer`` (the key never leaves it), sends the raw bytes, waits for the receipt
  with a timeout. A send error is settled by chain state (``chain.outcome``), never by its text; a
  reverted receipt's reason is found at its own block.
Venue adapters never come here: they only build ``UnsignedTx``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hedgefi.chain.outcome import after_send_error, hex_int, revert_data, revert_reason
from hedgefi.chain.revert import DecodedRevert, ErrorDecoder
from hedgefi.core.errors import ChainError, HedgefiError, InputError
from hedgefi.core.units import from_raw, money
from hedgefi.core.types import TxSigner, UnsignedTx

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection
    from hedgefi.chain.journal import Journal

GAS_MARGIN = Decimal("1.25")
DEFAULT_MAX_FEE_GWEI = Decimal("100")


class TxRevertedError(ChainError):
    """The transaction (or its simulation) reverted; ``decoded`` names the error."""

    def __init__(self, what: str, decoded: DecodedRevert) -> None:
        super().__init__(f"{what} would revert: {decoded.message}")
        self.decoded = decoded


class InsufficientBalanceError(InputError):
    """The wallet cannot pay value + gas."""


@dataclass(frozen=True, slots=True)
class PreparedTx:
    utx: UnsignedTx
    chain_id: int
    sender: str
    nonce: int
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    gas_is_cap: bool = False      # not estimated yet (it depends on the transaction before it): an upper bound
    head_block: int = 0           # the chain's head when it was prepared: it is mined after this (0: unknown)

    @property
    def max_gas_cost_wei(self) -> int:
        return self.gas * self.max_fee_per_gas

    def as_dict(self) -> dict[str, Any]:
        return {"chainId": self.chain_id, "nonce": self.nonce, "to": self.utx.to, "data": self.utx.data,
                "value": self.utx.value, "gas": self.gas, "maxFeePerGas": self.max_fee_per_gas,
                "maxPriorityFeePerGas": self.max_priority_fee_per_gas, "type": 2}

    def preview_json(self) -> dict[str, Any]:
        """Exactly the fields that will be signed (``data`` as hex), for a preview and a later comparison."""
        d = self.as_dict()
        d["data"] = "0x" + self.utx.data.hex()
        d["value"] = str(self.utx.value)
        return d

    def summary(self) -> str:
        return (f"{self.utx.description}: to {self.utx.to}, value {from_raw(self.utx.value, 18)} ETH, "
                f"gas {'up to ' if self.gas_is_cap else ''}{self.gas}"
                f"{' (estimated once the one before it is mined)' if self.gas_is_cap else ''}, "
                f"max fee {from_raw(self.max_fee_per_gas, 9)} gwei")


def raw_call(conn: "Connection", call: dict[str, Any], method: str = "eth_call") -> tuple[Any, dict[str, Any] | None]:
    """A JSON-RPC call that returns (result, error) instead of raising on a revert."""
    params: list[Any] = [call, "latest"] if method == "eth_call" else [call]
    response = conn.raw(method, params)
    return response.get("result"), response.get("error")


def simulate(conn: "Connection", sender: str, utx: UnsignedTx, decoder: ErrorDecoder) -> None:
    call = utx.as_call(sender)
    call["gasPrice"] = hex(hex_int(conn.request("eth_gasPrice", [])))
    _, error = raw_call(conn, call)
    if error:
        data = revert_data(error)
        decoded = decoder.decode(data) if data is not None else DecodedRevert(
            "Unknown", {}, str(error.get("message", error)))
        raise TxRevertedError(utx.description, decoded)


def fetch_gas_estimate(conn: "Connection", sender: str, utx: UnsignedTx, decoder: ErrorDecoder) -> int:
    """``eth_estimateGas`` at the current block (no margin); a revert raises ``TxRevertedError``."""
    gas_hex, error = raw_call(conn, utx.as_call(sender), "eth_estimateGas")
    if error:
        data = revert_data(error)
        raise TxRevertedError(utx.description, decoder.decode(data) if data else DecodedRevert(
            "Unknown", {}, str(error.get("message", error))))
    return hex_int(gas_hex)


def with_margin(gas: int) -> int:
    return int(Decimal(gas) * GAS_MARGIN)


def fetch_fees(conn: "Connection", max_fee_gwei: Decimal | None = DEFAULT_MAX_FEE_GWEI) -> tuple[int, int]:
    """(max fee per gas, priority fee) for a transaction sent now: twice the base fee plus the tip, held
    to ``max_fee_gwei`` (raises ``InputError`` above it; None: no cap, for a dry-run)."""
    max_fee, tip, _ = fetch_fees_and_head(conn, max_fee_gwei)
    return max_fee, tip


@money
def fetch_fees_and_head(conn: "Connection", max_fee_gwei: Decimal | None = DEFAULT_MAX_FEE_GWEI
                        ) -> tuple[int, int, int]:
    """``fetch_fees`` and the number of the head block they were read at (the same request)."""
    block = conn.request("eth_getBlockByNumber", ["latest", False])
    try:
        tip_answer: Any = conn.request("eth_maxPriorityFeePerGas", [])
    except HedgefiError as exc:
        tip_answer = exc
    return fees_from(block, tip_answer, max_fee_gwei)


@money
def fees_from(block: dict[str, Any], tip_answer: Any, max_fee_gwei: Decimal | None = DEFAULT_MAX_FEE_GWEI
              ) -> tuple[int, int, int]:
    """``fetch_fees_and_head`` from the answers to ``eth_getBlockByNumber(latest)`` and
    ``eth_maxPriorityFeePerGas`` (an error answer there: a 0.1 gwei tip)."""
    base_fee = hex_int(block.get("baseFeePerGas", "0x0"))
    tip = 10**8 if isinstance(tip_answer, Exception) else hex_int(tip_answer)
    max_fee = 2 * base_fee + tip
    if max_fee_gwei is not None and max_fee > int(max_fee_gwei * 10**9):
        raise InputError(f"network fees ({from_raw(max_fee, 9)} gwei) are above the cap --max-fee-gwei "
                         f"{max_fee_gwei}; nothing was sent")
    return max_fee, min(tip, max_fee), hex_int(block["number"])


def send_context_requests(sender: str) -> list[tuple[str, list[Any]]]:
    """What ``fees_from`` and the next nonce need, as requests another batch can carry: the head block, the
    priority fee and ``sender``'s pending transaction count."""
    return [("eth_getBlockByNumber", ["latest", False]), ("eth_maxPriorityFeePerGas", []),
            ("eth_getTransactionCount", [sender, "pending"])]


def next_nonce_from(conn: "Connection", sender: str, pending_count: Any, journal: "Journal | None" = None) -> int:
    """``fetch_next_nonce`` from an already read ``pending`` count."""
    if isinstance(pending_count, Exception):
        raise pending_count
    return max(hex_int(pending_count), _journal_floor(conn, sender, journal))


def fetch_next_nonce(conn: "Connection", sender: str, journal: "Journal | None" = None) -> int:
    """The next nonce: the node's ``pending`` count, or one past our own journaled transactions if higher."""
    return next_nonce_from(conn, sender, conn.request("eth_getTransactionCount", [sender, "pending"]), journal)


@money
def prepare(conn: "Connection", sender: str, utx: UnsignedTx, decoder: ErrorDecoder, *,
            nonce: int | None = None, max_fee_gwei: Decimal = DEFAULT_MAX_FEE_GWEI,
            journal: "Journal | None" = None) -> PreparedTx:
    """Simulate, estimate and price ``utx`` for ``sender``; raise before anything is signed."""
    simulate(conn, sender, utx, decoder)
    gas = with_margin(fetch_gas_estimate(conn, sender, utx, decoder))
    max_fee, tip, head = fetch_fees_and_head(conn, max_fee_gwei)
    if nonce is None:
        nonce = fetch_next_nonce(conn, sender, journal)
    return PreparedTx(utx, conn.chain_id, sender, nonce, gas, max_fee, tip, head_block=head)


def _journal_floor(conn: "Connection", sender: str, journal: "Journal | None") -> int:
    """One past our own highest nonce, when the node's ``pending`` count may lag behind it: a transaction
    still in flight, or a mined one whose receipt this chain has (so it really happened here)."""
    if journal is None:
        return 0
    top = journal.highest(conn.chain_id, sender)
    if top is None:
        return 0
    if top.state in ("signed", "sent"):
        known = conn.request("eth_getTransactionByHash", [top.hash]) is not None
        return top.nonce + 1 if known else 0
    return top.nonce + 1 if conn.request("eth_getTransactionReceipt", [top.hash]) else 0


def check_balance(conn: "Connection", sender: str, prepared: list[PreparedTx]) -> None:
    need = sum(p.utx.value + p.max_gas_cost_wei for p in prepared)
    have = hex_int(conn.request("eth_getBalance", [sender, "latest"]))
    if have < need:
        raise InsufficientBalanceError(
            f"the wallet has {from_raw(have, 18)} ETH but these transactions may need up to "
            f"{from_raw(need, 18)} ETH (value + gas at the fee cap); nothing was sent")


def tx_hash_of(raw: bytes) -> str:
    from eth_utils.crypto import keccak

    return "0x" + bytes(keccak(raw)).hex()


def send(conn: "Connection", signer: TxSigner, p: PreparedTx, decoder: ErrorDecoder, *,
         journal: "Journal | None" = None, venue: str | None = None, timeout_s: float = 120.0) -> dict[str, Any]:
    """Sign, journal, send and wait for one prepared transaction; a dropped one is rebroadcast as the same
    bytes, a replaced one is reported. Never signs a second transaction for the same intent."""
    from hedgefi.chain.faults import checkpoint

    if signer.address.lower() != p.sender.lower():
        raise HedgefiError("the signer does not match the prepared sender; nothing was sent")
    raw = signer.sign_transaction(p.as_dict())
    tx_hash = tx_hash_of(raw)
    if journal:
        journal.record_signed(hash=tx_hash, chain_id=p.chain_id, account=p.sender, nonce=p.nonce,
                              raw="0x" + raw.hex(), description=p.utx.description, kind=p.utx.kind, venue=venue,
                              head_block=p.head_block or None)
    checkpoint("after_sign")
    response = conn.raw("eth_sendRawTransaction", ["0x" + raw.hex()])  # a lost answer raises SendOutcomeUnknown
    if "error" in response:
        settle_on_error(conn, tx_hash, p.sender, p.nonce, response["error"], p.utx.description, journal)
    if journal:
        journal.set_tx(tx_hash, "sent")
    checkpoint("after_send")
    receipt = wait_receipt(conn, tx_hash, "0x" + raw.hex(), p.sender, p.nonce, journal=journal, timeout_s=timeout_s)
    if hex_int(receipt["status"]) != 1:
        decoded = revert_reason(conn, receipt, decoder)  # at its block, never at "latest"
        if journal:
            journal.set_tx(tx_hash, "failed", reason=decoded.message)
        raise TxRevertedError(f"{p.utx.description} (tx {tx_hash})", decoded)
    return receipt


def settle_on_error(conn: "Connection", tx_hash: str, sender: str, nonce: int, error: Any, description: str,
                    journal: "Journal | None") -> None:
    """A send the node answered with an error: return if the chain holds the transaction after all (a
    duplicate, a failover node that saw it mined); otherwise journal what the chain shows and raise."""
    verdict = after_send_error(conn, tx_hash, sender, nonce, error)
    if verdict.state == "sent":
        return
    if verdict.state == "unsent":   # journal state stays "signed": resume sends the same bytes again
        raise ChainError(f"the node did not take {description} now ({verdict.reason}); nothing was sent: "
                         "`hedgefi tx resume` sends the same signed transaction again")
    if journal:
        journal.set_tx(tx_hash, verdict.state, reason=verdict.reason)
    if verdict.state == "replaced":
        raise ChainError(f"{description} was not sent: {verdict.reason}")
    raise ChainError(f"the node rejected {description}: {verdict.reason}; nothing was sent")


def wait_receipt(conn: "Connection", tx_hash: str, raw_hex: str, sender: str, nonce: int, *,
                 journal: "Journal | None" = None, timeout_s: float = 120.0, poll_s: float = 0.1,
                 rebroadcast_after_s: float = 3.0) -> dict[str, Any]:
    """Wait for the receipt; if the node forgot the transaction, send the same signed bytes again."""
    deadline = time.monotonic() + timeout_s
    next_check = time.monotonic() + rebroadcast_after_s
    while True:
        receipt = conn.request("eth_getTransactionReceipt", [tx_hash])
        if receipt:
            if journal:
                journal.set_tx(tx_hash, "mined" if hex_int(receipt["status"]) == 1 else "failed",
                               block=hex_int(receipt["blockNumber"]))
            return dict(receipt)
        now = time.monotonic()
        if now > deadline:
            raise ChainError(f"transaction {tx_hash} was not mined within {timeout_s:.0f} s; it is in the journal: "
                             "`hedgefi tx status` / `hedgefi tx resume` follow it (do not resend by hand)")
        if now > next_check:
            next_check = now + rebroadcast_after_s
            if conn.request("eth_getTransactionByHash", [tx_hash]) is None:
                latest = hex_int(conn.request("eth_getTransactionCount", [sender, "latest"]))
                if latest > nonce:
                    time.sleep(1.0)  # a load-balanced RPC may lag: look once more before calling it replaced
                    if conn.request("eth_getTransactionReceipt", [tx_hash]) or \
                            conn.request("eth_getTransactionByHash", [tx_hash]):
                        continue
                    if journal:
                        journal.set_tx(tx_hash, "replaced", reason="another transaction used its nonce")
                    raise ChainError(f"transaction {tx_hash} was replaced: another transaction used nonce {nonce}")
                conn.raw("eth_sendRawTransaction", [raw_hex])  # dropped: the same bytes again
        time.sleep(poll_s)


__all__ = ["TxRevertedError", "InsufficientBalanceError", "PreparedTx", "simulate", "prepare", "check_balance",
           "fetch_gas_estimate", "fetch_fees", "fetch_fees_and_head", "fetch_next_nonce", "with_margin",
           "send", "raw_call", "wait_receipt", "tx_hash_of", "settle_on_error"]
