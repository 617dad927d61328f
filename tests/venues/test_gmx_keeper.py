"""Playing GMX's keeper for one's own orders: exactly the keys given are executed (other traders' pending
orders are left alone, as a dry-run on a mainnet fork must), and an order GMX cancels inside a successful
keeper transaction is reported as cancelled with its reason, not as executed."""

from __future__ import annotations

from decimal import Decimal

from hedgefi.core.units import fmt
from hedgefi.sim import control
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gmx.adapter import GmxVenue
from tests.helpers import nonce, send


def _created(conn, v: GmxVenue, demo, req: ShortRequest) -> str:  # type: ignore[no-untyped-def]
    r = send(conn, v, demo, v.plan_short(demo.address, req).txs, wait_s=0.5)
    (order,) = r.orders
    assert order.status == "pending", r.orders          # the devnet keeper is paused
    return str(order.key)


def test_only_the_given_keys_execute_and_a_cancel_is_reported_as_one(conn, demo, keeper_paused) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    mine = _created(conn, v, demo, ShortRequest("ETH", Decimal("3000")))
    other = _created(conn, v, demo, ShortRequest("BTC", Decimal("3000")))   # stands for another trader's order
    done = v.play_keeper(demo.address, [mine])
    assert [(a.key, a.executed) for a in done] == [(mine, True)]
    _, pending = v.fetch_positions(demo.address)
    assert [o.key for o in pending] == [other]           # untouched

    # an order whose acceptable price the market has moved past: GMX cancels it in the keeper transaction
    eth = next(q.price for q in v.fetch_markets() if q.asset == "ETH")
    late = _created(conn, v, demo, ShortRequest("ETH", Decimal("2000"), max_slippage=Decimal("0.001")))
    control.set_price("ETH", "-5%")
    (action,) = v.play_keeper(demo.address, [late])
    assert action.key == late and not action.executed and action.tx_hashes
    assert action.note.startswith("cancelled: "), action.note
    # in USD per ETH: a short increase executes at the new price and accepts no less than price x (1 - 0.1%)
    assert f"execution price ${fmt(eth * Decimal('0.95'))} vs acceptable ${fmt(eth * Decimal('0.999'))}" in action.note


def _ds_tx(url: str, v: GmxVenue, fn: str, types: list[str], args: list[object]) -> None:
    """A DataStore setter sent as a CONTROLLER (the OrderHandler, impersonated: the deployer keeps no role)."""
    from hedgefi.chain.abi import encode_call
    from hedgefi.chain.local import rpc_request, wait_receipt

    sender = v.d.order_handler
    rpc_request(url, "anvil_impersonateAccount", [sender])
    rpc_request(url, "anvil_setBalance", [sender, hex(10**18)])
    tx = rpc_request(url, "eth_sendTransaction", [
        {"from": sender, "to": v.d.data_store, "data": "0x" + encode_call(fn, types, args).hex()}])
    assert wait_receipt(url, tx)["status"] == "0x1"
    rpc_request(url, "anvil_stopImpersonatingAccount", [sender])


def test_fork_mock_oracle_copies_timestamp_adjustments_and_refuses_disabled_providers(conn, demo, keeper_paused) -> None:  # type: ignore[no-untyped-def]
    """What a dry-run does on a mainnet fork, on a fork of the devnet: the providers become the mock. GMX's Oracle
    subtracts ORACLE_TIMESTAMP_ADJUSTMENT(provider, token) from a provider's timestamp; set above the maximum
    price age, an order only executes if the mock reports that much ahead, as forkprep sets it."""
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.core.errors import ChainError
    from hedgefi.sim.anvil import fork
    from hedgefi.venues.gmx import keys
    from hedgefi.venues.gmx.forkprep import install_mock_oracle
    from hedgefi.venues.gmx.keeper import execute_pending

    v = GmxVenue(conn)
    key = _created(conn, v, demo, ShortRequest("ETH", Decimal("3000")))
    providers = {}
    for token in (conn.profile.token("WETH").address, conn.profile.token("USDC").address):
        oracle = v.conn.request("eth_call", [{"to": v.d.order_handler, "data": "0x7dc0d1d0"}, "latest"])  # oracle()
        providers[token] = _address_at(conn, v, keys.oracle_provider_for_token_key("0x" + oracle[-40:], token))
        _ds_tx(conn.rpc_url, v, "setUint(bytes32,uint256)", ["bytes32", "uint256"],
               [keys.oracle_timestamp_adjustment_key(providers[token], token), 3600])   # MAX_ORACLE_PRICE_AGE: 300 s
    node = fork(conn.rpc_url)
    try:
        fconn = connect(get_profile("devnet"), rpc_url=node.rpc_url)
        install_mock_oracle(fconn, v.d)
        (r,) = execute_pending(node.rpc_url, v.d, order_keys=[key])
        assert r.executed, r.note
    finally:
        node.stop()

    node = fork(conn.rpc_url)
    try:
        fconn = connect(get_profile("devnet"), rpc_url=node.rpc_url)
        provider = providers[conn.profile.token("USDC").address]
        _ds_tx(node.rpc_url, v, "setBool(bytes32,bool)", ["bytes32", "bool"],
               [keys.is_oracle_provider_enabled_key(provider), False])
        try:
            install_mock_oracle(fconn, v.d)
            raise AssertionError("a disabled provider was swapped")
        except ChainError as e:
            assert "disabled" in str(e) and provider.lower() in str(e).lower()
    finally:
        node.stop()


def _address_at(conn, v: GmxVenue, key: bytes) -> str:  # type: ignore[no-untyped-def]
    from hedgefi.chain.abi import decode, encode_call

    raw = conn.request("eth_call", [{"to": v.d.data_store, "data": "0x" + encode_call("getAddress(bytes32)", ["bytes32"], [key]).hex()}, "latest"])
    return str(decode(["address"], bytes.fromhex(raw[2:]))[0])


def test_a_fork_dry_run_says_why_the_keeper_could_not_execute(devnet, conn, cli) -> None:  # type: ignore[no-untyped-def]
    """The dry-run's keeper meets an error (here: the USDC oracle provider disabled in DataStore): the user reads
    GMX's reason, not only that the order is still pending; and nothing is sent."""
    from hedgefi.venues.gmx import keys

    v = GmxVenue(conn)
    oracle = conn.request("eth_call", [{"to": v.d.order_handler, "data": "0x7dc0d1d0"}, "latest"])  # oracle()
    usdc = conn.profile.token("USDC").address
    provider = _address_at(conn, v, keys.oracle_provider_for_token_key("0x" + oracle[-40:], usdc))
    _ds_tx(conn.rpc_url, v, "setBool(bytes32,bool)", ["bytes32", "bool"], [keys.is_oracle_provider_enabled_key(provider), False])
    before = nonce(conn.rpc_url)
    r = cli("short", "open", "ETH", "--size-usd", "1000", "--venue", "gmx", env={"HEDGEFI_DRY_RUN": "fork"})
    assert r.code != 0
    assert "the keeper could not execute it" in r.output and "InvalidOracleProvider" in r.output, r.output
    assert nonce(conn.rpc_url) == before                # the demo wallet sent nothing
