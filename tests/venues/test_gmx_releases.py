"""GMX's two live releases: each decoded with its own layout (checked against the real mainnet ABIs in
../shared/reference), each release's fork mock oracle provider answering in its Oracle's shape, and the
live release found on-chain from RoleStore (refusing, with RoleStore's answer, when none matches)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from eth_abi.abi import encode

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.abicodec import canonical
from hedgefi.chain.local import rpc_request, wait_receipt
from hedgefi.core.errors import ChainError
from hedgefi.testing.rpc_proxy import CountingProxy
from hedgefi.venues.gmx.deployment import deployment_for
from hedgefi.venues.gmx.releases import codec_for, fetch_live_release, mock_oracle_runtime
from tests.helpers import ROOT

REFERENCE = ROOT.parent / "shared" / "reference" / "gmx-v2" / "abis"
needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference is not beside the project")


def _ref_fn(path: str, name: str) -> dict[str, Any]:
    data = json.loads((REFERENCE / path).read_text())
    items = data["abi"] if isinstance(data, dict) else data
    return next(i for i in items if i.get("type") == "function" and i["name"] == name)


def _order_values(numbers: int) -> tuple[Any, ...]:
    """An Order.Props as tuples, with ``numbers`` Order.Numbers fields (12 in v2.2b, 13 in v2.2c)."""
    a = "0x" + "11" * 20
    addresses = (a, a, a, a, a, "0x" + "22" * 20, "0x" + "33" * 20, ["0x" + "44" * 20])
    nums = (2, 0, 10**34) + tuple(1000 + i for i in range(numbers - 3))
    return (addresses, nums, (False, False, False, True), [b"\x55" * 32])


@needs_reference
@pytest.mark.parametrize("release, numbers", [("v2.2b", 12), ("v2.2c", 13)])
def test_get_order_decodes_by_the_release_layout(release: str, numbers: int) -> None:
    ref = _ref_fn("v2.2b/Reader.json" if release == "v2.2b" else "Reader.json", "getOrder")
    types = [canonical(o) for o in ref["outputs"]]
    data = encode(types, [_order_values(numbers)])       # what the mainnet Reader of that release returns
    order = codec_for(release, "Reader").decode_output("getOrder", data)
    assert order["addresses"]["market"].lower() == "0x" + "22" * 20
    assert order["numbers"]["sizeDeltaUsd"] == 10**34
    assert order["flags"]["autoCancel"] is True and order["_dataList"] == [b"\x55" * 32]
    # the other release's layout misreads it or fails: never decode one release with the other's shapes
    other = "v2.2c" if release == "v2.2b" else "v2.2b"
    try:
        wrong = codec_for(other, "Reader").decode_output("getOrder", data)
    except Exception:
        return
    assert wrong != order


@needs_reference
def test_position_info_list_decodes_by_the_release_layout() -> None:
    for release, path in (("v2.2b", "v2.2b/Reader.json"), ("v2.2c", "Reader.json")):
        ours = codec_for(release, "Reader").fn("getAccountPositionInfoList")
        assert [canonical(o) for o in ours["outputs"]] == \
            [canonical(o) for o in _ref_fn(path, "getAccountPositionInfoList")["outputs"]]
    assert codec_for("v2.2b", "Reader").fn("getAccountPositionInfoList") != \
        codec_for("v2.2c", "Reader").fn("getAccountPositionInfoList")


@pytest.mark.parametrize("release, fields", [("v2.2b", 5), ("v2.2c", 7)])
def test_each_release_mock_oracle_answers_in_its_oracles_shape(devnet, release: str, fields: int) -> None:  # type: ignore[no-untyped-def]
    url = devnet.rpc_url
    mock, token = "0x" + "6d" * 20, "0x" + "7e" * 20
    rpc_request(url, "anvil_setCode", [mock, mock_oracle_runtime(release)])
    setter = encode_call("setPrice(address,uint256,uint256)", ["address", "uint256", "uint256"], [token, 3000, 3001])
    sender = rpc_request(url, "eth_accounts")[0]
    tx = rpc_request(url, "eth_sendTransaction", [{"from": sender, "to": mock, "data": "0x" + setter.hex()}])
    assert wait_receipt(url, tx)["status"] == "0x1"
    call = encode_call("getOraclePrice(address,bytes)", ["address", "bytes"], [token, b""])
    raw = bytes.fromhex(rpc_request(url, "eth_call", [{"to": mock, "data": "0x" + call.hex()}, "latest"])[2:])
    assert len(raw) == 32 * fields                       # a static tuple: one word per field
    now = int(rpc_request(url, "eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
    if fields == 5:
        got_token, lo, hi, ts, provider = decode(["address", "uint256", "uint256", "uint256", "address"], raw)
    else:
        got_token, lo, hi, raw_lo, raw_hi, ts, provider = decode(
            ["address", "uint256", "uint256", "uint256", "uint256", "uint256", "address"], raw)
        assert (raw_lo, raw_hi) == (3000, 3001)
    assert (got_token.lower(), lo, hi, provider.lower()) == (token, 3000, 3001, mock)
    assert abs(ts - now) <= 2


def test_the_live_release_is_found_on_chain_in_one_request(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect

    live = deployment_for(get_profile("devnet"))                      # the session devnet's release (either)
    other = "v2.2b" if live.release == "v2.2c" else "v2.2c"
    stale = replace(live, exchange_router=live.reader, release=other)  # a contract RoleStore gives no role
    with CountingProxy(devnet.rpc_url) as proxy:
        conn = connect(get_profile("devnet"), rpc_url=proxy.url)
        before = proxy.http_requests
        found = fetch_live_release(conn, {other: stale, live.release: live})
        assert proxy.http_requests - before == 1
    assert found == live and found.release != other


def test_no_live_release_refuses_and_names_what_role_store_reports(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect

    conn = connect(get_profile("devnet"))
    live = deployment_for(get_profile("devnet"))
    gone = {"v2.2b": replace(live, exchange_router=live.reader, release="v2.2b"),
            "v2.2c": replace(live, exchange_router=live.order_vault)}
    with pytest.raises(ChainError) as e:
        fetch_live_release(conn, gone)
    assert live.exchange_router.lower() in str(e.value).lower()   # RoleStore's real ROUTER_PLUGIN member
    assert "refusing to trade" in str(e.value)
    with pytest.raises(ChainError, match="v2.2b is pinned"):
        fetch_live_release(conn, {"v2.2b": gone["v2.2b"], "v2.2c": live}, pinned="v2.2b")


def test_an_arbitrum_connection_asks_role_store_before_any_gmx_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A chain that serves Arbitrum's id but none of GMX's releases (here a bare anvil with only Multicall3):
    ``markets --venue gmx`` refuses in one line naming what RoleStore reports, and nothing is decoded."""
    from hedgefi.chain.profiles import MULTICALL3
    from hedgefi.core.resources import artifact
    from hedgefi.sim.anvil import AnvilNode
    from tests.helpers import run_cli

    node = AnvilNode.start(chain_id=42161)
    try:
        rpc_request(node.rpc_url, "anvil_setCode", [MULTICALL3, artifact("devnet", "Multicall3").runtime])
        r = run_cli("--chain", "arbitrum", "markets", "--venue", "gmx", "--json",
                    env={"HEDGEFI_RPC_URL": node.rpc_url})
    finally:
        node.stop()
    lines = r.stderr.strip().splitlines()
    assert r.code != 0 and len(lines) == 1, r.stderr
    assert "no GMX release hedgefi knows is live" in lines[0] and "ROUTER_PLUGIN members: none" in lines[0]
    assert "v2.2b 0x1C3fa76e6E1088bCE750f23a5BFcffa1efEF6A41" in lines[0]
