"""GMX EventEmitter logs: decoding EventLog/EventLog1/EventLog2 and following an order to its end.

``log.data`` is ``(address msgSender, string eventName, EventLogData eventData)``; items are read by key.
``fetch_order_outcome`` polls the logs for the order key until OrderExecuted, OrderCancelled or
OrderFrozen appears (receipt success only means the order was *created*). ``fetch_liquidations`` finds a
trader's liquidated positions (PositionDecrease with orderType Liquidation) from a known block on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hedgefi.chain.logs import follow_logs
from hedgefi.core.units import fmt, from_raw, money
from hedgefi.venues.base import CreatedOrder, OrderOutcome, Receipt
from hedgefi.venues.gmx.constants import codec

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection


def _keccak_text(text: str) -> bytes:
    from eth_utils.crypto import keccak

    return bytes(keccak(text=text))


def event_name_hash(name: str) -> bytes:
    return _keccak_text(name)


@dataclass(frozen=True, slots=True)
class GmxEvent:
    name: str
    topics: tuple[bytes, ...]
    items: dict[str, Any]          # flattened: key -> value across all item kinds
    block: int
    tx_hash: str


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("addressItems", "uintItems", "intItems", "boolItems", "bytes32Items", "bytesItems", "stringItems"):
        for it in data[kind]["items"]:
            out[it["key"]] = it["value"]
        for it in data[kind]["arrayItems"]:
            out[it["key"]] = it["value"]
    return out


@money
def _usd(raw: Any) -> str:
    return fmt(from_raw(int(raw), 30).quantize(Decimal("0.01")))


def decode_log(log: dict[str, Any]) -> GmxEvent | None:
    c = codec("EventEmitter")
    topics = tuple(bytes.fromhex(t[2:]) if isinstance(t, str) else bytes(t) for t in log["topics"])
    for kind in ("EventLog2", "EventLog1", "EventLog"):
        if topics and topics[0] == c.event_topic(kind):
            data = log["data"]
            raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)
            decoded = c.decode_event_data(kind, raw)
            block = log["blockNumber"]
            tx = log["transactionHash"]
            return GmxEvent(decoded["eventName"], topics, _flatten(decoded["eventData"]),
                            int(block, 16) if isinstance(block, str) else int(block),
                            tx if isinstance(tx, str) else "0x" + bytes(tx).hex())
    return None


def events_in_receipt(receipt: dict[str, Any], emitter: str) -> list[GmxEvent]:
    out = []
    for log in receipt["logs"]:
        if str(log["address"]).lower() == emitter.lower():
            ev = decode_log(log)
            if ev:
                out.append(ev)
    return out


TRIGGER_ORDER_TYPES = (3, 5, 6, 8)   # LimitIncrease, LimitDecrease, StopLossDecrease, StopIncrease


def order_keys_from_receipt(receipt: Receipt, emitter: str) -> list[CreatedOrder]:
    """Every order the transaction created, in creation order."""
    return [CreatedOrder("0x" + ev.topics[2].hex(), int(ev.items.get("orderType", 0)) in TRIGGER_ORDER_TYPES)
            for ev in events_in_receipt(receipt, emitter) if ev.name == "OrderCreated"]


def is_order_key(key: str) -> bool:
    """A GMX order key: a bytes32 as 0x-prefixed hex."""
    body = key[2:] if key[:2].lower() == "0x" else ""
    return len(body) == 64 and all(ch in "0123456789abcdefABCDEF" for ch in body)


def fetch_order_outcome(conn: "Connection", emitter: str, key: str, from_block: int,
                        timeout_s: float = 30.0, poll_s: float = 0.25) -> OrderOutcome:
    """Wait for the keeper: the first OrderExecuted / OrderCancelled / OrderFrozen log for ``key``, from
    ``from_block`` on in bounded ranges (``chain.logs``). The filter names the order key (EventLog2's
    indexed topic1, narrower than its account topic2): only this order's own final events come back."""
    from hedgefi.venues.gmx.errors import decoder

    c = codec("EventEmitter")
    finals = ["0x" + event_name_hash(n).hex() for n in ("OrderExecuted", "OrderCancelled", "OrderFrozen")]
    flt = {"address": emitter, "topics": ["0x" + c.event_topic("EventLog2").hex(), finals, key.lower()]}
    # a decrease GMX turned into a full close announces it just before OrderExecuted, in the same transaction
    resized = {"address": emitter, "topics": ["0x" + c.event_topic("EventLog1").hex(),
                                              "0x" + event_name_hash("OrderSizeDeltaAutoUpdated").hex(), key.lower()]}
    closed_whole: dict[str, str] = {}

    def match(log: dict[str, Any]) -> OrderOutcome | None:
        ev = decode_log(log)
        if ev is None:
            return None
        if ev.name == "OrderSizeDeltaAutoUpdated":
            closed_whole[ev.tx_hash] = (
                f"GMX closed the whole position (${_usd(ev.items.get('nextSizeDeltaUsd', 0))} instead of "
                f"${_usd(ev.items.get('sizeDeltaUsd', 0))}): what was left would have been below its minimum")
            return None
        if ev.name == "OrderExecuted":
            return OrderOutcome("executed", key, closed_whole.get(ev.tx_hash, ""), tx_hash=ev.tx_hash)
        reason_bytes = ev.items.get("reasonBytes", b"")
        decoded = decoder().decode(bytes(reason_bytes)) if reason_bytes else None
        reason = decoded.message if decoded else (ev.items.get("reason") or "no reason given")
        return OrderOutcome("cancelled" if ev.name == "OrderCancelled" else "frozen", key, reason,
                            decoded.name if decoded else "", ev.tx_hash)

    found = follow_logs(conn, [flt, resized], from_block, match, timeout_s=timeout_s, poll_s=poll_s)
    return found if found is not None else OrderOutcome("pending", key, "the keeper has not executed it yet")


LIQUIDATION_ORDER_TYPE = 7


def fetch_liquidations(conn: "Connection", emitter: str, account: str, from_block: int,
                       to_block: int | None = None) -> list[GmxEvent]:
    """The account's positions GMX liquidated in ``[from_block, to_block or head]``: its PositionDecrease logs
    (EventLog1, indexed by the trader's address) whose ``orderType`` is Liquidation (7), in chain order."""
    from hedgefi.chain.logs import collect_logs, topic_address

    head = to_block if to_block is not None else int(conn.request("eth_blockNumber", []), 16)
    if from_block <= 0 or from_block > head:
        return []
    c = codec("EventEmitter")
    flt = {"address": emitter, "topics": ["0x" + c.event_topic("EventLog1").hex(),
                                          "0x" + event_name_hash("PositionDecrease").hex(), topic_address(account)]}
    events = (decode_log(log) for log in collect_logs(conn, [flt], from_block, head))
    return [ev for ev in events if ev is not None and int(ev.items.get("orderType", -1)) == LIQUIDATION_ORDER_TYPE]


__all__ = ["GmxEvent", "fetch_liquidations", "LIQUIDATION_ORDER_TYPE", "decode_log", "events_in_receipt", "order_keys_from_receipt", "OrderOutcome",
           "fetch_order_outcome", "event_name_hash", "is_order_key"]
