"""GMX order building: unsigned transactions for opening, resizing and closing shorts (reference §4-§6, §11).

Every order is one ``ExchangeRouter.multicall`` that funds the OrderVault and creates the order in the
same transaction (the vault is a strict bank), with ``tx.value`` exactly the sum of the ``sendWnt``
amounts. ERC-20 collateral is approved to the *Router* (not the ExchangeRouter), for exactly the amount
needed. Acceptable prices are anchored on GMX's own execution price for the order (``Reader.getExecutionPrice``
at the oracle prices, price impact included; read in the fee context's batch, no extra round trip): a
short increase accepts no less than ``execution price x (1 - slippage)``, a decrease no more than
``execution price x (1 + slippage)``. The execution fee is the DataStore gas estimate x gas price x buffer.
Nothing here signs or sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.multicall import Call, CallResult, fetch_aggregate3_with
from hedgefi.core.units import CONTEXT, money
from hedgefi.venues.base import UnsignedTx
from hedgefi.venues.gmx import keys
from hedgefi.venues.gmx.constants import DEFAULT_FEE_BUFFER, FLOAT, OrderType, codec
from hedgefi.venues.gmx.deployment import ZERO, GmxDeployment

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

ZERO_BYTES32 = b"\0" * 32


@dataclass(frozen=True, slots=True)
class FeeContext:
    """One batched read: fee keys, allowance and balances the order needs."""

    increase_gas_limit: int
    decrease_gas_limit: int
    base_gas: int
    per_oracle_price_gas: int
    multiplier: int
    allowance_raw: int
    collateral_balance_raw: int
    native_balance_wei: int
    gas_price_wei: int
    position_fee_factor: int = 0       # the market's POSITION_FEE_FACTOR (balance worsened), 1e30; 0: not read
    execution_price_e30: int = 0       # Reader.getExecutionPrice's executionPrice for the order (0: not asked)
    price_impact_usd_e30: int = 0      # ... and its priceImpactUsd (1e30 USD; < 0 costs the trader)

    @money
    def position_fee_usd(self, size_usd_e30: int) -> Decimal:
        """GMX's position fee on an order of this size (before referral and pro discounts), USD."""
        return CONTEXT.divide(Decimal(size_usd_e30 * self.position_fee_factor // FLOAT), Decimal(FLOAT))

    @money
    def execution_fee(self, is_increase: bool, buffer: Decimal = DEFAULT_FEE_BUFFER) -> int:
        est = self.increase_gas_limit if is_increase else self.decrease_gas_limit
        gas_limit = self.base_gas + self.per_oracle_price_gas * 3 + est * self.multiplier // FLOAT
        return int((Decimal(gas_limit * self.gas_price_wei) * buffer).to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True, slots=True)
class ExecutionPriceQuery:
    """The arguments of ``Reader.getExecutionPrice`` for one order (``size_delta_usd_e30`` < 0: a decrease)."""

    market: str
    prices: dict[str, dict[str, int]]
    position_size_usd_e30: int
    position_size_tokens_raw: int
    size_delta_usd_e30: int
    pending_impact_amount: int
    is_long: bool = False


def fetch_fee_context(conn: "Connection", d: GmxDeployment, account: str, collateral_token: str,
                      market: str | None = None, execution: ExecutionPriceQuery | None = None) -> FeeContext:
    """One batch: the execution fee keys, the wallet's allowance and balances, the market's position fee
    factor, and (``execution``) GMX's execution price for the order; a Reader revert there is the order's
    own problem (e.g. impact larger than the order) and raised, decoded. The gas price rides in the batch."""
    (r,), (gas,) = fetch_aggregate3_with(conn, [fee_context_calls(conn, d, account, collateral_token, market,
                                                                   execution)], "latest", [("eth_gasPrice", [])])
    return fee_context_from(d, r, gas, market, execution)


def fee_context_calls(conn: "Connection", d: GmxDeployment, account: str, collateral_token: str,
                      market: str | None = None, execution: ExecutionPriceQuery | None = None) -> list[Call]:
    """The Multicall3 calls behind ``fetch_fee_context`` (so several orders' contexts share one batch)."""
    from hedgefi.venues.gmx.releases import reader_codec

    def key(name: str) -> Call:
        return Call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [keys.name_key(name)]))

    calls = [key("INCREASE_ORDER_GAS_LIMIT"), key("DECREASE_ORDER_GAS_LIMIT"),
             key("ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1"), key("ESTIMATED_GAS_FEE_PER_ORACLE_PRICE"),
             key("ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR"),
             Call(collateral_token, encode_call("allowance(address,address)", ["address", "address"], [account, d.router])),
             Call(collateral_token, encode_call("balanceOf(address)", ["address"], [account])),
             Call(conn.profile.multicall3, encode_call("getEthBalance(address)", ["address"], [account]))]
    if market is not None:
        calls.append(Call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"],
                                                    [keys.position_fee_factor_key(market, False)])))
    if execution is not None:
        e = execution
        calls.append(Call(d.reader, reader_codec(d).encode("getExecutionPrice", d.data_store, e.market, e.prices,
                                                           e.position_size_usd_e30, e.position_size_tokens_raw,
                                                           e.size_delta_usd_e30, e.pending_impact_amount, e.is_long)))
    return calls


def fee_context_from(d: GmxDeployment, r: list[CallResult], gas_price_answer: Any, market: str | None = None,
                     execution: ExecutionPriceQuery | None = None) -> FeeContext:
    """``fetch_fee_context`` from the answers to ``fee_context_calls`` and ``eth_gasPrice``."""
    from hedgefi.venues.gmx.releases import reader_codec

    if isinstance(gas_price_answer, Exception):
        raise gas_price_answer
    n = 9 if market is not None else 8
    vals = [int(decode(["uint256"], x.data)[0]) if x.ok else 0 for x in r[:n]]
    exec_price = impact = 0
    if execution is not None:
        res = r[n]
        if not res.ok:
            from hedgefi.core.errors import ChainError
            from hedgefi.venues.gmx.errors import decoder

            raise ChainError(f"GMX Reader.getExecutionPrice refused the order: {decoder().decode(res.data).message}")
        out = reader_codec(d).decode_output("getExecutionPrice", res.data)
        exec_price, impact = int(out["executionPrice"]), int(out["priceImpactUsd"])
    return FeeContext(vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6], vals[7],
                      gas_price_wei=int(gas_price_answer, 16),
                      position_fee_factor=vals[8] if market is not None else 0, execution_price_e30=exec_price,
                      price_impact_usd_e30=impact)


@money
def acceptable_price(index_price_e30: int, max_slippage: Decimal, *, is_long: bool, is_increase: bool) -> int:
    """Floor for a short increase / long decrease, ceiling for a short decrease / long increase."""
    lower = is_long != is_increase   # short increase or long decrease: price may not fall below
    factor = (1 - max_slippage) if lower else (1 + max_slippage)
    return int((Decimal(index_price_e30) * factor).to_integral_value(rounding=ROUND_FLOOR if lower else ROUND_CEILING))


@dataclass
class OrderParams:
    order_type: OrderType
    market: str
    collateral_token: str
    size_delta_usd_raw: int
    collateral_delta_raw: int
    acceptable_price_e30: int
    execution_fee_wei: int
    receiver: str
    trigger_price_e30: int = 0
    is_long: bool = False
    auto_cancel: bool = False

    def as_struct(self) -> dict[str, Any]:
        return {
            "addresses": {"receiver": self.receiver, "cancellationReceiver": ZERO, "callbackContract": ZERO,
                          "uiFeeReceiver": ZERO, "market": self.market,
                          "initialCollateralToken": self.collateral_token, "swapPath": []},
            "numbers": {"sizeDeltaUsd": self.size_delta_usd_raw,
                        "initialCollateralDeltaAmount": self.collateral_delta_raw,
                        "triggerPrice": self.trigger_price_e30, "acceptablePrice": self.acceptable_price_e30,
                        "executionFee": self.execution_fee_wei, "callbackGasLimit": 0, "minOutputAmount": 0,
                        "validFromTime": 0},
            "orderType": int(self.order_type), "decreasePositionSwapType": 0, "isLong": self.is_long,
            "shouldUnwrapNativeToken": False, "autoCancel": self.auto_cancel, "referralCode": ZERO_BYTES32,
            "dataList": [],
        }


@dataclass
class OrderBundle:
    """The entries of one ExchangeRouter.multicall and the value it must carry."""

    entries: list[bytes] = field(default_factory=list)
    value_wei: int = 0
    orders: list[OrderParams] = field(default_factory=list)

    def add(self, d: GmxDeployment, p: OrderParams, *, erc20_collateral: int = 0, wnt_collateral: int = 0) -> None:
        router = codec("ExchangeRouter")
        wnt = p.execution_fee_wei + wnt_collateral
        self.entries.append(router.encode("sendWnt", d.order_vault, wnt))
        self.value_wei += wnt
        if erc20_collateral:
            self.entries.append(router.encode("sendTokens", p.collateral_token, d.order_vault, erc20_collateral))
        self.entries.append(router.encode("createOrder", p.as_struct()))
        self.orders.append(p)

    def tx(self, d: GmxDeployment, description: str) -> UnsignedTx:
        return UnsignedTx(d.exchange_router, codec("ExchangeRouter").encode("multicall", self.entries),
                          self.value_wei, description, "order")


def approval_tx(token: str, spender: str, amount_raw: int, symbol: str) -> UnsignedTx:
    data = encode_call("approve(address,uint256)", ["address", "uint256"], [spender, amount_raw])
    return UnsignedTx(token, data, 0, f"approve {symbol} for the GMX Router (exactly the collateral needed)", "approve")


def cancel_tx(d: GmxDeployment, key: str) -> UnsignedTx:
    data = codec("ExchangeRouter").encode("cancelOrder", bytes.fromhex(key.removeprefix("0x")))
    return UnsignedTx(d.exchange_router, data, 0, f"cancel GMX order {key}", "cancel")


__all__ = ["FeeContext", "ExecutionPriceQuery", "fetch_fee_context", "acceptable_price", "OrderParams", "OrderBundle", "approval_tx",
           "cancel_tx"]
