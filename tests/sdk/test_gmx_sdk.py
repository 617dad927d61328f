"""hedgefi's GMX numbers and calldata against GMX's official SDK (``@gmx-io/sdk`` 1.4.0), on the devnet.

Each test produces hedgefi's figure the way a user gets it (a plan, a position, a quote, the fee context) and
the SDK's figure from the raw on-chain values (Reader MarketInfo / PositionInfo, DataStore) through the SDK's
own functions (``tests/sdk/gmx_bridge.cjs``): createOrder multicall calldata (byte for byte), DataStore keys,
the execution fee, funding and borrowing per period, PnL, pending fees and the liquidation price. The v2.2c
part uses the session devnet; a small v2.2b part starts one devnet of its own in that release's layouts.
The last test prints the largest relative difference per quantity and writes it as JSON to
``$HEDGEFI_SDK_DIFF_REPORT_GMX`` when that is set.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from hedgefi.core.units import CONTEXT
from hedgefi.sim import control
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gmx import keys, reads
from hedgefi.venues.gmx.adapter import GmxVenue
from hedgefi.venues.gmx.constants import FLOAT, SECONDS_PER_YEAR
from hedgefi.venues.gmx.deployment import GmxDeployment
from hedgefi.venues.gmx.releases import reader_codec
from tests.helpers import run_cli, send, short_position
from tests.sdk.gmx_sdk import GmxSdk, Raw, sdk_available

pytestmark = [pytest.mark.devnet,
              pytest.mark.skipif(not sdk_available(), reason="node or node_modules/@gmx-io/sdk is missing")]

ZERO = "0x" + "00" * 20
TOLERANCE = Decimal("1e-6")   # relative, for every number a user reads (calldata and keys: identical)

LARGEST: dict[str, Decimal] = {}     # quantity -> largest relative difference seen in this session
SAMPLES: dict[str, int] = {}


def rel(ours: Decimal | int, theirs: Decimal | int) -> Decimal:
    a, b = Decimal(ours), Decimal(theirs)
    if a == b:
        return Decimal(0)
    return CONTEXT.divide(abs(a - b), max(abs(a), abs(b)))


def record(quantity: str, ours: Decimal | int, theirs: Decimal | int, tolerance: Decimal = TOLERANCE) -> None:
    d = rel(ours, theirs)
    LARGEST[quantity] = max(LARGEST.get(quantity, Decimal(0)), d)
    SAMPLES[quantity] = SAMPLES.get(quantity, 0) + 1
    assert d <= tolerance, f"{quantity}: hedgefi {ours} vs GMX SDK {theirs} (relative difference {d})"


def record_bytes(quantity: str, ours: bytes, theirs_hex: str) -> None:
    theirs = bytes.fromhex(theirs_hex.removeprefix("0x"))
    differing = sum(x != y for x, y in zip(ours, theirs)) + abs(len(ours) - len(theirs))
    LARGEST[quantity] = max(LARGEST.get(quantity, Decimal(0)), Decimal(differing))
    SAMPLES[quantity] = SAMPLES.get(quantity, 0) + 1
    assert ours == theirs, f"{quantity}: {differing} bytes differ\nhedgefi 0x{ours.hex()}\nGMX SDK {theirs_hex}"


def usd(raw: int | str) -> Decimal:
    return CONTEXT.divide(Decimal(int(raw)), Decimal(FLOAT))


# ---------------------------------------------------------------------------------------------- fixtures


# ---------------------------------------------------------------------------------------------- the SDK's view
def _checksum(a: str) -> str:
    return reads.to_checksum(a)


def sdk_for(conn: Any, d: GmxDeployment) -> GmxSdk:
    """A batch that starts by teaching the SDK this devnet's contracts and tokens."""
    sdk = GmxSdk()
    tokens = [{"address": _checksum(t.address), "symbol": t.symbol, "decimals": t.decimals,
               "isWrapped": t.address.lower() == d.wnt.lower()} for t in conn.profile.tokens]
    tokens.append({"address": ZERO, "symbol": "ETH", "decimals": 18, "isNative": True,
                   "wrappedAddress": _checksum(d.wnt)})
    sdk.register_chain(conn.profile.chain_id, {"OrderVault": _checksum(d.order_vault),
                                               "ExchangeRouter": _checksum(d.exchange_router),
                                               "DataStore": _checksum(d.data_store),
                                               "ExternalHandler": ZERO}, tokens)   # looked up, unused: no swaps
    return sdk


def _eth_call(conn: Any, to: str, data: bytes) -> bytes:
    return bytes.fromhex(conn.request("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])[2:])


def _uint(conn: Any, d: GmxDeployment, key: bytes, kind: str = "Uint") -> int:
    from hedgefi.chain.abi import decode, encode_call

    out = _eth_call(conn, d.data_store, encode_call(f"get{kind}(bytes32)", ["bytes32"], [key]))
    return int(decode(["uint256"], out)[0])


def _market(conn: Any, d: GmxDeployment, asset: str = "ETH") -> tuple[reads.Snapshot, reads.GmxMarket]:
    snap = reads.fetch_snapshot(conn, d)
    return snap, snap.market_by_asset(asset)[0]


def token_data(snap: reads.Snapshot, address: str) -> dict[str, Any]:
    """A token as the SDK's TokensData holds it: prices per whole token x 1e30."""
    meta = snap.tokens[address.lower()]
    whole = snap.prices_e30[address.lower()] * 10**meta.decimals
    return {"address": _checksum(address), "symbol": meta.symbol, "decimals": Raw(meta.decimals),
            "prices": {"minPrice": whole, "maxPrice": whole}}


def market_info(conn: Any, d: GmxDeployment, snap: reads.Snapshot, m: reads.GmxMarket) -> dict[str, Any]:
    """The SDK's MarketInfo, from the Reader's raw MarketInfo and the DataStore's raw values."""
    reader = reader_codec(d)
    info = reader.decode_output("getMarketInfo", _eth_call(conn, d.reader, reader.encode(
        "getMarketInfo", d.data_store, snap.market_prices(m), m.key)))
    divisor = 2 if m.long_token.lower() == m.short_token.lower() else 1

    def oi(name: str, is_long: bool) -> int:   # OPEN_INTEREST / OPEN_INTEREST_IN_TOKENS over both collaterals
        return sum(_uint(conn, d, keys._param_key(name, ["address", "address", "bool"], [m.key, t, is_long]))
                   for t in (m.long_token, m.short_token)) // divisor

    def per_market(name: str, *extra: tuple[str, Any]) -> int:
        return _uint(conn, d, keys._param_key(name, ["address", *[t for t, _ in extra]], [m.key, *[v for _, v in extra]]))

    nf = info["nextFunding"]
    return {
        "marketTokenAddress": _checksum(m.key),
        "indexToken": token_data(snap, m.index_token), "longToken": token_data(snap, m.long_token),
        "shortToken": token_data(snap, m.short_token),
        "fundingFactorPerSecond": int(nf["fundingFactorPerSecond"]), "longsPayShorts": bool(nf["longsPayShorts"]),
        "borrowingFactorPerSecondForLongs": int(info["borrowingFactorPerSecondForLongs"]),
        "borrowingFactorPerSecondForShorts": int(info["borrowingFactorPerSecondForShorts"]),
        "longInterestUsd": oi("OPEN_INTEREST", True), "shortInterestUsd": oi("OPEN_INTEREST", False),
        "longInterestInTokens": oi("OPEN_INTEREST_IN_TOKENS", True),
        "shortInterestInTokens": oi("OPEN_INTEREST_IN_TOKENS", False),
        "useOpenInterestInTokensForBalance": bool(_uint(conn, d, keys.name_key("USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE"),
                                                        "Bool")),
        "virtualInventoryForPositions": int(info["virtualInventory"]["virtualInventoryForPositions"]),
        "positionFeeFactorForBalanceWasImproved": _uint(conn, d, keys.position_fee_factor_key(m.key, True)),
        "positionFeeFactorForBalanceWasNotImproved": _uint(conn, d, keys.position_fee_factor_key(m.key, False)),
        "positionImpactFactorPositive": per_market("POSITION_IMPACT_FACTOR", ("bool", True)),
        "positionImpactFactorNegative": per_market("POSITION_IMPACT_FACTOR", ("bool", False)),
        "positionImpactExponentFactorPositive": per_market("POSITION_IMPACT_EXPONENT_FACTOR", ("bool", True)),
        "positionImpactExponentFactorNegative": per_market("POSITION_IMPACT_EXPONENT_FACTOR", ("bool", False)),
        "maxPositionImpactFactorPositive": per_market("MAX_POSITION_IMPACT_FACTOR", ("bool", True)),
        "maxPositionImpactFactorNegative": per_market("MAX_POSITION_IMPACT_FACTOR", ("bool", False)),
        "maxPositionImpactFactorForLiquidations": _uint(conn, d, keys.max_position_impact_factor_for_liquidations_key(m.key)),
        "minCollateralFactor": _uint(conn, d, keys.min_collateral_factor_key(m.key)),
        "minCollateralFactorForLiquidation": _uint(conn, d, keys.min_collateral_factor_for_liquidation_key(m.key)),
    }


def raw_position(conn: Any, d: GmxDeployment, snap: reads.Snapshot, account: str) -> dict[str, Any]:
    """The account's one position in a market hedgefi prices, as the Reader returns it (decoded in the
    deployment's release layout); the demo wallet also holds one in a market hedgefi cannot price."""
    reader = reader_codec(d)
    by_key = {m.key.lower(): m for m in snap.markets}
    listed = reader.decode_output("getAccountPositions", _eth_call(conn, d.reader, reader.encode(
        "getAccountPositions", d.data_store, account, 0, 100)))
    (p,) = [p for p in listed if p["addresses"]["market"].lower() in by_key]
    a = p["addresses"]
    key = keys.position_key(account, a["market"], a["collateralToken"], bool(p["flags"]["isLong"]))
    info = reader.decode_output("getPositionInfo", _eth_call(conn, d.reader, reader.encode(
        "getPositionInfo", d.data_store, d.referral_storage, key, snap.market_prices(by_key[a["market"].lower()]), 0,
        ZERO, True)))
    return info  # type: ignore[no-any-return]


def sdk_position(info: dict[str, Any]) -> dict[str, Any]:
    n, f = info["position"]["numbers"], info["fees"]
    return {"sizeInUsd": int(n["sizeInUsd"]), "sizeInTokens": int(n["sizeInTokens"]),
            "collateralAmount": int(n["collateralAmount"]), "isLong": bool(info["position"]["flags"]["isLong"]),
            "pendingImpactAmount": int(n["pendingImpactAmount"]),
            "fundingFeeAmount": int(f["funding"]["fundingFeeAmount"]),
            "claimableLongTokenAmount": int(f["funding"]["claimableLongTokenAmount"]),
            "claimableShortTokenAmount": int(f["funding"]["claimableShortTokenAmount"]),
            "pendingBorrowingFeesUsd": int(f["borrowing"]["borrowingFeeUsd"])}


# ---------------------------------------------------------------------------------------------- (a) calldata
def execution_price(conn: Any, d: GmxDeployment, m: reads.GmxMarket, snap: reads.Snapshot, size_delta_e30: int,
                    position_usd_e30: int = 0, position_tokens_raw: int = 0) -> dict[str, Any]:
    """``Reader.getExecutionPrice`` for a short order of ``size_delta_e30`` (< 0: a decrease), as GMX answers."""
    reader = reader_codec(d)
    out = reader.decode_output("getExecutionPrice", _eth_call(conn, d.reader, reader.encode(
        "getExecutionPrice", d.data_store, m.key, snap.market_prices(m), position_usd_e30, position_tokens_raw,
        size_delta_e30, 0, False)))
    return out  # type: ignore[no-any-return]


def _whole_execution_price(conn: Any, d: GmxDeployment, m: reads.GmxMarket, snap: reads.Snapshot, size_delta_e30: int,
                           position: Any = None) -> int:
    """The acceptable price the SDK's order builders take (before slippage, per whole token): GMX's execution
    price for the order, impact included, as GMX's UI takes it from ``getAcceptablePriceInfo``."""
    usd = position.size_usd_e30 if position is not None else 0
    tokens = int(position.size_tokens * 10**m.index_decimals) if position is not None else 0
    return int(execution_price(conn, d, m, snap, size_delta_e30, usd, tokens)["executionPrice"]) * 10**m.index_decimals


def _increase_params(conn: Any, d: GmxDeployment, m: reads.GmxMarket, snap: reads.Snapshot, account: str,
                     size_raw: int, collateral_raw: int, fee_wei: int, slippage: Decimal) -> dict[str, Any]:
    whole = _whole_execution_price(conn, d, m, snap, size_raw)
    return {"chainId": Raw(conn.profile.chain_id), "receiver": _checksum(account), "payTokenAddress": _checksum(d.usdc),
            "payTokenAmount": collateral_raw, "executionFeeAmount": fee_wei, "swapPath": [],
            "marketAddress": _checksum(m.key), "indexTokenAddress": _checksum(m.index_token), "isLong": False,
            "sizeDeltaUsd": size_raw, "acceptablePrice": whole, "allowedSlippage": Raw(int(slippage * 10_000)),
            "orderType": Raw(2), "autoCancel": False, "collateralTokenAddress": _checksum(d.usdc),
            "executionGasLimit": 0}


def _decrease_params(conn: Any, d: GmxDeployment, m: reads.GmxMarket, snap: reads.Snapshot, account: str,
                     size_raw: int, fee_wei: int, slippage: Decimal, position: Any = None) -> dict[str, Any]:
    whole = _whole_execution_price(conn, d, m, snap, -size_raw, position)
    return {"chainId": Raw(conn.profile.chain_id), "receiver": _checksum(account), "executionFeeAmount": fee_wei,
            "swapPath": [], "marketAddress": _checksum(m.key), "indexTokenAddress": _checksum(m.index_token),
            "isLong": False, "collateralTokenAddress": _checksum(d.usdc), "collateralDeltaAmount": 0,
            "sizeDeltaUsd": size_raw, "acceptablePrice": whole, "allowedSlippage": Raw(int(slippage * 10_000)),
            "minOutputUsd": 0, "receiveTokenAddress": _checksum(d.usdc), "decreasePositionSwapType": Raw(0),
            "orderType": Raw(4), "autoCancel": False, "executionGasLimit": 0}


def _wei(eth: Decimal) -> int:
    return int(eth * 10**18)


# ---------------------------------------------------------------------------------------------- tests (v2.2c)
def test_sdk_bridge_is_the_pinned_sdk() -> None:
    sdk = GmxSdk()
    version = sdk.version()
    sdk.run()
    pinned = json.loads((Path(__file__).resolve().parents[2] / "package.json").read_text())["devDependencies"]
    assert version.value == pinned["@gmx-io/sdk"] == "1.4.0"


def test_createorder_calldata_is_byte_identical_for_increase_decrease_and_close(conn, demo) -> None:  # type: ignore[no-untyped-def]
    _calldata_round(conn, demo, GmxVenue(conn), "v2.2c")


def _calldata_round(conn: Any, demo: Any, v: GmxVenue, label: str,
                    while_open: Callable[[], None] | None = None) -> None:
    """Increase (plan, compare, send), then decrease and close plans compared while the short is open."""
    suffix = "" if label == "v2.2c" else f" ({label})"
    req = ShortRequest("ETH", Decimal("10000"))
    plan = v.plan_short(demo.address, req)
    snap, m = _market(conn, v.d)
    sdk = sdk_for(conn, v.d)
    inc = sdk.increase_calldata(_increase_params(conn, v.d, m, snap, demo.address, 10_000 * FLOAT,
                                                 int(plan.collateral_amount * 10**6), _wei(plan.execution_fee_eth),
                                                 req.max_slippage))
    sdk.run()
    record_bytes(f"createOrder multicall calldata, increase{suffix}", plan.txs[-1].data, inc.value["callData"])
    assert int(inc.value["value"]) == plan.txs[-1].value and inc.value["methods"] == ["sendWnt", "sendTokens",
                                                                                       "createOrder"]
    r = send(conn, v, demo, plan.txs)
    assert r.all_executed, r.orders
    p = short_position(v, demo.address)
    assert p is not None and p.size_usd == 10_000
    if while_open is not None:
        while_open()
        p = short_position(v, demo.address)
        assert p is not None

    decrease = v.plan_short(demo.address, ShortRequest("ETH", Decimal("-4000")), existing=p)
    close = v.plan_short(demo.address, ShortRequest("ETH", -p.size_usd, close=True), existing=p)
    snap, m = _market(conn, v.d)
    sdk = sdk_for(conn, v.d)
    dec = sdk.decrease_calldata(_decrease_params(conn, v.d, m, snap, demo.address, 4_000 * FLOAT,
                                                 _wei(decrease.execution_fee_eth), req.max_slippage, p))
    cls = sdk.decrease_calldata(_decrease_params(conn, v.d, m, snap, demo.address, p.size_usd_e30,
                                                 _wei(close.execution_fee_eth), req.max_slippage, p))
    sdk.run()
    record_bytes(f"createOrder multicall calldata, decrease{suffix}", decrease.txs[-1].data, dec.value["callData"])
    record_bytes(f"createOrder multicall calldata, close{suffix}", close.txs[-1].data, cls.value["callData"])
    assert [int(dec.value["value"]), int(cls.value["value"])] == [decrease.txs[-1].value, close.txs[-1].value]
    assert send(conn, v, demo, close.txs).all_executed and short_position(v, demo.address) is None


def test_datastore_keys_match_the_sdk() -> None:
    """Every DataStore key hedgefi computes, against ``configs/dataStore.js`` (or, for the few keys the SDK's
    table lacks, the SDK's own ``hashData`` of the Keys.sol name)."""
    market, weth, usdc = ("0x70d95587d40A2caf56bd97485aB3Eec10Bee6336", "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1",
                          "0xaf88d065e77c8cC2239327C5EDb3A432268e5831")
    account, data_store = "0x" + "11" * 20, "0xFD70de6b91282D8017aA4E741e9Ae325CAb992d8"
    oracle = "0x7F01614cA5198Ec979B1aAd1DAF0DE7e0a215BDF"
    sdk = GmxSdk()
    pairs: list[tuple[str, bytes, Any]] = []

    def by_fn(label: str, ours: bytes, fn: str, *args: Any) -> None:
        pairs.append((label, ours, sdk.key(fn, *args)))

    def by_name(label: str, ours: bytes, name: str, types: list[str], values: list[Any]) -> None:
        pairs.append((label, ours, sdk.hash_data(name, types, values)))

    for name in ("MIN_POSITION_SIZE_USD", "MIN_COLLATERAL_USD", "INCREASE_ORDER_GAS_LIMIT", "DECREASE_ORDER_GAS_LIMIT",
                 "SINGLE_SWAP_GAS_LIMIT", "MARKET_LIST", "ORDER_LIST", "NONCE", "MAX_AUTO_CANCEL_ORDERS",
                 "REQUEST_EXPIRATION_TIME", "USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE",
                 "ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1", "ESTIMATED_GAS_FEE_PER_ORACLE_PRICE",
                 "ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR"):
        const = {"MIN_POSITION_SIZE_USD": "MIN_POSITION_SIZE_USD_KEY", "MIN_COLLATERAL_USD": "MIN_COLLATERAL_USD_KEY",
                 "INCREASE_ORDER_GAS_LIMIT": "INCREASE_ORDER_GAS_LIMIT_KEY",
                 "DECREASE_ORDER_GAS_LIMIT": "DECREASE_ORDER_GAS_LIMIT_KEY",
                 "SINGLE_SWAP_GAS_LIMIT": "SINGLE_SWAP_GAS_LIMIT_KEY", "MARKET_LIST": "MARKET_LIST_KEY",
                 "ORDER_LIST": "ORDER_LIST_KEY", "NONCE": "NONCE_KEY", "MAX_AUTO_CANCEL_ORDERS": "MAX_AUTO_CANCEL_ORDERS_KEY",
                 "REQUEST_EXPIRATION_TIME": "REQUEST_EXPIRATION_TIME_KEY"}.get(name, name)
        pairs.append((name, keys.name_key(name), sdk.key_constant(const)))
    for is_long in (True, False):
        for token in (weth, usdc):
            by_fn(f"openInterestKey(m, {token[:6]}, {is_long})", keys.open_interest_key(market, token, is_long),
                  "openInterestKey", market, token, is_long)
        by_fn(f"maxOpenInterestKey(m, {is_long})", keys.max_open_interest_key(market, is_long),
              "maxOpenInterestKey", market, is_long)
        by_fn(f"reserveFactorKey(m, {is_long})", keys.reserve_factor_key(market, is_long), "reserveFactorKey",
              market, is_long)
        by_fn(f"openInterestReserveFactorKey(m, {is_long})", keys.open_interest_reserve_factor_key(market, is_long),
              "openInterestReserveFactorKey", market, is_long)
        by_fn(f"positionFeeFactorKey(m, {is_long})", keys.position_fee_factor_key(market, is_long),
              "positionFeeFactorKey", market, is_long)
        by_fn(f"borrowingFactorKey(m, {is_long})", keys.borrowing_factor_key(market, is_long), "borrowingFactorKey",
              market, is_long)
        # v2.2c's per-side form: the SDK's maxFundingFactorPerSecondKey(market) is v2.2b's (reference §10.2)
        by_name(f"MAX_FUNDING_FACTOR_PER_SECOND(m, {is_long})", keys.max_funding_factor_per_second_key(market, is_long),
                "MAX_FUNDING_FACTOR_PER_SECOND", ["address", "bool"], [market, is_long])
    for token in (weth, usdc):
        by_fn(f"poolAmountKey(m, {token[:6]})", keys.pool_amount_key(market, token), "poolAmountKey", market, token)
        by_fn(f"priceFeedKey({token[:6]})", keys.price_feed_key(token), "priceFeedKey", token)
        by_name(f"PRICE_FEED_MULTIPLIER({token[:6]})", keys.price_feed_multiplier_key(token), "PRICE_FEED_MULTIPLIER",
                ["address"], [token])
        by_name(f"ORACLE_PROVIDER_FOR_TOKEN(oracle, {token[:6]})", keys.oracle_provider_for_token_key(oracle, token),
                "ORACLE_PROVIDER_FOR_TOKEN", ["address", "address"], [oracle, token])
    by_fn("isMarketDisabledKey(m)", keys.is_market_disabled_key(market), "isMarketDisabledKey", market)
    by_fn("minCollateralFactorKey(m)", keys.min_collateral_factor_key(market), "minCollateralFactorKey", market)
    by_fn("minCollateralFactorForLiquidationKey(m)", keys.min_collateral_factor_for_liquidation_key(market),
          "minCollateralFactorForLiquidationKey", market)
    by_fn("maxPositionImpactFactorForLiquidationsKey(m)", keys.max_position_impact_factor_for_liquidations_key(market),
          "maxPositionImpactFactorForLiquidationsKey", market)
    by_fn("fundingFactorKey(m)", keys.funding_factor_key(market), "fundingFactorKey", market)
    by_fn("fundingExponentFactorKey(m)", keys.funding_exponent_factor_key(market), "fundingExponentFactorKey", market)
    by_fn("accountOrderListKey(a)", keys.account_order_list_key(account), "accountOrderListKey", account)
    by_fn("hashedPositionKey(a, m, USDC, short)", keys.position_key(account, market, usdc, False),
          "hashedPositionKey", account, market, usdc, False)
    by_fn("orderKey(DataStore, 1)", keys.order_key(data_store, 1), "orderKey", data_store, 1)
    by_name("ACCOUNT_POSITION_LIST(a)", keys.account_position_list_key(account), "ACCOUNT_POSITION_LIST",
            ["address"], [account])
    by_name("FUNDING_UPDATED_AT(m)", keys.funding_updated_at_key(market), "FUNDING_UPDATED_AT", ["address"], [market])
    by_name("IS_ORACLE_PROVIDER_ENABLED(p)", keys.is_oracle_provider_enabled_key(oracle), "IS_ORACLE_PROVIDER_ENABLED",
            ["address"], [oracle])
    sdk.run()
    for label, ours, pending in pairs:
        value = pending.value
        theirs = value if isinstance(value, str) else value.get("key")
        assert theirs is not None, f"{label}: {value}"
        record_bytes("DataStore keys", ours, theirs)
    assert len(pairs) >= 40


def _order_acceptable_e30(plan: Any) -> int:
    """The acceptablePrice the plan's createOrder carries (1e30 per index-token unit)."""
    from eth_abi.abi import decode as abi_decode

    from hedgefi.venues.gmx.constants import codec

    def canon(p: dict[str, Any]) -> str:
        t = p["type"]
        return f"({','.join(canon(c) for c in p['components'])}){t[5:]}" if t.startswith("tuple") else t

    router = codec("ExchangeRouter")
    (entries,) = abi_decode(["bytes[]"], plan.txs[-1].data[4:])
    fn = router.fn("createOrder")
    create = next(e for e in entries if bytes(e[:4]) == router.encode("createOrder", _any_order())[:4])
    (params,) = abi_decode([canon(i) for i in fn["inputs"]], bytes(create)[4:])
    struct = fn["inputs"][0]["components"]
    numbers_at = next(i for i, c in enumerate(struct) if c["name"] == "numbers")
    accept_at = next(i for i, c in enumerate(struct[numbers_at]["components"]) if c["name"] == "acceptablePrice")
    return int(params[numbers_at][accept_at])


def _any_order() -> dict[str, Any]:
    from hedgefi.venues.gmx.constants import OrderType
    from hedgefi.venues.gmx.orders import OrderParams

    return OrderParams(OrderType.MarketIncrease, ZERO, ZERO, 0, 0, 0, 0, ZERO).as_struct()


def test_acceptable_price_is_gmx_execution_price_with_the_sdk_slippage(conn, demo) -> None:  # type: ignore[no-untyped-def]
    """The plan's acceptable price = GMX's execution price for the order (Reader.getExecutionPrice, impact
    included) with the slippage on top, as the SDK applies it (``applySlippageToPrice``); the execution price
    itself = GMX's formula (at the replica's zero impact: sizeDelta / roundUp(sizeDelta / min) for a short
    increase, the max price for a decrease) and the SDK's impact-adjusted index price to one unit."""
    v = GmxVenue(conn)
    slip = Decimal("0.005")
    size = 10_000 * FLOAT
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal(10_000), max_slippage=slip))
    snap, m = _market(conn, v.d)
    index_e30 = snap.prices_e30[m.index_token.lower()]
    inc = execution_price(conn, v.d, m, snap, size)
    exec_inc = int(inc["executionPrice"])
    assert exec_inc == size // -(-size // index_e30)          # GMX's increase formula, zero impact
    r = send(conn, v, demo, plan.txs)
    assert r.all_executed, r.orders
    p = short_position(v, demo.address)
    assert p is not None
    close = v.plan_short(demo.address, ShortRequest("ETH", -p.size_usd, close=True, max_slippage=slip), existing=p)
    dec = execution_price(conn, v.d, m, snap, -p.size_usd_e30, p.size_usd_e30, int(p.size_tokens * 10**m.index_decimals))
    exec_dec = int(dec["executionPrice"])
    assert exec_dec == index_e30                               # a short's decrease: the max price, zero impact

    sdk = sdk_for(conn, v.d)
    bps = int(slip * 10_000)
    got_inc = sdk.acceptable_price(is_increase=True, is_long=False, index_price_e30=index_e30, size_delta_usd_e30=size,
                                   price_impact_usd_e30=int(inc["priceImpactUsd"]), slippage_bps=bps, anchor_e30=exec_inc)
    got_dec = sdk.acceptable_price(is_increase=False, is_long=False, index_price_e30=index_e30,
                                   size_delta_usd_e30=p.size_usd_e30, price_impact_usd_e30=int(dec["priceImpactUsd"]),
                                   slippage_bps=bps, anchor_e30=exec_dec)
    sdk.run()
    # increase: a floor, rounded down as the SDK rounds (identical)
    record("acceptable price, increase (on GMX's execution price)", _order_acceptable_e30(plan),
           int(got_inc.value["slipped"]), Decimal(0))
    # decrease: a ceiling; hedgefi rounds it up, the SDK's mulDiv down: identical when the product is exact
    exact = exec_dec * (10_000 + bps) % 10_000 == 0
    assert _order_acceptable_e30(close) == int(got_dec.value["slipped"]) + (0 if exact else 1)
    record("acceptable price, decrease (on GMX's execution price)", _order_acceptable_e30(close),
           int(got_dec.value["slipped"]))
    # the anchor is the Reader's, not the feed's: the SDK's impact-adjusted index price is the same to one unit
    record("execution price vs SDK getAcceptablePriceByPriceImpact, increase", exec_inc, int(got_inc.value["byImpact"]),
           Decimal("1e-12"))
    record("execution price vs SDK getAcceptablePriceByPriceImpact, decrease", exec_dec, int(got_dec.value["byImpact"]))
    assert send(conn, v, demo, close.txs).all_executed


def test_execution_fee_matches_the_sdk(conn, demo) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.venues.gmx.orders import fetch_fee_context

    v = GmxVenue(conn)
    snap, m = _market(conn, v.d)
    fees = fetch_fee_context(conn, v.d, demo.address, v.d.usdc)
    gas_limits = {"increaseOrder": fees.increase_gas_limit, "decreaseOrder": fees.decrease_gas_limit,
                  "singleSwap": _uint(conn, v.d, keys.name_key("SINGLE_SWAP_GAS_LIMIT")),
                  "estimatedGasFeeBaseAmount": fees.base_gas, "estimatedGasFeePerOraclePrice": fees.per_oracle_price_gas,
                  "estimatedFeeMultiplierFactor": fees.multiplier}
    weth = snap.prices_e30[v.d.wnt.lower()] * 10**18
    sdk = sdk_for(conn, v.d)
    got = {kind: sdk.execution_fee(kind, gas_limits, fees.gas_price_wei, 18, weth, conn.profile.chain_id)
           for kind in ("increase", "decrease")}
    sdk.run()
    for kind, is_increase in (("increase", True), ("decrease", False)):
        theirs = got[kind].value
        # hedgefi's fee without its buffer is gasLimit x gasPrice; with the 1.5 buffer it is that, times 1.5, rounded up
        record("execution fee (no buffer)", fees.execution_fee(is_increase, Decimal(1)), int(theirs["feeTokenAmount"]))
        record("execution gas limit", fees.execution_fee(is_increase, Decimal(1)) // fees.gas_price_wei,
               int(theirs["gasLimit"]))
        buffered = CONTEXT.multiply(Decimal(int(theirs["feeTokenAmount"])), Decimal("1.5"))
        record("execution fee (1.5 buffer)", fees.execution_fee(is_increase), buffered)
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("1000")))
    record("execution fee in the plan", _wei(plan.execution_fee_eth),
           CONTEXT.multiply(Decimal(int(got["increase"].value["feeTokenAmount"])), Decimal("1.5")))


def test_funding_borrowing_pnl_and_liquidation_after_a_day_and_a_price_move(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("10000"), leverage=Decimal("4")))
    assert send(conn, v, demo, plan.txs).all_executed
    control.advance(86_400)
    control.set_price("ETH", "+3%")
    _compare_position(conn, v, demo.address, with_quotes=True)


def _compare_position(conn: Any, v: GmxVenue, account: str, with_quotes: bool) -> None:
    snap, m = _market(conn, v.d)
    p = short_position(v, account)
    assert p is not None
    info = raw_position(conn, v.d, snap, account)
    mi = market_info(conn, v.d, snap, m)
    sdk = sdk_for(conn, v.d)
    year = sdk.funding_borrowing(mi, False, SECONDS_PER_YEAR, int(info["position"]["numbers"]["sizeInUsd"]))
    day = sdk.funding_borrowing(mi, False, 86_400, int(info["position"]["numbers"]["sizeInUsd"]))
    pos = sdk.position(mi, token_data(snap, info["position"]["addresses"]["collateralToken"]), sdk_position(info),
                       _uint(conn, v.d, keys.name_key("MIN_COLLATERAL_USD")))
    sdk.run()
    s = pos.value
    if with_quotes:
        q = next(q for q in v.fetch_markets() if q.market.lower() == m.key.lower())
        # hedgefi: a cost is positive; the SDK's funding factor is positive for the receiving side
        record("funding per period (a year, short)", q.short_funding_apr, -usd(year.value["fundingFactorPerPeriod"]))
        record("funding per period (a day, short)", CONTEXT.divide(q.short_funding_apr * 86_400, SECONDS_PER_YEAR),
               -usd(day.value["fundingFactorPerPeriod"]))
        record("borrowing per period (a year, short)", q.short_borrowing_apr, usd(year.value["borrowingFactorPerPeriod"]))
        record("borrowing per period (a day, short)", CONTEXT.divide(q.short_borrowing_apr * 86_400, SECONDS_PER_YEAR),
               usd(day.value["borrowingFactorPerPeriod"]))
    # shorts receive funding here (longs are the larger side, WETH- and USDC-collateral longs both pay): the
    # short earns in both tokens, each valued at its own token's price; the claimable is not collateral
    sp = sdk_position(info)
    assert sp["claimableLongTokenAmount"] > 0 and sp["claimableShortTokenAmount"] > 0, sp
    assert int(s["pendingClaimableFundingFeesUsd"]) > 0
    record("claimable funding, both tokens valued per token", p.claimable_funding_usd,
           usd(s["pendingClaimableFundingFeesUsd"]))
    assert p.pnl_usd < 0 and s["pnl"] is not None
    record("PnL", p.pnl_usd, usd(s["pnl"]))
    record("entry price", p.entry_price, usd(s["entryPrice"]))
    record("pending funding, net of claimables", p.funding_fee_usd,
           usd(int(s["pendingFundingFeesUsd"]) - int(s["pendingClaimableFundingFeesUsd"])))
    record("pending borrowing", p.borrowing_fee_usd, usd(s["pendingBorrowingFeesUsd"]))
    # SKIP_BORROWING_FEE_FOR_SMALLER_SIDE (as on mainnet): shorts are the smaller side here and pay none
    assert mi["shortInterestUsd"] < mi["longInterestUsd"] and mi["borrowingFactorPerSecondForShorts"] == 0
    assert p.borrowing_fee_usd == 0 and mi["borrowingFactorPerSecondForLongs"] > 0
    assert s["liquidationPrice"] is not None and p.liquidation_price is not None
    record("liquidation price", p.liquidation_price, usd(s["liquidationPrice"]))


# ---------------------------------------------------------------------------------------------- v2.2b
@pytest.fixture(scope="module")
def v22b_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One devnet in v2.2b's layouts for this module (its own data and config folders), stopped afterwards."""
    from hedgefi.sim.anvil import free_port

    home = tmp_path_factory.mktemp("gmx-v22b")
    env = {"HEDGEFI_DATA_DIR": str(home / "data"), "HEDGEFI_CONFIG_DIR": str(home / "config")}
    up = run_cli("devnet", "up", "--port", str(free_port()), "--gmx-release", "v2.2b", "--json", env=env, timeout=300)
    assert up.code == 0, up.stderr
    try:
        yield env
    finally:
        assert run_cli("devnet", "down", env=env).code == 0


@pytest.fixture
def v22b(v22b_devnet: dict[str, str], tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """A connection and the demo signer on the v2.2b devnet; this process's folders point at it for the test
    (and back afterwards), and the chain is reverted to a snapshot, as the session devnet is."""
    from hedgefi.chain.local import rpc_request
    from hedgefi.chain.manifest import load_manifest
    from hedgefi.chain.rpc import connect
    from hedgefi.wallet.signers import resolve_identity

    saved = {k: os.environ.get(k) for k in (*v22b_devnet, "HEDGEFI_JOURNAL")}
    os.environ.update(v22b_devnet)
    os.environ["HEDGEFI_JOURNAL"] = str(tmp_path / "journal.sqlite")
    try:
        manifest = load_manifest()
        assert manifest.params.get("gmx:release") == "v2.2b"
        snap = rpc_request(manifest.rpc_url, "evm_snapshot")
        try:
            conn = connect(manifest.profile())
            ident = resolve_identity(conn.profile)
            assert ident is not None and ident.source == "devnet-demo"
            yield conn, ident
        finally:
            assert rpc_request(manifest.rpc_url, "evm_revert", [snap])
    finally:
        for k, val in saved.items():
            if val is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = val


def test_v22b_calldata_and_position_decode_match_the_sdk(v22b) -> None:  # type: ignore[no-untyped-def]
    conn, demo = v22b
    v = GmxVenue(conn)
    assert v.d.release == "v2.2b"

    def decode_and_compare() -> None:
        control.advance(3_600)   # the manifest this process reads is the v2.2b devnet's during the test
        _compare_position(conn, v, demo.address, with_quotes=False)   # v2.2b's 7-field PositionInfo

    _calldata_round(conn, demo, v, "v2.2b", decode_and_compare)


# ---------------------------------------------------------------------------------------------- report
@pytest.fixture(scope="module", autouse=True)
def _report_the_largest_difference_per_quantity(request: pytest.FixtureRequest) -> Iterator[None]:
    """After this module's tests (each asserts its own tolerance in ``record``): the largest relative
    difference per quantity, printed, and written as JSON to ``$HEDGEFI_SDK_DIFF_REPORT_GMX`` if set."""
    yield
    rows = sorted(LARGEST.items())
    if not rows:
        return
    width = max(len(k) for k, _ in rows)
    lines = ["", "GMX vs @gmx-io/sdk 1.4.0: largest relative difference per quantity (bytes differing for "
             "calldata and keys)"] + [f"  {k:<{width}}  {f'{d:.3E}' if d else '0':>10}  (n={SAMPLES[k]})" for k, d in rows]
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n".join(lines))
    target = os.environ.get("HEDGEFI_SDK_DIFF_REPORT_GMX")
    if target:
        Path(target).write_text(json.dumps({"sdk": "@gmx-io/sdk@1.4.0",
                                            "largest_relative_difference": {k: f"{d:.4E}" if d else "0" for k, d in rows},
                                            "samples": SAMPLES}, indent=2))
