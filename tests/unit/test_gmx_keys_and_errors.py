"""GMX key hashing against the reference test vectors, and revert decoding by selector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hedgefi.chain.abi import selector
from hedgefi.chain.abicodec import canonical
from hedgefi.venues.gmx import keys
from hedgefi.venues.gmx.errors import decoder

ETH_USD = "0x70d95587d40A2caf56bd97485aB3Eec10Bee6336"
USDC = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"
WETH = "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1"
ORACLE = "0x26C02F221e8dB5A821e12347C7eA8a6b6E10842f"
DATA_STORE = "0xFD70de6b91282D8017aA4E741e9Ae325CAb992d8"
ACCOUNT = "0x" + "11" * 20


@pytest.mark.parametrize("got, want", [
    (lambda: keys.name_key("MARKET_LIST"), "cdac201abd09598973b1365dbbaeb65ff0f370d30bb5c7440dc3341f570b2e38"),
    (lambda: keys.name_key("ORDER_LIST"), "86f7cfd5d8f8404e5145c91bebb8484657420159dabd0753d6a59f3de3f7b8c1"),
    (lambda: keys.role_key("ROUTER_PLUGIN"), "c82e6cc76072f8edb32d42796e58e13ab6e145524eb6b36c073be82f20d410f3"),
    (lambda: keys.role_key("ORDER_KEEPER"), "40a07f8f0fc57fcf18b093d96362a8e661eaac7b7e6edbf66f242111f83a6794"),
    (lambda: keys.open_interest_key(ETH_USD, USDC, False), "a2e49070d1a92211074fd9493c4010ad1ea0e07fe42d1d6853c845dd5ce91212"),
    (lambda: keys.open_interest_key(ETH_USD, WETH, False), "c00f0c27b5efefbbe1eb63ae8d2f35450f7ac54fe081cd0429f28274a954a341"),
    (lambda: keys.pool_amount_key(ETH_USD, USDC), "5b04b22d97863d6484a7ad72fd6b6ffbb1803bce27f5d839aa97def98d8604b1"),
    (lambda: keys.max_open_interest_key(ETH_USD, False), "36689f489df04572f96026620d7f83ce953290e1b8476b7139928fc5f0a18cc7"),
    (lambda: keys.reserve_factor_key(ETH_USD, False), "a40138b1217ca2863887e5feb34c72bb7c57ad5ae301eb52c22eb5a964438bac"),
    (lambda: keys.is_market_disabled_key(ETH_USD), "c45b95e59c3189b1ce34bf8e690a9dda3eee932f3855117d789dd298ad364e5d"),
    (lambda: keys.max_funding_factor_per_second_key(ETH_USD, False),
     "4a11b11f95808792598692c98cfffb03127cce3f9a25e04ea6e0fba7f15b9f2c"),
    (lambda: keys.oracle_provider_for_token_key(ORACLE, WETH),
     "01a9c07f28bb6e17afbbb8e93c38d12e6fea42c6dd0df4b1c10bb681d5f30071"),
    (lambda: keys.account_position_list_key(ACCOUNT), "bde334f667a228a7615b243d9a1201db964bb1e4788a89ffdd84ad76d20432f6"),
    (lambda: keys.position_key(ACCOUNT, ETH_USD, USDC, False),
     "dd12b2d0498f785cab636e502ebd1c84450d8738dd98b84760b0412d27c3e976"),
    (lambda: keys.order_key(DATA_STORE, 1), "0fa8adca6752282021b0be97849ea0b3e9e9b81c341c50ae21516285a570b2f4"),
])
def test_key_vectors_from_the_reference(got, want) -> None:  # type: ignore[no-untyped-def]
    assert got().hex() == want


def test_every_custom_error_in_the_gmx_abi_decodes_by_name() -> None:
    abi = json.loads((Path(__file__).parents[2] / "abis" / "gmx" / "Errors.json").read_text())
    errors = [i for i in abi if i["type"] == "error"]
    assert len(errors) >= 40
    from eth_abi import encode

    for e in errors:
        types = [canonical(i) for i in e["inputs"]]
        samples = {"uint256": 7, "int256": -7, "address": "0x" + "22" * 20, "string": "x", "bytes": b"\x01",
                   "bytes32": b"\x03" * 32, "uint256[]": [1, 2]}
        data = selector(f"{e['name']}({','.join(types)})") + encode(types, [samples[t] for t in types])
        d = decoder().decode(data)
        assert d.name == e["name"], e["name"]
        assert d.message


def test_plain_words_for_the_errors_a_hedger_meets() -> None:
    from eth_abi import encode

    data = selector("OrderNotFulfillableAtAcceptablePrice(uint256,uint256)") + encode(["uint256", "uint256"], [1, 2])
    assert "slippage" in decoder().decode(data).message
    data = selector("Unauthorized(address,string)") + encode(["address", "string"], ["0x" + "11" * 20, "ROUTER_PLUGIN"])
    assert "rotated" in decoder().decode(data).message
    assert decoder().decode(selector("Error(string)") + encode(["string"], ["boom"])).message == "reverted: boom"
    assert "overflow" in decoder().decode(selector("Panic(uint256)") + encode(["uint256"], [0x11])).message
    assert decoder().decode(b"\xde\xad\xbe\xef").name == "Unknown"
