"""What the chain says happened to a transaction, rather than what a node's message says.

- ``after_send_error(conn, tx_hash, sender, nonce, error)``: a node answered ``eth_sendRawTransaction``
  with an error object. Its text is never parsed and its code is not trusted alone (geth answers -32000
  for nearly everything, anvil -32003; a failover node answers "nonce too low" for the very transaction
  another node already took): the chain decides, by the hash (keccak of the signed bytes, computed
  locally) and the sender's ``latest`` nonce. Known or mined -> ``sent``; its nonce consumed by another
  transaction -> ``replaced``; otherwise ``rejected`` with the node's code and message, or ``unsent``
  when the code says the node could not look at it now (EIP-1474 -32002 resource unavailable, -32005
  limit exceeded), so the same signed bytes may be sent again.
- ``revert_reason(conn, receipt, decoder)``: why a mined transaction reverted, at its own block:
  ``debug_traceTransaction`` (callTracer, which replays the transactions before it in its block) when the
  node serves it, else ``eth_call`` at ``blockNumber - 1`` with the transaction's from/to/data/value/gas.
  Never at ``latest``: the state there may no longer revert, or revert for another reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hedgefi.chain.revert import DecodedRevert, ErrorDecoder

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

# EIP-1474 codes that say "not now" rather than "never": the node did not judge the transaction
TRANSIENT_SEND_CODES = {-32002: "resource unavailable", -32005: "limit exceeded"}


@dataclass(frozen=True, slots=True)
class SendVerdict:
    state: str            # "sent" | "replaced" | "rejected" | "unsent"
    reason: str           # the node's words (with its code), or what the chain showed
    code: int | None = None


def hex_int(v: Any) -> int:
    return int(v, 16) if isinstance(v, str) else int(v)


def revert_data(error: Any) -> bytes | None:
    """Revert bytes from a JSON-RPC error object (``data`` as a hex string, or nested under ``data.data``)."""
    if isinstance(error, dict):
        data = error.get("data")
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
    return None


def node_words(error: Any) -> tuple[str, int | None]:
    """The node's message and code, for people and the journal (never for deciding)."""
    if isinstance(error, dict):
        code = error.get("code")
        code = code if isinstance(code, int) else None
        message = str(error.get("message", error))
        return (f"{message} (code {code})" if code is not None else message), code
    return str(error), None


def is_known(conn: "Connection", tx_hash: str) -> bool:
    """The node holds this exact transaction, in its pool or in a block."""
    if conn.request("eth_getTransactionByHash", [tx_hash]) is not None:
        return True
    return conn.request("eth_getTransactionReceipt", [tx_hash]) is not None


def nonce_used(conn: "Connection", sender: str, nonce: int) -> bool:
    return hex_int(conn.request("eth_getTransactionCount", [sender, "latest"])) > nonce


def after_send_error(conn: "Connection", tx_hash: str, sender: str, nonce: int, error: Any, *,
                     settle_s: float = 1.0) -> SendVerdict:
    """Classify a send the node answered with ``error`` by asking the chain about ``tx_hash`` and ``nonce``."""
    words, code = node_words(error)
    if is_known(conn, tx_hash):
        return SendVerdict("sent", f"the node answered {words!r} but holds the transaction", code)
    if nonce_used(conn, sender, nonce):
        time.sleep(settle_s)  # a load-balanced RPC may lag: look once more before calling it replaced
        if is_known(conn, tx_hash):
            return SendVerdict("sent", f"the node answered {words!r} but holds the transaction", code)
        return SendVerdict("replaced", f"another transaction used nonce {nonce} (the node answered {words})", code)
    if code in TRANSIENT_SEND_CODES:
        return SendVerdict("unsent", f"{words}: {TRANSIENT_SEND_CODES[code]}", code)
    return SendVerdict("rejected", words, code)


def revert_reason(conn: "Connection", receipt: dict[str, Any], decoder: ErrorDecoder, *,
                  trace: bool = True) -> DecodedRevert:
    """Why the transaction of ``receipt`` reverted, decoded at its own block (see the module docstring);
    ``trace=False`` skips ``debug_traceTransaction``."""
    if not trace:
        return _reason_by_call(conn, receipt, decoder)
    tx_hash = str(receipt["transactionHash"])
    traced = conn.raw("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
    frame = traced.get("result")
    if isinstance(frame, dict) and frame.get("error"):
        output = frame.get("output")
        if isinstance(output, str) and len(output) > 2:
            return decoder.decode(output)
        return DecodedRevert("Unknown", {}, f"reverted on chain: {frame['error']}")
    return _reason_by_call(conn, receipt, decoder)


def _reason_by_call(conn: "Connection", receipt: dict[str, Any], decoder: ErrorDecoder) -> DecodedRevert:
    tx = conn.request("eth_getTransactionByHash", [receipt["transactionHash"]])
    block = hex_int(receipt["blockNumber"])
    if tx is None:
        return DecodedRevert("Unknown", {}, "reverted on chain (the node no longer has the transaction to re-run)")
    call = {"from": tx["from"], "to": tx.get("to"), "data": tx.get("input", "0x"), "value": tx.get("value", "0x0"),
            "gas": tx["gas"]}
    response = conn.raw("eth_call", [call, hex(max(block - 1, 0))])
    if "error" not in response:
        return DecodedRevert("Unknown", {}, f"reverted on chain; re-run at block {block - 1} it does not revert "
                                            "(it depended on a transaction before it in its block)")
    data = revert_data(response["error"])
    if data:
        return decoder.decode(data)
    return DecodedRevert("Unknown", {}, f"reverted on chain: {node_words(response['error'])[0]}")


__all__ = ["SendVerdict", "TRANSIENT_SEND_CODES", "after_send_error", "revert_reason", "revert_data", "node_words",
           "is_known", "nonce_used", "hex_int"]
