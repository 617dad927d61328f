"""Raw gTrade state for the differential tests: decoded view calls on the diamond at one pinned block.

``DiamondAt(url, diamond, block)`` runs every ``eth_call`` at that block, so the state, the block's
timestamp and the SDK's ``currentTimestamp`` agree. ``optional`` reads return None when the replica does
not implement a mainnet view (it reverts), so a test can say "not modelled" instead of guessing.
Encoding and decoding use the client's checked-in mainnet ABI (``hedgefi.venues.gtrade.constants.codec``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hedgefi.chain.local import rpc_request
from hedgefi.core.errors import HedgefiError
from hedgefi.venues.gtrade.constants import codec


def latest_block(url: str) -> int:
    return int(rpc_request(url, "eth_blockNumber", []), 16)


def block_timestamp(url: str, block: int) -> int:
    return int(rpc_request(url, "eth_getBlockByNumber", [hex(block), False])["timestamp"], 16)


@dataclass(frozen=True)
class DiamondAt:
    url: str
    diamond: str
    block: int

    def call(self, name: str, *args: Any) -> Any:
        c = codec()
        out = rpc_request(self.url, "eth_call", [{"to": self.diamond, "data": "0x" + c.encode(name, *args).hex()},
                                                 hex(self.block)])
        return c.decode_output(name, bytes.fromhex(out[2:]))

    def optional(self, name: str, *args: Any) -> Any | None:
        """None when the view is not in the client's ABI (not declared) or the diamond reverts (not modelled)."""
        if name not in codec().functions:
            return None
        try:
            return self.call(name, *args)
        except HedgefiError:
            return None

    @property
    def timestamp(self) -> int:
        return block_timestamp(self.url, self.block)


def pair_state(d: DiamondAt, ci: int, pair: int, price_e10: int) -> dict[str, Any]:
    """Everything the SDK needs about one pair (collateral ``ci``) at ``d.block``, decoded, raw units."""
    p = d.call("pairs", pair)
    skew_depth = d.optional("getPairSkewDepth", ci, pair)
    global_fees = d.optional("getGlobalTradeFeeParams")
    depth = d.optional("getPairDepthBandsDecoded", pair)
    before_long, before_short = d.call("getPairOisBeforeV10Collateral", ci, pair)
    acc_long, acc_short, rate = d.call("getPairPendingAccFundingFees", ci, pair, price_e10)
    return {
        "pair": p, "fee": d.call("fees", int(p["feeIndex"])), "spreadP": int(p["spreadP"]),
        "liq_params": d.call("getPairLiquidationParams", pair),
        "collateral": d.call("getCollateral", ci), "collateral_price_e8": int(d.call("getCollateralPriceUsd", ci)),
        "funding_params": d.call("getPairFundingFeeParams", [ci], [pair])[0],
        "funding_data": d.call("getPairFundingFeeData", [ci], [pair])[0],
        "borrowing_params": d.call("getPairBorrowingFeeParams", [ci], [pair])[0],
        "borrowing_data": d.call("getPairBorrowingFeeData", [ci], [pair])[0],
        "oi_token": d.call("getPairOiAfterV10Token", ci, pair),
        "oi_collateral": d.call("getPairOisAfterV10Collateral", [ci], [pair])[0],
        "oi_before_v10": {"long": int(before_long), "short": int(before_short)},
        "skew_depth_e18": int(skew_depth) if skew_depth is not None else None,
        "global_fees": global_fees,
        # cumulative-volume impact's depth (USD above + below); None: not declared / not modelled
        "depth_bands_usd": None if depth is None else int(depth[0]) + int(depth[1]),
        "pending_funding": {"accLong": int(acc_long), "accShort": int(acc_short), "rate": int(rate)},
        "pending_borrowing": int(d.call("getPairPendingAccBorrowingFees", ci, pair, price_e10)),
    }


def trade_state(d: DiamondAt, trader: str, index: int) -> dict[str, Any]:
    return {"trade": d.call("getTrade", trader, index), "info": d.call("getTradeInfo", trader, index),
            "fees_data": d.call("getTradeFeesData", trader, index),
            "liq_params": d.call("getTradeLiquidationParams", trader, index)}


def liq_input(t: dict[str, Any], trader: str, params: dict[str, Any], price_e10: int, *,
              before_opened: bool = False) -> dict[str, Any]:
    """``LiqPriceInput`` for ``getTradeLiquidationPrice`` as reference §6.7 describes it."""
    return {"collateralIndex": t["collateralIndex"], "trader": trader, "pairIndex": t["pairIndex"],
            "index": t["index"], "openPrice": t["openPrice"], "long": t["long"], "collateral": t["collateralAmount"],
            "leverage": t["leverage"], "additionalFeeCollateral": 0, "liquidationParams": params,
            "currentPairPrice": price_e10, "isCounterTrade": t["isCounterTrade"],
            "partialCloseMultiplier": 10**18, "beforeOpened": before_opened}


def diamond_logs(url: str, diamond: str, event: str, from_block: int) -> list[tuple[int, dict[str, Any]]]:
    """Every ``event`` the diamond emitted from ``from_block``: (block number, decoded non-indexed fields)."""
    c = codec()
    logs = rpc_request(url, "eth_getLogs", [{"address": diamond, "fromBlock": hex(from_block), "toBlock": "latest",
                                             "topics": ["0x" + c.event_topic(event).hex()]}])
    return [(int(log["blockNumber"], 16), c.decode_event_data(event, bytes.fromhex(log["data"][2:])))
            for log in logs]


__all__ = ["DiamondAt", "pair_state", "trade_state", "liq_input", "diamond_logs", "latest_block", "block_timestamp"]
