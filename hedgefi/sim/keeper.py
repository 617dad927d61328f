"""The devnet keeper: a background process that executes pending venue orders within about a second.

Started by ``hedgefi devnet up`` (its pid is in the manifest), paused and resumed with
``hedgefi devnet keeper pause|resume`` (a flag file beside the manifest), stopped by ``devnet down``.
It plays each venue's keeper role exactly as a dry-run on a fork does: GMX's ORDER_KEEPER, and gTrade's
oracle nodes (which, as on mainnet, do not answer for a market outside its trading hours).

Like a real GMX keeper it follows OrderCreated events, never the global ORDER_LIST: the devnet seeds
thousands of other traders' far-from-trigger orders there (as mainnet holds), which it leaves alone; it
executes the orders created after the devnet's deploy block that are still pending.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from hedgefi.chain.manifest import devnet_dir

POLL_S = 0.25
FULL_POLL_S = 2.0     # with no new block and nothing pending, look at the orders this often anyway


def pause_flag() -> Path:
    return devnet_dir() / "keeper.paused"


def set_paused(paused: bool) -> None:
    flag = pause_flag()
    if paused:
        flag.parent.mkdir(parents=True, exist_ok=True)
        flag.touch()
    else:
        flag.unlink(missing_ok=True)


def is_paused() -> bool:
    return pause_flag().exists()


def start_keeper_process() -> int:
    """Spawn the keeper detached from this process; returns its pid."""
    import subprocess

    from hedgefi.core.config import data_dir

    log = open(devnet_dir() / "keeper.log", "ab")
    env = dict(os.environ, HEDGEFI_DATA_DIR=str(data_dir()))
    proc = subprocess.Popen([sys.executable, "-m", "hedgefi.sim.keeper"], stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log, env=env, start_new_session=True, close_fds=True)
    log.close()
    return proc.pid


def pid_is_keeper(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return b"hedgefi.sim.keeper" in cmdline and ") Z " not in stat


def created_gmx_order_keys(url: str, emitter: str, from_block: int) -> list[str]:
    """Keys of the GMX orders created from ``from_block`` on and not executed or cancelled since (one
    ``eth_getLogs`` for the three EventLog2 names), oldest first: the keeper's ``getOrder`` per key then
    costs what is pending, not every order the devnet ever saw."""
    from hedgefi.chain.local import rpc_request
    from hedgefi.venues.gmx.constants import codec
    from hedgefi.venues.gmx.events import event_name_hash

    created_t, executed_t, cancelled_t = ("0x" + event_name_hash(n).hex()
                                          for n in ("OrderCreated", "OrderExecuted", "OrderCancelled"))
    topics = ["0x" + codec("EventEmitter").event_topic("EventLog2").hex(), [created_t, executed_t, cancelled_t]]
    logs = rpc_request(url, "eth_getLogs", [{"address": emitter, "topics": topics, "fromBlock": hex(from_block),
                                             "toBlock": "latest"}]) or []
    pending: dict[str, None] = {}
    for log in logs:
        t = [str(x).lower() for x in log.get("topics", [])]
        if len(t) < 3:
            continue
        if t[1] == created_t:
            pending[t[2]] = None
        else:
            pending.pop(t[2], None)
    return list(pending)


def stop_keeper(pid: int) -> bool:
    if not pid_is_keeper(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if not pid_is_keeper(pid):
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return True


def main() -> None:
    from hedgefi.chain.manifest import load_manifest
    from hedgefi.core.errors import HedgefiError
    from hedgefi.venues.gmx.deployment import deployment_for
    from hedgefi.venues.gmx.keeper import execute_pending
    from hedgefi.venues.gtrade.deployment import deployment_for as gtrade_deployment
    from hedgefi.venues.gtrade.keeper import Fulfiller, feeds_of

    manifest = load_manifest()
    profile = manifest.profile()
    gmx = deployment_for(profile)
    oracles = Fulfiller(manifest.rpc_url, gtrade_deployment(profile), feeds_of(profile))
    stop = False

    def on_term(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    from hedgefi.chain.local import rpc_request
    from hedgefi.sim.anvil import pid_is_anvil

    last_head: object = None
    last_full = 0.0
    busy = False        # the last look found orders pending: look again next round
    while not stop:
        if manifest.pid and not pid_is_anvil(manifest.pid):
            print("keeper: the devnet's anvil is gone; exiting", flush=True)
            return
        if not is_paused():
            try:
                # orders only appear in new blocks: one cheap head read per round, the order lists when it moved
                head = (rpc_request(manifest.rpc_url, "eth_getBlockByNumber", ["latest", False]) or {}).get("hash")
                if not (busy or head != last_head or time.monotonic() - last_full > FULL_POLL_S):
                    time.sleep(POLL_S)
                    continue
                last_head, last_full = head, time.monotonic()
                created = created_gmx_order_keys(manifest.rpc_url, gmx.event_emitter, manifest.deploy_block)
                results = execute_pending(manifest.rpc_url, gmx, order_keys=created)
                for r in results:
                    if r.executed:
                        print(f"gmx: executed order {r.key} in {r.tx_hash}", flush=True)
                fulfilled = oracles.run_once()
                for f in fulfilled:
                    if f.executed:
                        print(f"gtrade: fulfilled order {f.key} in {', '.join(f.tx_hashes)}", flush=True)
                busy = bool(results) or bool(fulfilled)
            except HedgefiError as exc:
                print(f"keeper: {exc}", flush=True)
                time.sleep(1.0)
            except Exception as exc:  # noqa: BLE001 - a race with evm_revert must not stop the devnet's keeper
                print(f"keeper: unexpected {type(exc).__name__}: {exc}; carrying on", flush=True)
                time.sleep(1.0)
        time.sleep(POLL_S)


if __name__ == "__main__":
    main()
