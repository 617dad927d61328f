"""RPC faults on loopback: a JSON-RPC fault proxy in front of the devnet's anvil."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from hedgefi.testing.rpc_proxy import CountingProxy


@pytest.fixture
def proxy(devnet):  # type: ignore[no-untyped-def]
    with CountingProxy(devnet.rpc_url) as p:
        yield p


@pytest.mark.parametrize("faults", [["500"], ["429", "429"], ["drop"], ["truncate"], ["500", "drop", "delay:0.2"]])
def test_reads_survive_transient_faults(devnet, proxy, cli, faults) -> None:  # type: ignore[no-untyped-def]
    proxy.faults = list(faults)
    r = cli("--rpc", proxy.url, "holdings", "--json")
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)["total_value_usd"] == "697000"
    assert proxy.faults == [] and proxy.http_requests == 1 + len([f for f in faults if not f.startswith("delay")])


def test_a_dead_rpc_is_one_clear_error(devnet, proxy, cli) -> None:  # type: ignore[no-untyped-def]
    proxy.faults = ["500"] * 50
    r = cli("--rpc", proxy.url, "holdings")
    assert r.code == 1 and "cannot reach the RPC" in r.stderr and "HTTP 500" in r.stderr


def test_failover_to_the_next_rpc(devnet, proxy, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--rpc", f"http://127.0.0.1:9/key123,{proxy.url}", "holdings", "--json")
    assert r.code == 0, r.stderr
    assert "key123" not in r.output


def test_failover_refuses_an_rpc_on_another_chain(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim.anvil import AnvilNode

    with AnvilNode.start(chain_id=999) as other:
        r = cli("--rpc", f"http://127.0.0.1:9,{other.rpc_url}", "holdings")
    assert r.code == 1 and "999" in r.stderr and "31337" in r.stderr


def test_secret_in_rpc_url_never_printed(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    secret = "sk_live_0123456789abcdef"
    for args in (["holdings"], ["markets"], ["positions"], ["short", "open", "ETH", "--size-usd", "100"]):
        r = cli("--rpc", f"http://127.0.0.1:9/v2/{secret}", *args)
        assert r.code != 0 and secret not in r.output and "127.0.0.1:9/***" in r.stderr


def test_lost_send_is_not_resent_blindly_and_resume_settles_it(devnet, proxy, cli) -> None:  # type: ignore[no-untyped-def]
    """The answer to eth_sendRawTransaction is lost (the node got it): hedgefi stops and says so;
    `tx resume` finds the transaction and follows its order; nothing is duplicated."""
    proxy.fault_methods = {"eth_sendRawTransaction"}
    proxy.faults = ["drop_after"]
    r = cli("--rpc", proxy.url, "short", "open", "ETH", "--size-usd", "3000", "--broadcast", "--yes")
    assert r.code == 1 and "tx resume" in r.stderr
    assert proxy.counts["eth_sendRawTransaction"] == 1
    r = cli("--rpc", proxy.url, "tx", "resume", "--json")
    assert r.code == 0, r.stderr
    actions = json.loads(r.stdout)["actions"]
    assert [a["after"] for a in actions if a["what"] == "tx"] == ["mined"]
    # the approval was the lost send; nothing else was sent, so no order exists yet
    r = cli("short", "open", "ETH", "--size-usd", "3000", "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr
    (p,) = json.loads(cli("positions", "--json").stdout)["positions"]
    assert Decimal(p["size_usd"]) == 3000


def test_send_dropped_before_the_node_saw_it_is_resent_as_the_same_bytes(devnet, proxy, cli) -> None:  # type: ignore[no-untyped-def]
    proxy.fault_methods = {"eth_sendRawTransaction"}
    proxy.faults = ["drop"]
    r = cli("--rpc", proxy.url, "short", "open", "ETH", "--size-usd", "3000", "--broadcast", "--yes")
    assert r.code == 1 and "tx resume" in r.stderr
    journal = json.loads(cli("tx", "list", "--json").stdout)["transactions"]
    assert [t["state"] for t in journal] == ["signed"]
    r = cli("tx", "resume", "--json")
    actions = json.loads(r.stdout)["actions"]
    assert actions[0]["after"] == "mined" and "same signed bytes" in actions[0]["note"]
    assert json.loads(cli("tx", "list", "--json").stdout)["transactions"][0]["hash"] == journal[0]["hash"]


def test_lagging_pending_nonce_does_not_reuse_a_nonce(devnet, proxy, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("--rpc", proxy.url, "short", "open", "BTC", "--size-usd", "2000", "--broadcast", "--yes").code == 0
    proxy.lag_pending_nonce = 2
    r = cli("--rpc", proxy.url, "short", "open", "BTC", "--size-usd", "2000", "--broadcast", "--yes")
    assert r.code == 0, r.stderr
    (p,) = json.loads(cli("positions", "--json").stdout)["positions"]
    assert Decimal(p["size_usd"]) == 4000
