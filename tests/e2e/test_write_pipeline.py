"""The write pipeline on the devnet: what the preview shows is byte for byte what is signed; a market that
moves past the acceptable price between confirmation and sending stops the run; caps hold the whole run,
gas and execution fees included."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
import rlp

from tests.helpers import CLI_OUTPUTS, DEMO_KEY_HEX, ROOT

DEMO = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
SIGNED_FIELDS = ("chainId", "nonce", "maxPriorityFeePerGas", "maxFeePerGas", "gas", "to", "value", "data")


@pytest.fixture
def gold_open(devnet):  # type: ignore[no-untyped-def]
    devnet.set_market_hours("commodities", True)    # the XAU short goes to gTrade, which keeps market hours
    return devnet


def _nonce(devnet) -> int:  # type: ignore[no-untyped-def]
    from hedgefi.chain.local import rpc_request

    return int(rpc_request(devnet.rpc_url, "eth_getTransactionCount", [DEMO, "latest"]), 16)


def _decode_signed(raw_hex: str) -> dict[str, Any]:
    """An EIP-1559 signed transaction, decoded from its raw bytes (0x02 || rlp([...]))."""
    raw = bytes.fromhex(raw_hex.removeprefix("0x"))
    assert raw[0] == 2, "not an EIP-1559 transaction"
    items = rlp.decode(raw[1:])
    as_int = [int.from_bytes(items[i], "big") for i in (0, 1, 2, 3, 4, 6)]
    return {"chainId": as_int[0], "nonce": as_int[1], "maxPriorityFeePerGas": as_int[2], "maxFeePerGas": as_int[3],
            "gas": as_int[4], "to": "0x" + items[5].hex(), "value": as_int[5], "data": "0x" + items[7].hex()}


def _previewed(t: dict[str, Any]) -> dict[str, Any]:
    return {"chainId": t["chainId"], "nonce": t["nonce"], "maxPriorityFeePerGas": t["maxPriorityFeePerGas"],
            "maxFeePerGas": t["maxFeePerGas"], "gas": t["gas"], "to": t["to"].lower(), "value": int(t["value"]),
            "data": t["data"]}


def test_preview_is_byte_identical_to_what_is_signed_and_sent(gold_open, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.journal import Journal
    from hedgefi.chain.local import rpc_request

    start = _nonce(gold_open)
    r = cli("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr[-800:]
    preview = json.loads(r.stdout)["preview"]
    txs = preview["transactions"]
    assert len(txs) >= 6 and [t["nonce"] for t in txs] == list(range(start, start + len(txs)))
    assert any(t["kind"] == "approve" for t in txs)           # orders that depend on an approval before them
    journal = {e.nonce: e for e in Journal().txs(account=DEMO, limit=100)}
    assert sorted(journal) == [t["nonce"] for t in txs] and {e.state for e in journal.values()} == {"mined"}
    for t in txs:
        entry = journal[t["nonce"]]
        signed = _decode_signed(entry.raw)
        assert signed == _previewed(t), t["description"]
        on_chain = rpc_request(gold_open.rpc_url, "eth_getTransactionByHash", [entry.hash])
        assert on_chain["input"] == t["data"] and on_chain["to"].lower() == t["to"].lower()
        assert int(on_chain["gas"], 16) == t["gas"] and int(on_chain["maxFeePerGas"], 16) == t["maxFeePerGas"]
        receipt = rpc_request(gold_open.rpc_url, "eth_getTransactionReceipt", [entry.hash])
        used = int(receipt["gasUsed"], 16)
        # the gas limit came from the fork run (approval mined first), not a placeholder: enough, and close
        assert used <= t["gas"] <= 2 * used, (t["description"], used, t["gas"])
    assert _nonce(gold_open) == start + len(txs)              # nothing was sent that the preview did not show


def test_short_open_preview_is_what_is_signed(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.journal import Journal

    r = cli("short", "open", "ETH", "--size-usd", "4000", "--venue", "gmx", "--broadcast", "--yes", "--json")
    assert r.code == 0, r.stderr[-800:]
    out = json.loads(r.stdout)
    txs = out["result"]["preview"]["transactions"]
    sent = {e.hash: e for e in Journal().txs(account=DEMO)}
    assert sorted(sent) == sorted(out["result"]["transactions"])
    assert sorted((_decode_signed(e.raw) for e in sent.values()), key=lambda d: d["nonce"]) == \
        [_previewed(t) for t in txs]
    order = txs[-1]
    # a GMX order with USDC collateral carries exactly its execution fee as value, and the preview says so
    assert Decimal(order["execution_fee_eth"]) * 10**18 == int(order["value"]) > 0
    assert Decimal(out["plan"]["execution_fee_eth"]) == Decimal(order["execution_fee_eth"])


def _run_with_terminal(args: list[str], on_prompt: Any, answer: str = "y", timeout: float = 240) -> tuple[int, str, str]:
    """Run the CLI with a terminal on stdin (so it asks), call ``on_prompt()`` when the question appears, then
    answer it; returns (exit code, stdout, stderr)."""
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="200")
    proc = subprocess.Popen([sys.executable, "-m", "hedgefi.cli.app", *args], stdin=slave, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=ROOT)
    os.close(slave)
    err_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read() if proc.stderr else b""))
    reader.start()
    out = b""
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while b"[y/N]" not in out:
        chunk = proc.stdout.read1(4096)
        if not chunk or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            reader.join()
            raise AssertionError(f"no confirmation prompt: {out.decode()} {b''.join(err_chunks).decode()[-800:]}")
        out += chunk
    on_prompt()
    os.write(master, (answer + "\n").encode())
    rest, _ = proc.communicate(timeout=timeout)
    reader.join()
    os.close(master)
    stdout, stderr = (out + rest).decode(), b"".join(err_chunks).decode()
    CLI_OUTPUTS.append(stdout + stderr)
    assert DEMO_KEY_HEX not in (stdout + stderr).lower() and "Traceback" not in stderr
    return proc.returncode, stdout, stderr


def test_price_moves_past_the_acceptable_price_between_confirm_and_send(gold_open, cli) -> None:  # type: ignore[no-untyped-def]
    """The user is shown the bundle; while the question is on screen ETH falls 5% (more than the 0.5% slippage
    the ETH order's acceptable price allows); they answer yes: the ETH order and everything after it is not
    sent, and the message says the ETH price moved."""
    from hedgefi.chain.journal import Journal
    from hedgefi.sim import control

    start = _nonce(gold_open)
    preview = json.loads(cli("hedge", "apply", "--ratio", "0.5", "--json").stdout)["preview"]
    eth_step = next(t["step"] for t in preview["transactions"] if " ETH " in t["description"])
    before_eth = [t for t in preview["transactions"] if t["step"] < eth_step]

    code, stdout, stderr = _run_with_terminal(["hedge", "apply", "--ratio", "0.5", "--broadcast"],
                                              lambda: control.set_price("ETH", "-5%"))
    text = " ".join((stdout + stderr).split())
    assert code == 7, text[-1500:]
    assert "the ETH price moved from" in text and "below the acceptable price" in text, text[-1500:]
    assert "nothing more was sent" in text
    # exactly the steps before ETH went out; nothing for ETH or after it
    assert _nonce(gold_open) == start + len(before_eth)
    sent = Journal().txs(account=DEMO)
    assert len(sent) == len(before_eth) and not any(" ETH " in e.description for e in sent)
    positions = json.loads(cli("positions", "--json").stdout)
    assert "ETH" not in {p["asset"] for p in positions["positions"] + positions["pending_orders"]}


def test_drift_in_the_confirm_callback_sends_nothing(gold_open) -> None:  # type: ignore[no-untyped-def]
    """The same through the API (`confirm` answers yes after every price moved): the first order's guard
    stops the run before anything is signed."""
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.hedge.executor import apply
    from hedgefi.hedge.policy import HedgePolicy
    from hedgefi.pipeline import DriftError
    from hedgefi.sim import control
    from hedgefi.wallet.signers import resolve_identity

    conn = connect(get_profile("devnet"))
    ident = resolve_identity(conn.profile)
    start = _nonce(gold_open)

    def yes_after_a_crash(_: object) -> bool:
        for asset in ("ETH", "BTC", "ARB", "LINK", "XAU"):
            control.set_price(asset, "-5%")
        return True

    with pytest.raises(DriftError) as exc:
        apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.5")), broadcast=True, confirm=yes_after_a_crash)
    assert "price moved from" in exc.value.message and "0 of" in exc.value.message
    assert _nonce(gold_open) == start


def test_run_level_caps_count_gas_and_execution_fees_of_every_order(gold_open, cli) -> None:  # type: ignore[no-untyped-def]
    start = _nonce(gold_open)
    dry = json.loads(cli("hedge", "apply", "--ratio", "0.5", "--json").stdout)
    preview, totals = dry["preview"], dry["preview"]["totals"]
    wei = Decimal(10) ** 18
    gas_wei = sum(t["gas"] * t["maxFeePerGas"] for t in preview["transactions"])
    exec_wei = sum(int(t["value"]) for t in preview["transactions"] if t["kind"] == "order" and "GMX" in t["description"])
    assert Decimal(totals["gas_fee_eth"]) * wei == gas_wei
    assert Decimal(totals["execution_fee_eth"]) * wei == exec_wei > 0     # USDC collateral: value is the fee
    per_step: dict[int, int] = {}
    for t in preview["transactions"]:
        per_step[t["step"]] = per_step.get(t["step"], 0) + t["gas"] * t["maxFeePerGas"] + \
            int(Decimal(t["execution_fee_eth"]) * wei)
    total_wei = gas_wei + exec_wei
    cap_wei = total_wei * 9 // 10
    assert max(per_step.values()) < cap_wei      # every order alone is under the cap; the run is not
    cap = str(Decimal(cap_wei) / wei)
    r = cli("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes", "--max-total-fee-eth", cap)
    assert r.code == 7 and "above --max-total-fee-eth" in r.stderr and "execution fees" in r.stderr, r.stderr[-600:]
    # max_fees_usd: the position fees alone fit, with gas and execution fees the run does not
    position_fees = Decimal(dry["plan"]["est_fees_usd"])
    chain_fees = Decimal(totals["fee_usd"])
    assert chain_fees > 0
    cap_usd = str((position_fees + chain_fees / 2).quantize(Decimal("0.01")))
    r = cli("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes", "--max-fees-usd", cap_usd)
    assert r.code == 7 and "max_fees_usd" in r.stderr and "gas and execution fees" in r.stderr, r.stderr[-600:]
    assert _nonce(gold_open) == start
