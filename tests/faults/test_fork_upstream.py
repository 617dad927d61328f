"""The fork's loopback upstream: it forwards single and batch requests through the transport's retry
policy, passes the node's error objects through, refuses sends, pins the chain id, and keeps an
anvil fork alive through a flaky RPC."""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest

from hedgefi.chain.transport import RpcTransport
from hedgefi.sim.anvil import AnvilNode, fork
from hedgefi.sim.upstream import ForkUpstream
from hedgefi.testing.rpc_proxy import CountingProxy


@pytest.fixture(scope="module")
def node() -> Iterator[AnvilNode]:
    with AnvilNode.start() as n:
        yield n


@pytest.fixture
def proxy(node: AnvilNode) -> Iterator[CountingProxy]:
    with CountingProxy(node.rpc_url) as p:
        yield p


def _post(url: str, payload: Any) -> tuple[int, Any]:
    resp = httpx.post(url, content=json.dumps(payload), headers={"Content-Type": "application/json"})
    return resp.status_code, resp.json()


def _upstream(proxy: CountingProxy, chain_id: int | None = 31337) -> ForkUpstream:
    return ForkUpstream(RpcTransport([f"{proxy.url}/key/sk_upstream_1", proxy.url], expected_chain_id=chain_id,
                                     backoff_s=(0.0, 0.0, 0.0)))


def test_single_and_batch_requests_pass_through_faults_with_their_ids(proxy: CountingProxy) -> None:
    with _upstream(proxy) as up:
        proxy.faults = ["502", "drop_after", "truncate"]
        status, body = _post(up.url, {"jsonrpc": "2.0", "id": 41, "method": "eth_blockNumber", "params": []})
        assert status == 200 and body["id"] == 41 and body["result"].startswith("0x")
        proxy.faults = ["drop_after"]
        status, body = _post(up.url, [{"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []},
                                      {"jsonrpc": "2.0", "id": 8, "method": "eth_getBalance",
                                       "params": ["0x" + "11" * 20, "latest"]}])
        assert status == 200 and {b["id"]: b["result"] for b in body} == {7: "0x7a69", 8: "0x0"}
        assert proxy.faults == []


def test_a_node_error_passes_through_as_an_error_object(proxy: CountingProxy) -> None:
    with _upstream(proxy) as up:
        status, body = _post(up.url, {"jsonrpc": "2.0", "id": 3, "method": "eth_noSuchMethod", "params": []})
    assert status == 200 and body["id"] == 3 and isinstance(body["error"]["code"], int)


def test_sends_are_never_forwarded(proxy: CountingProxy) -> None:
    with _upstream(proxy) as up:
        status, body = _post(up.url, {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction",
                                      "params": ["0x00"]})
    assert status == 200 and "does not forward" in body["error"]["message"]
    assert proxy.counts["eth_sendRawTransaction"] == 0


def test_an_unreachable_node_is_a_503_with_a_redacted_error(proxy: CountingProxy) -> None:
    with _upstream(proxy) as up:
        proxy.faults = ["502"] * 20
        status, body = _post(up.url, {"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": []})
    assert status == 503 and body["id"] == 2 and "cannot reach the RPC" in body["error"]["message"]
    assert "sk_upstream_1" not in json.dumps(body)


def test_the_chain_id_is_pinned(proxy: CountingProxy) -> None:
    with _upstream(proxy, chain_id=42161) as up:
        status, body = _post(up.url, {"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": []})
    assert status == 200 and "42161" in body["error"]["message"]
    assert proxy.counts["eth_blockNumber"] == 0


def test_a_fork_survives_a_flaky_rpc(node: AnvilNode, proxy: CountingProxy) -> None:
    proxy.randomize({"502": 0.1, "drop_after": 0.05, "truncate": 0.05}, seed=3)
    with fork([f"{proxy.url}/a", f"{proxy.url}/b"], expected_chain_id=31337) as f:
        assert f.chain_id() == 31337
        from hedgefi.chain.local import rpc_request

        for i in range(20):
            account = "0x" + f"{i + 1:040x}"
            assert rpc_request(f.rpc_url, "eth_getBalance", [account, "latest"]) == "0x0"
            assert rpc_request(f.rpc_url, "eth_getCode", [account, "latest"]) == "0x"
    assert sum(proxy.injected.values()) > 0
