"""Playing GMX's ORDER_KEEPER on a local chain (the devnet, or an anvil fork of any GMX chain).

The keeper is whoever ``RoleStore.getRoleMembers(ORDER_KEEPER, 0, 1)`` names; on anvil it is
impersonated, so the same routine executes orders on the devnet replica and on a mainnet fork (where
the oracle provider is first replaced with the mock via ``anvil_setCode``). Orders whose trigger is
not reached (the call reverts) are left pending, as a real keeper leaves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.local import rpc_request, wait_receipt
from hedgefi.core.errors import DevnetError, RpcError
from hedgefi.venues.gmx import keys
from hedgefi.venues.gmx.constants import codec
from hedgefi.venues.gmx.deployment import GmxDeployment
from hedgefi.venues.gmx.releases import reader_codec

KEEPER_GAS = 8_000_000


@dataclass(frozen=True, slots=True)
class KeeperResult:
    key: str
    tx_hash: str | None
    executed: bool
    note: str = ""


def _call(url: str, to: str, data: bytes, sender: str | None = None) -> bytes:
    tx: dict[str, Any] = {"to": to, "data": "0x" + data.hex()}
    if sender:
        tx["from"] = sender
    out = rpc_request(url, "eth_call", [tx, "latest"])
    return bytes.fromhex(out[2:])


def pending_order_keys(url: str, d: GmxDeployment) -> list[bytes]:
    data = encode_call("getBytes32ValuesAt(bytes32,uint256,uint256)", ["bytes32", "uint256", "uint256"],
                       [keys.name_key("ORDER_LIST"), 0, 1000])
    (values,) = decode(["bytes32[]"], _call(url, d.data_store, data))
    return [bytes(v) for v in values]


def keeper_address(url: str, d: GmxDeployment, role: str = "ORDER_KEEPER") -> str:
    data = encode_call("getRoleMembers(bytes32,uint256,uint256)", ["bytes32", "uint256", "uint256"],
                       [keys.role_key(role), 0, 1])
    (members,) = decode(["address[]"], _call(url, d.role_store, data))
    if not members:
        raise DevnetError(f"no {role} is registered in the GMX RoleStore")
    return str(members[0])


def _set_prices_params(url: str, d: GmxDeployment, order: dict[str, Any]) -> dict[str, Any]:
    return oracle_params(url, d, order["addresses"]["market"])


def oracle_params(url: str, d: GmxDeployment, market_key: str) -> dict[str, Any]:
    """The keeper's ``SetPricesParams`` for a market: its index, long and short tokens (once each), each with
    the oracle provider DataStore names for it (``ORACLE_PROVIDER_FOR_TOKEN``), empty provider data."""
    reader = reader_codec(d)
    market = reader.decode_output("getMarket", _call(url, d.reader, reader.encode("getMarket", d.data_store,
                                                                                    market_key)))
    oracle = str(decode(["address"], _call(url, d.order_handler, codec("OrderHandler").encode("oracle")))[0])
    tokens: list[str] = []
    for t in (market["indexToken"], market["longToken"], market["shortToken"]):
        if t.lower() not in [x.lower() for x in tokens]:
            tokens.append(t)
    providers = []
    for t in tokens:
        data = encode_call("getAddress(bytes32)", ["bytes32"], [keys.oracle_provider_for_token_key(oracle, t)])
        providers.append(str(decode(["address"], _call(url, d.data_store, data))[0]))
    return {"tokens": tokens, "providers": providers, "data": [b""] * len(tokens)}


def execute_pending(url: str, d: GmxDeployment, *, account: str | None = None,
                    order_keys: list[str] | None = None) -> list[KeeperResult]:
    """Execute the orders ``order_keys`` names (those the caller's own transactions created: a mainnet
    fork's ORDER_LIST holds thousands of other traders' orders, never scanned then), or else every pending
    order (of ``account`` when given) that can execute now. An order GMX cancels or freezes inside a
    successful keeper transaction is reported as such, with its reason, never as executed."""
    keys_ = [bytes.fromhex(k.removeprefix("0x")) for k in order_keys] if order_keys is not None \
        else pending_order_keys(url, d)
    if not keys_:
        return []
    keeper = keeper_address(url, d)
    rpc_request(url, "anvil_impersonateAccount", [keeper])
    balance = int(rpc_request(url, "eth_getBalance", [keeper, "latest"]), 16)
    if balance < 10**18:
        rpc_request(url, "anvil_setBalance", [keeper, hex(100 * 10**18)])
    reader, handler = reader_codec(d), codec("OrderHandler")
    results = []
    for key in keys_:
        order = reader.decode_output("getOrder", _call(url, d.reader, reader.encode("getOrder", d.data_store, key)))
        if int(order["addresses"]["account"], 16) == 0:
            continue      # no longer stored: executed or cancelled already
        if account and order["addresses"]["account"].lower() != account.lower():
            continue
        data = handler.encode("executeOrder", key, _set_prices_params(url, d, order))
        try:
            _call(url, d.order_handler, data, keeper)
        except RpcError as exc:  # trigger not reached, or an oracle error: leave it pending
            results.append(KeeperResult("0x" + key.hex(), None, False, _revert_reason(exc)))
            continue
        tx = rpc_request(url, "eth_sendTransaction", [{"from": keeper, "to": d.order_handler,
                                                       "data": "0x" + data.hex(), "gas": hex(KEEPER_GAS)}])
        receipt = wait_receipt(url, tx)
        results.append(_result("0x" + key.hex(), tx, receipt, d, _index_decimals(url, d, order)))
    return results


def _revert_reason(exc: RpcError) -> str:
    """A reverted executeOrder in plain words: GMX's custom error decoded from the revert data."""
    from hedgefi.venues.gmx.errors import decoder

    data = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        return decoder().decode(data).message
    return str(exc)


def _index_decimals(url: str, d: GmxDeployment, order: dict[str, Any]) -> int | None:
    reader = reader_codec(d)
    try:
        market = reader.decode_output("getMarket", _call(url, d.reader, reader.encode(
            "getMarket", d.data_store, order["addresses"]["market"])))
        (decimals,) = decode(["uint8"], _call(url, market["indexToken"], encode_call("decimals()")))
    except (RpcError, ValueError):
        return None       # a synthetic index token without code: the reason keeps raw prices
    return int(decimals)


def _result(key: str, tx: str, receipt: dict[str, Any], d: GmxDeployment, index_decimals: int | None) -> KeeperResult:
    """What the keeper transaction did to ``key``, from its own events (OrderExecuted / Cancelled / Frozen)."""
    from hedgefi.venues.gmx.errors import cancel_reason, decoder
    from hedgefi.venues.gmx.events import events_in_receipt

    if receipt.get("status") != "0x1":
        return KeeperResult(key, tx, False, "the keeper transaction reverted")
    for ev in events_in_receipt(receipt, d.event_emitter):
        if len(ev.topics) < 3 or "0x" + ev.topics[2].hex() != key.lower():
            continue
        if ev.name == "OrderExecuted":
            return KeeperResult(key, tx, True)
        if ev.name in ("OrderCancelled", "OrderFrozen"):
            reason_bytes = bytes(ev.items.get("reasonBytes", b""))
            decoded = decoder().decode(reason_bytes) if reason_bytes else None
            reason = cancel_reason(decoded, index_decimals) if decoded else str(ev.items.get("reason") or "no reason given")
            return KeeperResult(key, tx, False, f"{'cancelled' if ev.name == 'OrderCancelled' else 'frozen'}: {reason}")
    return KeeperResult(key, tx, False, "the keeper transaction emitted no outcome for this order")


__all__ = ["KeeperResult", "execute_pending", "pending_order_keys", "keeper_address", "oracle_params", "KEEPER_GAS"]
