"""The ABI layer against independent references: well-known mainnet selectors and topics, and eth-abi
encodings of type strings written out by hand (not produced by hedgefi's code)."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from hedgefi.chain.abi import encode_call, selector
from hedgefi.chain.abicodec import ContractCodec, canonical
from hedgefi.chain.revert import ErrorDecoder
from hedgefi.venues.gmx.constants import OrderType
from hedgefi.venues.gmx.constants import codec as gmx_codec
from hedgefi.venues.gmx.orders import OrderParams

ALICE = "0x" + "11" * 20
BOB = "0x" + "22" * 20


def _p(name: str, type_: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **more}


ERC20 = [
    {"type": "function", "name": "transfer", "inputs": [_p("to", "address"), _p("amount", "uint256")],
     "outputs": [_p("", "bool")], "stateMutability": "nonpayable"},
    {"type": "function", "name": "balanceOf", "inputs": [_p("who", "address")], "outputs": [_p("", "uint256")],
     "stateMutability": "view"},
    {"type": "event", "name": "Transfer", "anonymous": False,
     "inputs": [_p("from", "address", indexed=True), _p("to", "address", indexed=True), _p("value", "uint256")]},
    {"type": "event", "name": "Approval", "anonymous": False,
     "inputs": [_p("owner", "address", indexed=True), _p("spender", "address", indexed=True), _p("value", "uint256")]},
    {"type": "error", "name": "ERC20InsufficientBalance",
     "inputs": [_p("sender", "address"), _p("balance", "uint256"), _p("needed", "uint256")]},
]
LEG = _p("legs", "tuple[]", components=[_p("who", "address"), _p("ok", "bool")])
NESTED = {"type": "function", "name": "book", "stateMutability": "view",
          "inputs": [_p("s", "tuple", components=[_p("a", "uint256"), LEG]), _p("tag", "bytes32")],
          "outputs": [_p("s", "tuple", components=[_p("a", "uint256"), LEG])]}


@pytest.mark.parametrize(("signature", "known"), [
    ("transfer(address,uint256)", "a9059cbb"), ("balanceOf(address)", "70a08231"),
    ("approve(address,uint256)", "095ea7b3"), ("allowance(address,address)", "dd62ed3e"),
    ("aggregate3((address,bool,bytes)[])", "82ad56cb"), ("getEthBalance(address)", "4d2301cc"),
    ("multicall(bytes[])", "ac9650d8"), ("Error(string)", "08c379a0"), ("Panic(uint256)", "4e487b71"),
])
def test_selectors_are_the_mainnet_ones(signature: str, known: str) -> None:
    assert selector(signature).hex() == known


def test_codec_encodes_like_eth_abi_and_knows_the_erc20_topics() -> None:
    c = ContractCodec(ERC20)
    assert c.encode("transfer", BOB, 5) == bytes.fromhex("a9059cbb") + abi_encode(["address", "uint256"], [BOB, 5])
    assert c.encode("transfer(address,uint256)", BOB, 5) == encode_call("transfer(address,uint256)",
                                                                        ["address", "uint256"], [BOB, 5])
    assert c.event_topic("Transfer").hex() == "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
    assert c.event_topic("Approval").hex() == "8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"
    assert c.decode_event_data("Transfer", abi_encode(["uint256"], [7])) == {"value": 7}


def test_structs_by_field_name_encode_and_decode_like_hand_written_type_strings() -> None:
    c = ContractCodec([NESTED])
    assert canonical(NESTED["inputs"][0]) == "(uint256,(address,bool)[])"
    by_name = c.encode("book", {"a": 7, "legs": [{"who": ALICE, "ok": True}, {"ok": False, "who": BOB}]}, b"\x09" * 32)
    by_position = c.encode("book", (7, [(ALICE, True), (BOB, False)]), b"\x09" * 32)
    want = selector("book((uint256,(address,bool)[]),bytes32)") + abi_encode(
        ["(uint256,(address,bool)[])", "bytes32"], [(7, [(ALICE, True), (BOB, False)]), b"\x09" * 32])
    assert by_name == by_position == want
    out = c.decode_output("book", abi_encode(["(uint256,(address,bool)[])"], [(7, [(ALICE, True)])]))
    (who,) = abi_decode(["address"], abi_encode(["address"], [ALICE]))
    assert out == {"a": 7, "legs": [{"who": who, "ok": True}]}


def test_gmx_create_order_matches_the_v2_struct_written_out() -> None:
    p = OrderParams(OrderType.MarketIncrease, ALICE, BOB, 10**34, 5 * 10**9, 3 * 10**15, 10**15, ALICE)
    data = gmx_codec("ExchangeRouter").encode("createOrder", p.as_struct())
    addresses = "(address,address,address,address,address,address,address[])"
    numbers = "(uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256)"
    params = f"({addresses},{numbers},uint8,uint8,bool,bool,bool,bytes32,bytes32[])"
    zero = "0x" + "00" * 20
    values = ((ALICE, zero, zero, zero, ALICE, BOB, []), (10**34, 5 * 10**9, 0, 3 * 10**15, 10**15, 0, 0, 0),
              int(OrderType.MarketIncrease), 0, False, False, False, b"\0" * 32, [])
    assert data == selector(f"createOrder({params})") + abi_encode([params], [values])


def test_custom_errors_decode_by_the_openzeppelin_selector() -> None:
    data = bytes.fromhex("e450d38c") + abi_encode(["address", "uint256", "uint256"], [ALICE, 1, 2])
    d = ErrorDecoder([ERC20]).decode(data)
    assert d.name == "ERC20InsufficientBalance" and d.args["balance"] == 1 and d.args["needed"] == 2
