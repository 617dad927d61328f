"""The eth_simulateV1 dry-run on the devnet: the same "after" as the fork for the same bundle, at most 5 upstream
requests for a GMX short, and a node without eth_simulateV1 falls back to the fork and says so once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hedgefi.testing.rpc_proxy import CountingProxy

DEMO = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def _gmx_short_bundle(conn: Any) -> Any:
    from hedgefi import pipeline
    from hedgefi.venues.base import ShortRequest
    from hedgefi.venues.registry import get_venue

    venue = get_venue("gmx", conn)
    plan = venue.plan_short(DEMO, ShortRequest("ETH", Decimal(1000), "USDC", leverage=Decimal(2)))
    return pipeline.build(conn, DEMO, [pipeline.plan_step(venue, plan, None)], enforce_fee_cap=False)


def _positions(fc: Any) -> list[Any]:
    from hedgefi.venues.registry import get_venue

    return list(get_venue("gmx", fc).fetch_positions(DEMO)[0])


def _both_positions(fc: Any) -> list[Any]:
    from hedgefi.venues.registry import get_venue

    return [p for name in ("gmx", "gtrade") for p in get_venue(name, fc).fetch_positions(DEMO)[0]]


def _both_venues_bundle(conn: Any) -> Any:
    """A GMX ETH short, then a gTrade BTC short and a gTrade ETH short: two steps whose oracle requests only
    the simulation's own logs can tell."""
    from hedgefi import pipeline
    from hedgefi.venues.base import Allowances, ShortRequest
    from hedgefi.venues.registry import get_venue

    gmx, gtrade = get_venue("gmx", conn), get_venue("gtrade", conn)
    allowances = Allowances()
    steps = [pipeline.plan_step(v, v.plan_short(DEMO, ShortRequest(asset, Decimal(size), "USDC", leverage=Decimal(3)),
                                                allowances=allowances), None)
             for v, asset, size in ((gmx, "ETH", 2000), (gtrade, "BTC", 6000), (gtrade, "ETH", 4000))]
    return pipeline.build(conn, DEMO, steps, enforce_fee_cap=False)


def _facts(positions: list[Any]) -> list[tuple[Any, ...]]:
    return sorted((p.venue, p.asset, p.side, p.size_usd_e30, p.size_collateral_raw, p.size_tokens, p.collateral_token,
                   p.collateral_amount, p.funding_fee_usd, p.borrowing_fee_usd, p.entry_price, p.liquidation_price,
                   p.close_value_usd) for p in positions)


def test_simulation_and_fork_agree_on_a_gmx_short(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi import pipeline
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect

    conn = connect(get_profile("devnet"))
    bundle = _gmx_short_bundle(conn)
    sim_bundle, sim_runs, sim_after = pipeline.dry_run(conn, bundle, _positions, backend="simulate")
    fork_bundle, fork_runs, fork_after = pipeline.dry_run(conn, bundle, _positions, backend="fork")
    assert sim_bundle.dry_run_backend == "simulation" and fork_bundle.dry_run_backend == "fork"
    assert sim_after and _facts(sim_after) == _facts(fork_after or [])
    assert sim_after[0].size_usd == Decimal(1000)
    assert [o.as_json() for r in sim_runs for o in r.orders] == [o.as_json() for r in fork_runs for o in r.orders]
    assert [o.status for r in sim_runs for o in r.orders] == ["executed"]
    for s, f in zip(sim_bundle.txs, fork_bundle.txs):       # gas limits from both: enough, and close
        assert f.prepared.gas // 2 <= s.prepared.gas <= 2 * f.prepared.gas, s.prepared.utx.description


def test_simulation_and_fork_agree_on_gtrade_shorts_beside_a_gmx_one(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi import pipeline
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect

    conn = connect(get_profile("devnet"))
    bundle = _both_venues_bundle(conn)
    with CountingProxy(devnet.rpc_url) as proxy:
        pconn = connect(get_profile("devnet"), proxy.url)
        proxy.reset()
        sim_bundle, sim_runs, sim_after = pipeline.dry_run(pconn, bundle, _both_positions, backend="simulate")
        # the keepers' setup reads, the probe without gTrade's oracle answers, the run, and one more round for
        # the reads of trades that only exist after it (their calls depend on what the first stage finds)
        assert proxy.counts["eth_simulateV1"] <= 3 and proxy.http_requests <= 10, dict(proxy.counts)
        assert "eth_getStorageAt" not in proxy.counts         # no fork fetching state
    fork_bundle, fork_runs, fork_after = pipeline.dry_run(conn, bundle, _both_positions, backend="fork")
    assert sim_bundle.dry_run_backend == "simulation" and fork_bundle.dry_run_backend == "fork"
    assert [o.status for r in sim_runs for o in r.orders] == ["executed"] * 3
    assert [o.as_json() for r in sim_runs for o in r.orders] == [o.as_json() for r in fork_runs for o in r.orders]
    assert sim_after and {(p.venue, p.asset) for p in sim_after} == {("gmx", "ETH"), ("gtrade", "BTC"), ("gtrade", "ETH")}
    # to the wei what does not move with the clock; the fork's blocks are seconds apart on the wall clock, the
    # simulation's one second apart, so fees accrued since the orders (and what they move) differ by seconds' worth
    def fixed(p: Any) -> tuple[Any, ...]:
        return (p.venue, p.asset, p.side, p.size_usd_e30, p.size_collateral_raw, p.size_tokens, p.collateral_token,
                p.collateral_amount, p.entry_price)
    sims, forks = sorted(sim_after, key=fixed), sorted(fork_after or [], key=fixed)
    assert [fixed(p) for p in sims] == [fixed(p) for p in forks]
    for a, b in zip(sims, forks):
        assert abs(a.funding_fee_usd - b.funding_fee_usd) < Decimal("0.001")
        assert abs(a.borrowing_fee_usd - b.borrowing_fee_usd) < Decimal("0.001")
        assert abs(a.liquidation_price - b.liquidation_price) <= a.liquidation_price * Decimal("1e-6")
        assert abs((a.close_value_usd or 0) - (b.close_value_usd or 0)) < Decimal("0.01")
    for s, f in zip(sim_bundle.txs, fork_bundle.txs):
        assert f.prepared.gas // 2 <= s.prepared.gas <= 2 * f.prepared.gas, s.prepared.utx.description


def test_a_gmx_short_dry_run_by_simulation_is_at_most_5_requests(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi import pipeline
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect

    with CountingProxy(devnet.rpc_url) as proxy:
        conn = connect(get_profile("devnet"), proxy.url)
        bundle = _gmx_short_bundle(conn)
        proxy.reset()
        out, runs, after = pipeline.dry_run(conn, bundle, _positions)
        assert out.dry_run_backend == "simulation"
        assert proxy.http_requests <= 5 and proxy.counts["eth_simulateV1"] == 1, dict(proxy.counts)
    assert after and after[0].size_usd == Decimal(1000) and runs[0].orders[0].status == "executed"


def test_a_node_without_simulate_falls_back_to_the_fork_and_says_so_once(devnet, capsys) -> None:  # type: ignore[no-untyped-def]
    from hedgefi import pipeline
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect

    with CountingProxy(devnet.rpc_url) as proxy:
        proxy.unsupported = {"eth_simulateV1"}
        conn = connect(get_profile("devnet"), proxy.url)
        bundle = _gmx_short_bundle(conn)
        first, _, after1 = pipeline.dry_run(conn, bundle, _positions)
        second, _, after2 = pipeline.dry_run(conn, bundle, _positions)
        assert proxy.injected["method_not_found"] == 1            # asked once; the second run went to the fork
    assert first.dry_run_backend == second.dry_run_backend == "fork"
    assert "eth_simulateV1" in first.dry_run_note and first.preview_json()["dry_run"]["note"] == first.dry_run_note
    assert after1 and _facts(after1) == _facts(after2 or [])
    err = capsys.readouterr().err
    assert err.count("dry-run on an anvil fork") == 1, err


def test_forcing_simulation_on_a_node_without_it_is_an_error(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi import pipeline
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.sim.simulate import SimulationUnavailable

    with CountingProxy(devnet.rpc_url) as proxy:
        proxy.unsupported = {"eth_simulateV1"}
        conn = connect(get_profile("devnet"), proxy.url)
        with pytest.raises(SimulationUnavailable):
            pipeline.dry_run(conn, _gmx_short_bundle(conn), _positions, backend="simulate")


def test_a_five_order_hedge_apply_dry_run_is_5_requests(devnet, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``hedge apply --ratio 0.5`` on the demo wallet (ETH, BTC, ARB, LINK on GMX, gold on gTrade), dry-run by
    simulation: the state and the keepers' setup in 2 requests, every order's plan reads and the bundle's head,
    fees and nonce in 1, then the run (gTrade's request ids predicted: no probe) and one more round for the reads
    of the trade that exists only after it. Before: each order read its own fee context and snapshot (32)."""
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.hedge.executor import apply
    from hedgefi.hedge.policy import HedgePolicy
    from hedgefi.sim import control
    from hedgefi.wallet.signers import resolve_identity

    control.move_to_market_hours(devnet.rpc_url, "commodities", True)
    monkeypatch.setenv("HEDGEFI_DRY_RUN", "simulate")
    profile = get_profile("devnet")
    ident = resolve_identity(profile)
    assert ident is not None
    with CountingProxy(devnet.rpc_url) as proxy:
        conn = connect(profile, proxy.url)
        proxy.reset()
        result = apply(conn, ident, HedgePolicy.from_ratio(Decimal("0.5")))
        counts = dict(proxy.counts)
        assert len(result.orders) == 5 and result.complete, [o.as_json() for o in result.orders]
        assert proxy.http_requests <= 5 and counts["eth_simulateV1"] <= 2, counts
        # one gas price, one head block, one nonce for the whole run (not one per order)
        assert counts["eth_gasPrice"] == 1 and counts["eth_getTransactionCount"] == 1, counts
        assert "eth_blockNumber" not in counts and "eth_getStorageAt" not in counts, counts
    assert {(o.venue, o.asset) for o in result.orders} == {("gmx", "ETH"), ("gmx", "BTC"), ("gmx", "ARB"),
                                                          ("gmx", "LINK"), ("gtrade", "XAU")}


def test_a_second_fork_dry_run_fetches_what_the_first_one_read_in_bulk(devnet, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The fork fallback, faster (sim.upstream: learned prefetch): the first fork dry-run of a GMX short reads its
    state lazily, a slot a request (hundreds); the next one fetches those accounts and slots at its fork block in
    a few JSON-RPC batches while anvil starts, and gets the same outcome. HEDGEFI_FORK_PREFETCH=0 turns it off."""
    from hedgefi import pipeline
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect
    from hedgefi.core.config import data_dir

    conn = connect(get_profile("devnet"))
    learned = data_dir() / "fork-prefetch" / f"{conn.chain_id}.json"
    learned.unlink(missing_ok=True)
    bundle = _gmx_short_bundle(conn)
    runs: list[tuple[int, int, Any]] = []
    with CountingProxy(devnet.rpc_url) as proxy:
        pconn = connect(get_profile("devnet"), proxy.url)
        for prefetch in ("1", "1", "0"):
            monkeypatch.setenv("HEDGEFI_FORK_PREFETCH", prefetch)
            proxy.reset()
            out, step_runs, after = pipeline.dry_run(pconn, bundle, _positions, backend="fork")
            runs.append((proxy.http_requests, proxy.counts["eth_getStorageAt"],
                         ([o.status for r in step_runs for o in r.orders],
                          [(p.size_usd_e30, p.size_collateral_raw, p.size_tokens, p.collateral_amount, p.entry_price)
                           for p in after or []])))
    (first, first_slots, first_out), (second, second_slots, second_out), (off, _, off_out) = runs
    assert learned.exists() and first_slots > 100, runs[0][:2]
    assert second * 5 <= first, (first, second)            # e.g. 479 HTTP requests -> 24
    assert second_slots >= first_slots                     # the same slots, asked in batches
    assert off * 5 > first * 4                             # off: lazy again
    assert first_out[0] == second_out[0] == off_out[0] == ["executed"]
    assert first_out[1] == second_out[1] == off_out[1]
