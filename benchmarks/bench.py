"""``scripts/bench``: hedgefi against naive clients on the devnet, behind a loopback proxy that plays a
remote RPC (a fixed delay on every HTTP request) and counts requests.

Baselines, written here on purpose to behave like typical SDKs: one ``eth_call`` per balance, per decimals,
per price and per market key; and ``cast call`` run once per balance. Run with ``--write`` to refresh
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import httpx

from hedgefi.chain.abi import encode_call

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    case: str
    requests: int
    seconds: float
    baseline: str = ""
    baseline_requests: int | None = None
    baseline_seconds: float | None = None
    target: str = ""
    ok: bool | None = None

    @property
    def ratio(self) -> str:
        if not self.baseline_seconds:
            return "-"
        return f"{self.baseline_seconds / self.seconds:.1f}x"


class NaiveClient:
    """What a typical SDK does: one JSON-RPC request per value."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(timeout=30)
        self.n = 0

    def call(self, to: str, data: bytes) -> bytes:
        self.n += 1
        r = self.client.post(self.url, json={"jsonrpc": "2.0", "id": self.n, "method": "eth_call",
                                              "params": [{"to": to, "data": "0x" + data.hex()}, "latest"]})
        return bytes.fromhex(r.json().get("result", "0x")[2:])

    def rpc(self, method: str, params: list[Any]) -> Any:
        self.n += 1
        return self.client.post(self.url, json={"jsonrpc": "2.0", "id": self.n, "method": method,
                                                "params": params}).json().get("result")


def naive_holdings(url: str, profile: Any, address: str, extras: list[str]) -> int:
    c = NaiveClient(url)
    c.rpc("eth_chainId", [])
    c.rpc("eth_getBalance", [address, "latest"])
    tokens = [(t.address, t.feed) for t in profile.tokens] + [(a, None) for a in extras]
    for token, feed in tokens:
        c.call(token, encode_call("balanceOf(address)", ["address"], [address]))
        c.call(token, encode_call("decimals()"))
        if feed:
            c.call(feed, encode_call("latestRoundData()"))
    if profile.native_feed:
        c.call(profile.native_feed, encode_call("latestRoundData()"))
    return c.n


def _naive_market_list(c: NaiveClient, conn: Any, d: Any, snap: Any) -> None:
    """The market list, then a feed read per market token, one request each."""
    from hedgefi.venues.gmx.constants import codec

    c.rpc("eth_chainId", [])
    c.call(d.reader, codec("Reader").encode("getMarkets", d.data_store, 0, 500))
    for m in snap.markets:
        for t in {m.index_token, m.long_token, m.short_token}:
            feed = next(x.feed for x in conn.profile.tokens if x.address.lower() == t.lower())
            c.call(feed, encode_call("latestRoundData()"))


def naive_markets(url: str, conn: Any) -> int:
    """Per market: the Reader's market info plus every DataStore key on its own, and a feed read per token."""
    from hedgefi.venues.gmx import keys
    from hedgefi.venues.gmx.constants import codec
    from hedgefi.venues.gmx.deployment import deployment_for
    from hedgefi.venues.gmx.reads import fetch_snapshot

    d = deployment_for(conn.profile)
    snap = fetch_snapshot(conn, d)
    c = NaiveClient(url)
    _naive_market_list(c, conn, d, snap)
    for m in snap.markets:
        c.call(d.reader, codec("Reader").encode("getMarketInfo", d.data_store, snap.market_prices(m), m.key))
        for k in (keys.open_interest_key(m.key, m.long_token, True), keys.open_interest_key(m.key, m.short_token, True),
                  keys.open_interest_key(m.key, m.long_token, False), keys.open_interest_key(m.key, m.short_token, False),
                  keys.pool_amount_key(m.key, m.short_token), keys.reserve_factor_key(m.key, False),
                  keys.open_interest_reserve_factor_key(m.key, False), keys.max_open_interest_key(m.key, False),
                  keys.min_collateral_factor_key(m.key), keys.position_fee_factor_key(m.key, False),
                  keys.is_market_disabled_key(m.key)):
            c.call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [k]))
    return c.n


def naive_positions(url: str, conn: Any, account: str) -> int:
    """Markets and prices one by one, then each position and its market's parameters one by one."""
    from hedgefi.venues.gmx import keys
    from hedgefi.venues.gmx.constants import codec
    from hedgefi.venues.gmx.deployment import deployment_for
    from hedgefi.venues.gmx.reads import fetch_snapshot

    d = deployment_for(conn.profile)
    snap = fetch_snapshot(conn, d)
    c = NaiveClient(url)
    _naive_market_list(c, conn, d, snap)
    c.call(d.reader, codec("Reader").encode("getAccountPositions", d.data_store, account, 0, 1000))
    c.call(d.reader, codec("Reader").encode("getAccountOrders", d.data_store, account, 0, 1000))
    for m in snap.markets:
        pk = keys.position_key(account, m.key, m.short_token, False)
        c.call(d.reader, codec("Reader").encode("getPosition", d.data_store, pk))
        c.call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [keys.min_collateral_factor_key(m.key)]))
    return c.n


def cast_balances(url: str, tokens: list[str], address: str) -> int:
    from hedgefi.sim.tools import foundry_binary

    cast = str(foundry_binary("cast"))
    for t in tokens:
        subprocess.run([cast, "call", t, "balanceOf(address)(uint256)", address, "--rpc-url", url],
                       capture_output=True, check=True)
    return len(tokens)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _extra_tokens(rpc_url: str, n: int, template: str) -> list[str]:
    """``n`` ERC-20 contracts (the DevToken runtime placed with anvil_setCode: one request each)."""
    from hedgefi.chain.local import rpc_request

    code = rpc_request(rpc_url, "eth_getCode", [template, "latest"])
    out = []
    for i in range(n):
        address = "0x" + f"{0xbe0c0000 + i:040x}"
        rpc_request(rpc_url, "anvil_setCode", [address, code])
        out.append(address)
    return out


def run(delay_ms: float, write: bool) -> list[Row]:
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.sim import control
    from hedgefi.sim.anvil import free_port
    from hedgefi.testing.rpc_proxy import CountingProxy
    from hedgefi.wallet.holdings import fetch_holdings

    rows: list[Row] = []
    home = tempfile.mkdtemp(prefix="hedgefi-bench-")
    os.environ["HEDGEFI_DATA_DIR"] = home
    print(f"Starting a devnet for the benchmark (data in {home})…", file=sys.stderr)
    manifest = control.up(port=free_port())
    try:
        profile = get_profile("devnet")
        address = manifest.demo_address
        extras = _extra_tokens(manifest.rpc_url, 500, manifest.contracts["LINK"])
        with CountingProxy(manifest.rpc_url, delay_s=delay_ms / 1000) as proxy:
            for n in (10, 100, 500):
                proxy.reset()
                conn = connect(profile, proxy.url)
                secs, _ = timed(lambda: fetch_holdings(conn, address, extras[:n]))
                reqs = proxy.http_requests
                proxy.reset()
                bsecs, breqs = timed(lambda: naive_holdings(proxy.url, profile, address, extras[:n]))
                row = Row(f"holdings, {n} extra tokens", reqs, secs, "one eth_call per value", breqs, bsecs,
                          "<= 2 requests" + ("; >= 20x naive" if n == 100 else ""))
                row.ok = reqs <= 2 and (n != 100 or bsecs / secs >= 20)
                rows.append(row)
                if n in (10, 100):
                    csecs, creqs = timed(lambda: cast_balances(proxy.url, extras[:n], address))
                    rows.append(Row(f"  vs cast call, {n} balances", reqs, secs, "cast call per balance",
                                    creqs, csecs))
            from hedgefi.venues.gmx.reads import fetch_markets, fetch_positions
            from hedgefi.venues.gmx.deployment import deployment_for

            d = deployment_for(profile)
            proxy.reset()
            conn = connect(profile, proxy.url)
            secs, _ = timed(lambda: fetch_markets(conn, d))
            reqs = proxy.http_requests
            proxy.reset()
            bsecs, breqs = timed(lambda: naive_markets(proxy.url, connect(profile, manifest.rpc_url)))
            rows.append(Row("markets, GMX (every market)", reqs, secs, "one eth_call per read", breqs, bsecs,
                            "<= 2 requests", reqs <= 2))
            markets_naive = (breqs, bsecs)
            proxy.reset()
            conn = connect(profile, proxy.url)
            secs, _ = timed(lambda: fetch_positions(conn, d, address))
            reqs = proxy.http_requests
            proxy.reset()
            bsecs, breqs = timed(lambda: naive_positions(proxy.url, connect(profile, manifest.rpc_url), address))
            rows.append(Row("positions, GMX", reqs, secs, "one eth_call per read", breqs, bsecs, "<= 2 requests",
                            reqs <= 2))
            positions_naive = (breqs, bsecs)
            from hedgefi.venues.gtrade import reads as gtrade_reads
            from hedgefi.venues.gtrade.deployment import deployment_for as gtrade_deployment

            gd = gtrade_deployment(profile)
            for label, fn in (("markets, gTrade (every pair)", lambda: gtrade_reads.fetch_markets(conn, gd)),
                              ("positions, gTrade", lambda: gtrade_reads.fetch_positions(conn, gd, address))):
                proxy.reset()
                conn = connect(profile, proxy.url)
                secs, _ = timed(fn)
                rows.append(Row(label, proxy.http_requests, secs, target="<= 2 requests",
                                ok=proxy.http_requests <= 2))
            proxy.reset()
            bsecs_h, breqs_h = timed(lambda: naive_holdings(proxy.url, profile, address, []))
            proxy.reset()
            conn = connect(profile, proxy.url)
            from hedgefi.hedge.executor import fetch_state
            from hedgefi.hedge.planner import plan as make_plan
            from hedgefi.hedge.policy import HedgePolicy

            def hedge_plan() -> Any:
                st = fetch_state(conn, address)
                return make_plan(st.exposures, st.positions, st.pending, st.markets,
                                 HedgePolicy.from_ratio(Decimal("0.5")))
            secs, _ = timed(hedge_plan)
            rows.append(Row("hedge plan (holdings + both venues' markets and positions)", proxy.http_requests, secs,
                            "the naive reads (GMX only)", breqs_h + markets_naive[0] + positions_naive[0],
                            bsecs_h + markets_naive[1] + positions_naive[1]))
        help_s = min(timed(lambda: subprocess.run([sys.executable, "-m", "hedgefi.cli.app", "--help"],
                                                  capture_output=True, check=True))[0] for _ in range(5))
        rows.append(Row("hedgefi --help (cold start, best of 5)", 0, help_s, target="< 0.3 s", ok=help_s < 0.3))
        rows += _apply_dry_runs(profile, manifest.rpc_url, delay_ms)
        rows.append(_order_to_execution(profile))
        rows += _command_reads(profile, manifest.rpc_url, address, delay_ms)
    finally:
        control.down()
    _print(rows, delay_ms)
    if write:
        _write(rows, delay_ms)
    return rows


def _apply_dry_runs(profile: Any, rpc_url: str, delay_ms: float) -> list[Row]:
    """``hedge apply --ratio 0.5`` as a dry-run (every asset the demo wallet holds: ETH, BTC, ARB, LINK on GMX,
    gold on gTrade) behind the delaying proxy, by ``eth_simulateV1`` and by an anvil fork."""
    from hedgefi.chain.rpc import connect
    from hedgefi.hedge.executor import apply
    from hedgefi.hedge.policy import HedgePolicy
    from hedgefi.sim import control
    from hedgefi.testing.rpc_proxy import CountingProxy
    from hedgefi.wallet.signers import resolve_identity

    control.move_to_market_hours(rpc_url, "commodities", True)     # gold's oracles answer only in its hours
    rows = []
    with CountingProxy(rpc_url, delay_s=delay_ms / 1000) as proxy:
        for backend in ("simulate", "fork", "fork again"):
            os.environ["HEDGEFI_DRY_RUN"] = backend.split()[0]
            conn = connect(profile, proxy.url)
            ident = resolve_identity(profile)
            assert ident is not None
            proxy.reset()
            secs, result = timed(lambda: apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.5"))))
            n, reqs = len(result.orders), proxy.http_requests
            label = "hedge apply --ratio 0.5 dry-run by " + {
                "simulate": "eth_simulateV1", "fork": "anvil fork",
                "fork again": "anvil fork, again (last fork's accounts and slots prefetched in bulk)"}[backend]
            if backend == "simulate":
                rows.append(Row(f"{label} ({n} orders)", reqs, secs, target="< 2 s, <= 5 requests",
                                ok=secs < 2 and reqs <= 5 and n == 5 and result.complete))
            else:
                rows.append(Row(f"{label} ({n} orders)", reqs, secs))
    os.environ.pop("HEDGEFI_DRY_RUN", None)
    return rows


def _order_to_execution(profile: Any) -> Row:
    from hedgefi.chain.rpc import connect
    from hedgefi.execution import broadcast
    from hedgefi.venues.base import ShortRequest
    from hedgefi.venues.gmx.adapter import GmxVenue
    from hedgefi.wallet.signers import resolve_identity

    conn = connect(profile)
    ident = resolve_identity(profile)
    assert ident is not None
    v = GmxVenue(conn)
    txs = v.plan_short(ident.address, ShortRequest("ETH", Decimal("1000"))).txs
    secs, result = timed(lambda: broadcast(conn, v, ident.signer(), txs, lambda _: True))
    return Row("devnet order to execution (send -> OrderExecuted)", 0, secs, target="< 2 s",
               ok=secs < 2 and result.all_executed)


def _open_gtrade_short(profile: Any) -> None:
    from hedgefi.chain.rpc import connect
    from hedgefi.execution import broadcast
    from hedgefi.venues.base import ShortRequest
    from hedgefi.venues.gtrade.adapter import GtradeVenue
    from hedgefi.wallet.signers import resolve_identity

    conn = connect(profile)
    ident = resolve_identity(profile)
    assert ident is not None
    v = GtradeVenue(conn)
    txs = v.plan_short(ident.address, ShortRequest("ETH", Decimal("1000"))).txs
    broadcast(conn, v, ident.signer(), txs, lambda _: True)


def _command_reads(profile: Any, rpc_url: str, address: str, delay_ms: float) -> list[Row]:
    """``markets``, ``positions`` and ``hedge plan`` as the CLI reads them (both venues; the wallet holds a
    GMX and a gTrade short by now), behind the proxy with and without the delay: HTTP requests, the median
    time of 3 behind the delay, and the sequential round trips (added time / delay)."""
    from statistics import median

    from hedgefi.chain.rpc import connect
    from hedgefi.hedge.executor import fetch_state
    from hedgefi.hedge.planner import plan as make_plan
    from hedgefi.hedge.policy import HedgePolicy
    from hedgefi.testing.rpc_proxy import CountingProxy
    from hedgefi.venues.gather import fetch_markets_of, fetch_positions_of
    from hedgefi.venues.registry import get_venue, venue_names

    _open_gtrade_short(profile)

    def venues(conn: Any) -> list[Any]:
        return [get_venue(n, conn) for n in venue_names()]

    cases: list[tuple[str, Callable[[Any], Any]]] = [
        ("markets", lambda conn: fetch_markets_of(conn, venues(conn))),
        ("positions", lambda conn: fetch_positions_of(conn, venues(conn), address)),
        ("hedge plan --ratio 0.5", lambda conn: (lambda st: make_plan(
            st.exposures, st.positions, st.pending, st.markets, HedgePolicy.from_ratio(Decimal("0.5"))))(
                fetch_state(conn, address))),
    ]
    rows = []
    for name, fn in cases:
        times: dict[float, float] = {}
        requests = 0
        for delay in (0.0, delay_ms / 1000):
            with CountingProxy(rpc_url, delay_s=delay) as proxy:
                runs = []
                for _ in range(3):
                    proxy.reset()
                    conn = connect(profile, proxy.url)
                    runs.append(timed(lambda: fn(conn))[0])
                    requests = proxy.http_requests
                times[delay] = median(runs)
        added = times[delay_ms / 1000] - times[0.0]
        trips = added / (delay_ms / 1000) if delay_ms else float(requests)
        rows.append(Row(f"{name} (both venues): {trips:.1f} sequential round trips (added time / delay, median of 3)",
                        requests, times[delay_ms / 1000], target="<= 2 round trips", ok=requests <= 2 and trips < 2.5))
    return rows


def _print(rows: list[Row], delay_ms: float) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"hedgefi benchmark (RPC delay {delay_ms:.0f} ms per HTTP request)")
    for c in ("Case", "hedgefi requests", "hedgefi time", "Baseline", "Baseline requests", "Baseline time",
              "Speed-up", "Target", "Met"):
        t.add_column(c)
    for r in rows:
        t.add_row(r.case, str(r.requests), f"{r.seconds:.3f} s", r.baseline,
                  "" if r.baseline_requests is None else str(r.baseline_requests),
                  "" if r.baseline_seconds is None else f"{r.baseline_seconds:.3f} s", r.ratio, r.target,
                  "" if r.ok is None else ("yes" if r.ok else "NO"))
    Console(width=200).print(t)


def _write(rows: list[Row], delay_ms: float) -> None:
    lines = ["# Benchmarks", "",
             f"Measured by `./scripts/bench` on {platform.platform()} ({os.cpu_count()} cores), Python "
             f"{platform.python_version()}, with every HTTP request to the devnet delayed by {delay_ms:.0f} ms by a "
             "loopback proxy (like a remote RPC). Reproduce: `./scripts/bench --write`.", "",
             "| Case | hedgefi requests | hedgefi time | Baseline | Baseline requests | Baseline time | Speed-up "
             "| Target | Met |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.case.strip()} | {r.requests} | {r.seconds:.3f} s | {r.baseline} | "
                     f"{'' if r.baseline_requests is None else r.baseline_requests} | "
                     f"{'' if r.baseline_seconds is None else f'{r.baseline_seconds:.3f} s'} | {r.ratio} | "
                     f"{r.target} | {'' if r.ok is None else ('yes' if r.ok else 'NO')} |")
    lines += ["", "Notes:",
              "- hedgefi batches every read through Multicall3 and sends the chain-id check in the same JSON-RPC "
              "batch, so holdings is one HTTP request and each venue's markets two, whatever the number of tokens, "
              "markets or pairs. A command's readers run side by side (`hedgefi.chain.readplan`): stage 1 of "
              "every venue and the holdings in one JSON-RPC batch, stage 2 in another, so `markets`, `positions` "
              "and `hedge plan` take 2 requests however many venues they read (they took 4, 3 and 8 one venue "
              "after the other). The naive baselines exist for GMX only.",
              "- The last three rows run after the order-to-execution row, so the wallet holds a GMX and a gTrade "
              "short; their time is the median of 3 behind the delay, and the round trips are the time they add "
              "over the same run without the delay, divided by the delay.",
              "- The two hedge apply dry-run rows run behind the delay and count every request of the run, the reads "
              "that plan each order included (most of the 32: each order's plan still reads its own fee context, "
              "issue 17). By eth_simulateV1 the bundle with every keeper and oracle answer is two requests (a "
              "probe for gTrade's oracle request ids, then the run); on the fork anvil fetches the state it "
              "touches one slot at a time.\n"
              "- The order-to-execution row runs against the local devnet RPC: anvil fetches a "
              "fork's state lazily, so against a remote RPC their time is dominated by the upstream's latency.",
              "- `cast call` starts one process per balance; its time includes process start-up.", ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay-ms", type=float, default=50.0)
    ap.add_argument("--write", action="store_true", help="write BENCHMARKS.md")
    args = ap.parse_args()
    rows = run(args.delay_ms, args.write)
    sys.exit(0 if all(r.ok is not False for r in rows) else 1)


if __name__ == "__main__":
    main()
