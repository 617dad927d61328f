"""`tx cancel` voids a signed transaction with a zero-value self-transfer at its nonce; `tx resume` runs under
the account lock and voids abandoned signatures on request. Against the real devnet."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from typing import Any, Iterator

import pytest
from eth_account import Account

from hedgefi.chain.cancel import bumped, signed_fees
from hedgefi.chain.journal import Journal
from hedgefi.chain.local import rpc_request
from hedgefi.chain.locks import AccountBusyError, account_lock
from hedgefi.wallet.devkeys import demo_private_key
from tests.helpers import ROOT

GWEI = 10**9


def _killed_after_sign(cli: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A run killed between signing its first transaction and sending it: one ``signed`` journal entry."""
    r = cli("short", "open", "ETH", "--size-usd", "3000", "--broadcast", "--yes",
            env={"HEDGEFI_FAULT_INJECT": "after_sign"})
    assert r.code == -9, r.stderr[-400:]
    (entry,) = json.loads(cli("tx", "list", "--json").stdout)["transactions"]
    assert entry["state"] == "signed"
    return dict(entry)


def _nonce(url: str, address: str, tag: str = "latest") -> int:
    return int(rpc_request(url, "eth_getTransactionCount", [address, tag]), 16)


@pytest.fixture
def manual_mining(devnet) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from hedgefi.sim.keeper import set_paused

    set_paused(True)
    rpc_request(devnet.rpc_url, "evm_setAutomine", [False])
    try:
        yield devnet.rpc_url
    finally:
        rpc_request(devnet.rpc_url, "evm_setAutomine", [True])
        set_paused(False)


def _pending_self_transfer(url: str, max_fee: int = 20 * GWEI, tip: int = 2 * GWEI) -> tuple[str, int, int]:
    """A signed, sent, not yet mined transaction, journaled as ``sent`` (hash, nonce, maxFeePerGas)."""
    acct = Account.from_key(demo_private_key())
    nonce = _nonce(url, acct.address, "pending")
    raw = "0x" + bytes(acct.sign_transaction({
        "chainId": 31337, "nonce": nonce, "to": acct.address, "value": 1, "gas": 21_000,
        "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip, "type": 2}).raw_transaction).hex()
    tx_hash = rpc_request(url, "eth_sendRawTransaction", [raw])
    j = Journal()
    j.record_signed(hash=tx_hash, chain_id=31337, account=acct.address, nonce=nonce, raw=raw,
                    description="a self-transfer", kind="approve", venue=None)
    j.set_tx(tx_hash, "sent")
    return tx_hash, nonce, max_fee


def _popen(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "hedgefi.cli.app", *args], text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(os.environ), cwd=ROOT)


def _until(what: str, check: Any, timeout_s: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_cancel_voids_a_signed_never_sent_transaction(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    url, demo = devnet.rpc_url, devnet.manifest.demo_address
    entry = _killed_after_sign(cli)
    nonce = entry["nonce"]
    r = cli("tx", "cancel", str(nonce), "--json")  # a dry-run: nothing signed
    assert r.code == 0, r.stderr[-400:]
    plan = json.loads(r.stdout)
    assert plan["mode"] == "dry-run" and plan["cancel"]["replaces"] == [entry["hash"]]
    assert len(json.loads(cli("tx", "list", "--json").stdout)["transactions"]) == 1
    assert _nonce(url, demo) == nonce

    r = cli("tx", "cancel", str(nonce), "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr[-400:]
    cancel_hash = json.loads(r.stdout)["tx"]
    states = {t["hash"]: t["state"] for t in json.loads(cli("tx", "list", "--json").stdout)["transactions"]}
    assert states == {entry["hash"]: "replaced", cancel_hash: "mined"}
    tx = rpc_request(url, "eth_getTransactionByHash", [cancel_hash])
    assert tx["to"].lower() == tx["from"].lower() == demo.lower() and int(tx["value"], 16) == 0
    assert int(tx["nonce"], 16) == nonce and _nonce(url, demo) == nonce + 1
    old_fee, old_tip = signed_fees(Journal().tx(entry["hash"]).raw)  # type: ignore[union-attr]
    assert int(tx["maxFeePerGas"], 16) >= bumped(old_fee) > old_fee
    assert int(tx["maxPriorityFeePerGas"], 16) >= bumped(old_tip)
    assert rpc_request(url, "eth_getTransactionByHash", [entry["hash"]]) is None
    # the nonce is used now: a second cancel is refused, and resume has nothing left to send
    r = cli("tx", "cancel", str(nonce), "--broadcast", "--yes")
    assert r.code == 1 and "already used on chain" in r.stderr
    assert json.loads(cli("tx", "resume", "--json").stdout)["actions"] == []


def test_cancel_replaces_a_pending_transaction_in_the_pool(devnet, cli, manual_mining) -> None:  # type: ignore[no-untyped-def]
    url = manual_mining
    tx_hash, nonce, max_fee = _pending_self_transfer(url)
    proc = _popen("tx", "cancel", str(nonce), "--broadcast", "--yes", "--json")
    try:
        # the replacement takes the original's place in the pool (same nonce, higher fees)
        _until("the replacement", lambda: rpc_request(url, "eth_getTransactionByHash", [tx_hash]) is None)
        rpc_request(url, "evm_mine", [])
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-400:]
    cancel_hash = json.loads(out)["tx"]
    receipt = rpc_request(url, "eth_getTransactionReceipt", [cancel_hash])
    assert receipt["status"] == "0x1" and rpc_request(url, "eth_getTransactionReceipt", [tx_hash]) is None
    tx = rpc_request(url, "eth_getTransactionByHash", [cancel_hash])
    assert int(tx["nonce"], 16) == nonce and int(tx["maxFeePerGas"], 16) >= bumped(max_fee)
    assert Journal().tx(tx_hash).state == "replaced"  # type: ignore[union-attr]


def test_resume_holds_the_account_lock(devnet, cli, manual_mining) -> None:  # type: ignore[no-untyped-def]
    """While `tx resume` follows a pending transaction, a write for the same account is refused."""
    url, demo = manual_mining, devnet.manifest.demo_address
    tx_hash, _, _ = _pending_self_transfer(url)

    def resume_holds_it() -> bool:
        try:
            with account_lock(31337, demo, wait_s=0):
                return False
        except AccountBusyError:
            return True

    assert not resume_holds_it()
    proc = _popen("tx", "resume", "--json")
    try:
        _until("resume to take the lock", resume_holds_it)
        r = cli("short", "open", "ETH", "--size-usd", "100", "--broadcast", "--yes",
                env={"HEDGEFI_LOCK_WAIT_S": "0.5"})
        assert r.code == 1 and "another hedgefi run is sending" in r.stderr
        rpc_request(url, "evm_mine", [])
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-400:]
    assert [(a["ref"], a["after"]) for a in json.loads(out)["actions"]] == [(tx_hash, "mined")]


def test_resume_voids_abandoned_signatures_on_request(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    url, demo = devnet.rpc_url, devnet.manifest.demo_address
    entry = _killed_after_sign(cli)
    db = sqlite3.connect(Journal().path)
    db.execute("UPDATE txs SET created_at = created_at - 3600 WHERE hash = ?", (entry["hash"],))  # long ago
    db.commit()
    db.close()
    r = cli("tx", "resume", "--json")
    assert r.code == 0, r.stderr[-400:]
    (action,) = json.loads(r.stdout)["actions"]
    assert action["after"] == "abandoned" and f"tx cancel {entry['nonce']}" in action["note"]
    assert _nonce(url, demo) == entry["nonce"]  # nothing was sent; the signature is still valid

    r = cli("tx", "resume", "--cancel-abandoned", "--yes", "--json")
    assert r.code == 0, r.stderr[-400:]
    (action,) = json.loads(r.stdout)["actions"]
    assert action["before"] == "new" and action["after"] == "mined"
    assert _nonce(url, demo) == entry["nonce"] + 1
    assert Journal().tx(entry["hash"]).state == "replaced"  # type: ignore[union-attr]
