"""Unsigned gTrade v10 transactions for a short (reference §4): open, increase, decrease, close, cancel.

Everything is in the diamond's units: prices 1e10, leverage 1e3, slippage percent x 1e3, collateral in
the token's decimals, 1-based collateral index. Closes and decreases set the trade's closing slippage
in the same ``multicall`` (the diamond otherwise applies its 1% default).
"""

from __future__ import annotations

from hedgefi.chain.abi import encode_call
from hedgefi.core.errors import InputError
from hedgefi.venues.base import UnsignedTx
from hedgefi.venues.gtrade.constants import codec

ZERO = "0x0000000000000000000000000000000000000000"


def trade_tuple(user: str, pair_index: int, leverage_e3: int, collateral_index: int, collateral_raw: int,
                expected_price_e10: int, *, long: bool = False, tp_e10: int = 0, sl_e10: int = 0) -> dict[str, int | str]:
    """The ``Trade`` for ``openTrade``: index and positionSizeToken 0 (the diamond fills them)."""
    return {"user": user, "index": 0, "pairIndex": pair_index, "leverage": leverage_e3, "long": long, "isOpen": True,
            "collateralIndex": collateral_index, "tradeType": 0, "collateralAmount": collateral_raw,
            "openPrice": expected_price_e10, "tp": tp_e10, "sl": sl_e10, "isCounterTrade": False,
            "positionSizeToken": 0, "__placeholder": 0}


def open_trade_tx(diamond: str, trade: dict[str, int | str], max_slippage_e3: int, description: str) -> UnsignedTx:
    if int(trade["openPrice"]) <= 0:
        raise InputError("gTrade needs the expected price (openPrice) to be non-zero: it is the slippage anchor")
    if max_slippage_e3 <= 0:
        raise InputError("gTrade needs a slippage above 0")
    return UnsignedTx(diamond, codec().encode("openTrade", trade, max_slippage_e3, ZERO), 0, description)


def increase_tx(diamond: str, trade_index: int, collateral_delta_raw: int, leverage_delta_e3: int,
                expected_price_e10: int, max_slippage_e3: int, description: str) -> UnsignedTx:
    if leverage_delta_e3 <= 0 or expected_price_e10 <= 0 or max_slippage_e3 <= 0:
        raise InputError("an increase needs a leverage, an expected price and a slippage above 0")
    data = codec().encode("increasePositionSize", trade_index, collateral_delta_raw, leverage_delta_e3,
                          expected_price_e10, max_slippage_e3)
    return UnsignedTx(diamond, data, 0, description)


def decrease_args(collateral_delta_raw: int, leverage_delta_e3: int) -> tuple[int, int]:
    """gTrade's exactly-one-delta rule for ``decreasePositionSize``, enforced before anything is sent."""
    if (collateral_delta_raw > 0) == (leverage_delta_e3 > 0) or collateral_delta_raw < 0 or leverage_delta_e3 < 0:
        raise InputError("a gTrade decrease takes exactly one non-zero delta: either collateral (same leverage) "
                         "or leverage (same collateral), not both and not neither")
    return collateral_delta_raw, leverage_delta_e3


def decrease_tx(diamond: str, trade_index: int, collateral_delta_raw: int, leverage_delta_e3: int,
                expected_price_e10: int, closing_slippage_e3: int, description: str) -> UnsignedTx:
    cd, ld = decrease_args(collateral_delta_raw, leverage_delta_e3)
    c = codec()
    calls = [c.encode("updateMaxClosingSlippageP", trade_index, closing_slippage_e3),
             c.encode("decreasePositionSize", trade_index, cd, ld, expected_price_e10)]
    return UnsignedTx(diamond, c.encode("multicall", calls), 0, description)


def update_leverage_tx(diamond: str, trade_index: int, new_leverage_e3: int, description: str) -> UnsignedTx:
    """``updateLeverage``: at constant size; a lower leverage pulls the extra collateral (oracle-fulfilled, type 7)."""
    if new_leverage_e3 <= 0:
        raise InputError("a leverage update needs a leverage above 0")
    return UnsignedTx(diamond, codec().encode("updateLeverage", trade_index, new_leverage_e3), 0, description)


def close_tx(diamond: str, trade_index: int, expected_price_e10: int, closing_slippage_e3: int,
             description: str) -> UnsignedTx:
    c = codec()
    calls = [c.encode("updateMaxClosingSlippageP", trade_index, closing_slippage_e3),
             c.encode("closeTradeMarket", trade_index, expected_price_e10)]
    return UnsignedTx(diamond, c.encode("multicall", calls), 0, description)


def cancel_after_timeout_tx(diamond: str, pending_index: int) -> UnsignedTx:
    return UnsignedTx(diamond, codec().encode("cancelOrderAfterTimeout", pending_index), 0,
                      f"gTrade cancelOrderAfterTimeout(pending order {pending_index}): refund a timed-out order",
                      kind="cancel")


def approval_tx(token: str, spender: str, amount_raw: int, symbol: str) -> UnsignedTx:
    data = encode_call("approve(address,uint256)", ["address", "uint256"], [spender, amount_raw])
    return UnsignedTx(token, data, 0, f"approve the gTrade diamond to pull {symbol}", kind="approve")


__all__ = ["trade_tuple", "open_trade_tx", "increase_tx", "decrease_args", "decrease_tx", "update_leverage_tx", "close_tx",
           "cancel_after_timeout_tx", "approval_tx", "ZERO"]
