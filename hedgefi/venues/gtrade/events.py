"""Following a gTrade market order from its request to its end (reference §5.3).

The request receipt carries ``MarketOrderInitiated`` / ``PositionSizeUpdateInitiated`` /
``LeverageUpdateInitiated`` (``updateLeverage``, order type 7) with the pending
order id ``(user, index)``: hedgefi's order key is ``"<user>:<index>"``. The outcome is the first diamond
log among MarketExecuted, MarketOpenCanceled, MarketCloseCanceled, PositionSize{Increase,Decrease}Executed,
LeverageUpdateExecuted (``cancelReason`` 0 = executed) and ChainlinkCallbackTimeout whose first data field is that id. The
logs are asked by the indexed trader (topic1 of the Market* events, topic2 of the position-size ones; the
timeout event indexes only its pair), from the order's block on, in bounded ranges (``chain.logs``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hedgefi.chain.logs import follow_logs, topic_address, topic_uint
from hedgefi.venues.base import CreatedOrder, OrderOutcome, Receipt
from hedgefi.venues.gtrade.constants import CANCEL_REASONS, codec

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

INITIATED = ("MarketOrderInitiated", "PositionSizeUpdateInitiated", "LeverageUpdateInitiated")
OUTCOMES = ("MarketExecuted", "MarketOpenCanceled", "MarketCloseCanceled", "PositionSizeIncreaseExecuted",
            "PositionSizeDecreaseExecuted", "LeverageUpdateExecuted", "ChainlinkCallbackTimeout")


def _bytes(x: Any) -> bytes:
    return bytes.fromhex(x[2:]) if isinstance(x, str) else bytes(x)


def order_key(user: str, index: int) -> str:
    return f"{user.lower()}:{int(index)}"


def is_order_key(key: str) -> bool:
    """A gTrade order key: ``<user address>:<pending order index>``."""
    user, sep, index = key.partition(":")
    return bool(sep) and user[:2].lower() == "0x" and len(user) == 42 \
        and all(ch in "0123456789abcdefABCDEF" for ch in user[2:]) and index.isascii() and index.isdigit()


def parse_key(key: str) -> tuple[str, int]:
    from hedgefi.core.errors import InputError

    if not is_order_key(key):
        raise InputError(f"'{key}' is not a gTrade order key (expected <address>:<pending order index>)")
    user, _, index = key.partition(":")
    return user.lower(), int(index)


def _order_id(data: bytes) -> tuple[str, int]:
    return "0x" + data[12:32].hex(), int.from_bytes(data[32:64], "big")


def order_keys_from_receipt(receipt: Receipt, diamond: str) -> list[CreatedOrder]:
    c = codec()
    topics = {"0x" + c.event_topic(n).hex() for n in INITIATED}
    out = []
    for log in receipt["logs"]:
        if str(log["address"]).lower() != diamond.lower() or not log["topics"]:
            continue
        t0 = log["topics"][0] if isinstance(log["topics"][0], str) else "0x" + bytes(log["topics"][0]).hex()
        if t0 in topics:
            user, index = _order_id(_bytes(log["data"]))
            out.append(CreatedOrder(order_key(user, index), False))
    return out


def _outcome(name: str, fields: dict[str, Any], key: str, tx: str) -> OrderOutcome:
    if name == "ChainlinkCallbackTimeout":
        return OrderOutcome("cancelled", key, "no oracle answer in time: cancelled after the timeout, collateral "
                                             "returned", "TIMEOUT", tx)
    reason = int(fields.get("cancelReason", 0))
    if name in ("MarketOpenCanceled", "MarketCloseCanceled") or reason:
        return OrderOutcome("cancelled", key, CANCEL_REASONS.get(reason, f"cancel reason {reason}"),
                            f"CancelReason.{reason}", tx)
    return OrderOutcome("executed", key, tx_hash=tx)


# where each outcome event indexes the trader: topic1 for Market*, topic2 for the position-size events
BY_TRADER_TOPIC1 = ("MarketExecuted", "MarketOpenCanceled", "MarketCloseCanceled")
BY_TRADER_TOPIC2 = ("PositionSizeIncreaseExecuted", "PositionSizeDecreaseExecuted", "LeverageUpdateExecuted")
TIMEOUT = "ChainlinkCallbackTimeout"      # indexes only the pair: filtered by the pairs hedgefi trades


def outcome_filters(diamond: str, user: str, pair_indices: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """The ``eth_getLogs`` filters for one trader's outcomes: never the whole diamond's traffic."""
    c = codec()

    def topics(names: tuple[str, ...]) -> list[str]:
        return ["0x" + c.event_topic(n).hex() for n in names]

    trader = topic_address(user)
    timeout: list[Any] = [topics((TIMEOUT,))]
    if pair_indices:
        timeout.append([topic_uint(i) for i in pair_indices])
    return [{"address": diamond, "topics": [topics(BY_TRADER_TOPIC1), trader]},
            {"address": diamond, "topics": [topics(BY_TRADER_TOPIC2), None, trader]},
            {"address": diamond, "topics": timeout}]


def fetch_order_outcome(conn: "Connection", diamond: str, key: str, from_block: int, timeout_s: float = 30.0,
                        poll_s: float = 0.25, timeout_blocks: int | None = None,
                        pair_indices: tuple[int, ...] = ()) -> OrderOutcome:
    """Wait for the oracles: the first outcome log for ``key`` from ``from_block`` on (the trader's own
    events, in bounded ranges: ``chain.logs``); "pending" after ``timeout_s``."""
    c = codec()
    user, index = parse_key(key)
    by_topic = {"0x" + c.event_topic(n).hex(): n for n in OUTCOMES}

    def match(log: dict[str, Any]) -> OrderOutcome | None:
        data = _bytes(log["data"])
        name = by_topic.get(str(log["topics"][0]).lower())
        if name is None or _order_id(data) != (user, index):
            return None
        return _outcome(name, c.decode_event_data(name, data), key, log["transactionHash"])

    found = follow_logs(conn, outcome_filters(diamond, user, pair_indices), from_block, match,
                        timeout_s=timeout_s, poll_s=poll_s)
    if found is not None:
        return found
    note = "the oracles have not answered yet"
    if timeout_blocks is not None:
        note += (f"; after {timeout_blocks} blocks it can be cancelled for a refund with "
                 f"`hedgefi orders --venue gtrade --cancel {key}`")
    return OrderOutcome("pending", key, note)


__all__ = ["order_key", "parse_key", "is_order_key", "order_keys_from_receipt", "OrderOutcome", "fetch_order_outcome", "OUTCOMES",
           "outcome_filters"]
