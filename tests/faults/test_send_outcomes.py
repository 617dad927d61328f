"""Send errors are settled by chain state, not by the node's words; a reverted receipt's reason is the one
at its own block. Against the real devnet (and a fault proxy in front of it)."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account

from hedgefi.chain.abi import encode_call
from hedgefi.chain.journal import Journal
from hedgefi.chain.local import rpc_request
from hedgefi.chain.profiles import get_profile
from hedgefi.chain.revert import ErrorDecoder
from hedgefi.chain.rpc import Connection, connect
from hedgefi.core.errors import ChainError
from hedgefi.core.types import UnsignedTx
from hedgefi.testing.rpc_proxy import CountingProxy
from hedgefi.wallet.devkeys import demo_private_key
from hedgefi.wallet.signers import Signer

GWEI = 10**9


def _conn(url: str) -> Connection:
    return connect(get_profile("devnet"), url)


def _demo() -> Signer:
    acct = Account.from_key(demo_private_key())
    return Signer(acct.address, "test", acct)


def _self_transfer(conn: Connection, signer: Signer, *, nonce: int | None = None, value: int = 1,
                   max_fee: int = 50 * GWEI, tip: int = GWEI) -> Any:
    from hedgefi.chain.tx import PreparedTx

    if nonce is None:
        nonce = int(conn.request("eth_getTransactionCount", [signer.address, "pending"]), 16)
    utx = UnsignedTx(to=signer.address, data=b"", value=value, description="a self-transfer", kind="approve")
    return PreparedTx(utx, conn.chain_id, signer.address, nonce, 21_000, max_fee, tip)


def test_nonce_too_low_from_a_failover_node_that_saw_it_mined_is_sent(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    """The first node takes the approval (and mines it); the answer the client gets is another node's
    "nonce too low": the chain holds the hash, so it is journaled as sent and mined, and the run goes on."""
    with CountingProxy(devnet.rpc_url) as proxy:
        proxy.fault_methods = {"eth_sendRawTransaction"}
        proxy.faults = ["error_after:-32003:nonce too low"]
        r = cli("--rpc", proxy.url, "short", "open", "ETH", "--size-usd", "3000", "--broadcast", "--yes")
        assert proxy.faults == [] and proxy.counts["eth_sendRawTransaction"] == 2
    assert r.code == 0, r.stderr[-600:]
    txs = json.loads(cli("tx", "list", "--json").stdout)["transactions"]
    assert [t["state"] for t in txs] == ["mined", "mined"]
    (p,) = json.loads(cli("positions", "--json").stdout)["positions"]
    assert Decimal(p["size_usd"]) == 3000


def test_a_transaction_the_node_already_took_is_followed_not_rejected(devnet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same signed bytes went to the node first (another client, a failover node): hedgefi's send is
    answered with an error, and the transaction is still followed to its receipt."""
    from hedgefi.chain.tx import send

    conn, signer, journal = _conn(devnet.rpc_url), _demo(), Journal(tmp_path / "j.sqlite")
    p = _self_transfer(conn, signer)
    raw = "0x" + signer.sign_transaction(p.as_dict()).hex()
    assert rpc_request(devnet.rpc_url, "eth_sendRawTransaction", [raw])
    answer = conn.raw("eth_sendRawTransaction", [raw])
    assert "error" in answer and "already known" not in str(answer).lower()  # anvil: -32003 "nonce too low"
    receipt = send(conn, signer, p, ErrorDecoder(), journal=journal)
    (entry,) = journal.txs()
    assert entry.hash == receipt["transactionHash"] and entry.state == "mined"


def test_a_nonce_taken_by_another_transaction_is_replaced(devnet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.tx import send

    conn, signer, journal = _conn(devnet.rpc_url), _demo(), Journal(tmp_path / "j.sqlite")
    p = _self_transfer(conn, signer, value=1)
    other = _self_transfer(conn, signer, nonce=p.nonce, value=2)
    rpc_request(devnet.rpc_url, "eth_sendRawTransaction", ["0x" + signer.sign_transaction(other.as_dict()).hex()])
    with pytest.raises(ChainError, match=f"another transaction used nonce {p.nonce}"):
        send(conn, signer, p, ErrorDecoder(), journal=journal)
    (entry,) = journal.txs()
    assert entry.state == "replaced" and "nonce too low" in (entry.reason or "")


def test_a_refused_transaction_is_rejected_with_the_nodes_code(devnet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.tx import send

    conn, signer, journal = _conn(devnet.rpc_url), _demo(), Journal(tmp_path / "j.sqlite")
    p = _self_transfer(conn, signer, max_fee=1, tip=1)   # below the base fee: the node refuses it
    with pytest.raises(ChainError, match="rejected"):
        send(conn, signer, p, ErrorDecoder(), journal=journal)
    (entry,) = journal.txs()
    assert entry.state == "rejected" and "(code -" in (entry.reason or "")
    assert rpc_request(devnet.rpc_url, "eth_getTransactionByHash", [entry.hash]) is None


def test_a_reverted_receipts_reason_is_the_one_at_its_block(devnet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A USDC transfer from an empty wallet and, later in the same block, a payment that funds it: the
    transfer reverts for lack of balance, though at "latest" the same call succeeds."""
    from hedgefi.chain.outcome import revert_reason
    from hedgefi.chain.tx import PreparedTx, TxRevertedError, send
    from hedgefi.sim.keeper import set_paused

    url, usdc, demo = devnet.rpc_url, devnet.manifest.contracts["USDC"], devnet.manifest.demo_address
    fresh = Account.create()
    signer = Signer(fresh.address, "test", fresh)
    rpc_request(url, "anvil_setBalance", [fresh.address, hex(10**18)])
    amount = 100 * 10**6
    transfer = encode_call("transfer(address,uint256)", ["address", "uint256"], [demo, amount])
    conn = _conn(url)
    p = PreparedTx(UnsignedTx(usdc, transfer, 0, "a USDC transfer"), conn.chain_id, fresh.address, 0, 100_000,
                   100 * GWEI, 10 * GWEI)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            send(conn, signer, p, ErrorDecoder(), journal=Journal(tmp_path / "j.sqlite"), timeout_s=30)
        except TxRevertedError as exc:
            outcome["error"] = exc

    set_paused(True)
    rpc_request(url, "evm_setAutomine", [False])
    sender = threading.Thread(target=run)
    try:
        sender.start()
        deadline = time.monotonic() + 20
        while int(rpc_request(url, "eth_getTransactionCount", [fresh.address, "pending"]), 16) == 0:
            assert time.monotonic() < deadline, "the transfer never reached the pool"
            time.sleep(0.05)
        fund = encode_call("transfer(address,uint256)", ["address", "uint256"], [fresh.address, amount])
        rpc_request(url, "eth_sendTransaction", [{"from": demo, "to": usdc, "data": "0x" + fund.hex(),
                                                  "maxFeePerGas": hex(100 * GWEI), "maxPriorityFeePerGas": hex(1)}])
        rpc_request(url, "evm_mine", [])
        sender.join(30)
    finally:
        rpc_request(url, "evm_setAutomine", [True])
        set_paused(False)
    assert not sender.is_alive()
    block = rpc_request(url, "eth_getBlockByNumber", ["latest", False])
    assert len(block["transactions"]) == 2  # the transfer, then the payment that funds it
    receipt = rpc_request(url, "eth_getTransactionReceipt", [block["transactions"][0]])
    assert receipt["from"].lower() == fresh.address.lower() and receipt["status"] == "0x0"
    at_latest = conn.raw("eth_call", [{"from": fresh.address, "to": usdc, "data": "0x" + transfer.hex()}, "latest"])
    assert "error" not in at_latest  # re-run at latest, the transfer would not revert
    assert outcome["error"].decoded.message == "reverted: ERC20: transfer amount exceeds balance"
    (entry,) = Journal(tmp_path / "j.sqlite").txs()
    assert entry.state == "failed" and entry.reason == "reverted: ERC20: transfer amount exceeds balance"
    # without tracing, the call re-run at the block before gives the same reason
    by_call = revert_reason(conn, receipt, ErrorDecoder(), trace=False)
    assert by_call.message == "reverted: ERC20: transfer amount exceeds balance"
