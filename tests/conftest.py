"""Shared fixtures: isolated hedgefi folders, one devnet per session (per xdist worker), snapshot/revert
per test, the real ``hedgefi`` CLI in a subprocess, and the end-of-session private-key scan."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.helpers import CLI_OUTPUTS, find_keys, run_cli


@pytest.fixture(scope="session")
def no_private_key_anywhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """When the session ends (after the devnet is down and its logs are complete), scan every CLI output
    of this process and every file under its base temp folder for the keys the suite used; one hit
    fails the session (an error at teardown). Under xdist each worker scans its own outputs and folder."""
    yield
    leaks = find_keys(CLI_OUTPUTS, tmp_path_factory.getbasetemp())
    if leaks:
        pytest.fail("a private key appeared in: " + ", ".join(leaks), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def hedgefi_home(tmp_path_factory: pytest.TempPathFactory, no_private_key_anywhere: None) -> Iterator[Path]:
    """Every test session gets its own config and data folders (the compile cache is shared)."""
    home = tmp_path_factory.mktemp("hedgefi-home")
    saved = {k: os.environ.get(k) for k in ("HEDGEFI_CONFIG_DIR", "HEDGEFI_DATA_DIR", "HEDGEFI_CHAIN",
                                             "HEDGEFI_RPC_URL", "HEDGEFI_ACCOUNT", "HEDGEFI_PRIVATE_KEY",
                                             "HEDGEFI_PASSWORD_FILE", "HEDGEFI_TOKENS")}
    for k in saved:
        os.environ.pop(k, None)
    os.environ["HEDGEFI_CONFIG_DIR"] = str(home / "config")
    os.environ["HEDGEFI_DATA_DIR"] = str(home / "data")
    # a few dozen other traders' GMX orders, not 1,500: anvil re-hashes all storage for every block, so the full
    # ORDER_LIST makes each block ~18x slower; tests/e2e/test_gmx_crowded_devnet.py runs the full one
    saved.setdefault("HEDGEFI_DEVNET_GMX_OTHER_ORDERS", os.environ.get("HEDGEFI_DEVNET_GMX_OTHER_ORDERS"))
    os.environ["HEDGEFI_DEVNET_GMX_OTHER_ORDERS"] = "40"
    yield home
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def devnet_session(hedgefi_home: Path):  # type: ignore[no-untyped-def]
    from hedgefi.testing.devnet import DevnetSession

    # HEDGEFI_TEST_GMX_RELEASE=v2.2b runs the session devnet's GMX replica in that release's layouts (.ci/run
    # runs the GMX tests a second time so)
    session = DevnetSession.start(gmx_release=os.environ.get("HEDGEFI_TEST_GMX_RELEASE", "v2.2c"))
    yield session
    session.stop()


@pytest.fixture
def devnet(devnet_session, tmp_path):  # type: ignore[no-untyped-def]
    """The session devnet, reverted to its snapshot after the test, with a journal of the test's own."""
    os.environ["HEDGEFI_JOURNAL"] = str(tmp_path / "journal.sqlite")
    try:
        with devnet_session.isolated():
            yield devnet_session
    finally:
        os.environ.pop("HEDGEFI_JOURNAL", None)


@pytest.fixture
def conn(devnet):  # type: ignore[no-untyped-def]
    from hedgefi.chain.profiles import get_profile
    from hedgefi.chain.rpc import connect

    return connect(get_profile("devnet"))


@pytest.fixture
def demo(conn):  # type: ignore[no-untyped-def]
    from hedgefi.wallet.signers import resolve_identity

    ident = resolve_identity(conn.profile)
    assert ident is not None and ident.source == "devnet-demo"
    return ident


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    return run_cli


# The longest tests start first, one at the head of each xdist worker's share: pytest-xdist's worksteal
# scheduler hands worker i the items [i*N//W, (i+1)*N//W) and idle workers steal from the tail of the
# others, so a long test placed at the head of each share runs early and in parallel, and the short
# ones are balanced around it. Every worker collects, and sorts the same way, so the order is the same.
LONGEST = (  # measured with --durations; longest first
    "tests/faults/test_flaky_rpc_apply.py::test_hedge_apply_converges_through_a_flaky_rpc",
    "tests/e2e/test_write_pipeline.py::test_run_level_caps_count_gas_and_execution_fees_of_every_order",
    "tests/e2e/test_hedge.py::test_rebalance_after_holdings_grow_then_ratio_zero_closes_all",
    "tests/faults/test_crash_recovery.py::test_killed_broadcast_then_rerun_converges_without_duplicates[after_sign]",
    "tests/faults/test_crash_recovery.py::test_killed_broadcast_then_rerun_converges_without_duplicates[after_send]",
    "tests/e2e/test_write_pipeline.py::test_price_moves_past_the_acceptable_price_between_confirm_and_send",
    "tests/e2e/test_hedge.py::test_fork_dry_run_matches_the_broadcast_and_leaves_the_chain_alone",
    "tests/e2e/test_risk_cli.py::test_watch_once_alerts_and_exit_codes",
    "tests/e2e/test_risk_cli.py::test_scenario_svg_hedged_flatter",
    "tests/faults/test_crash_recovery.py::test_killed_broadcast_then_rerun_converges_without_duplicates[after_mined]",
    "tests/e2e/test_hedge.py::test_rerun_while_orders_pending_places_no_duplicate",
    "tests/venues/test_gtrade.py::test_hedge_apply_recovers_a_timed_out_order_then_hedges",
    "tests/venues/test_gtrade.py::test_xau_lifecycle_through_the_cli",
    "tests/venues/test_gtrade.py::test_closed_market_is_refused_then_forced_times_out_and_is_recovered",
    "tests/e2e/test_risk_cli.py::test_watch_equity_is_holdings_plus_what_closing_returns",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    rank = {nodeid: i for i, nodeid in enumerate(LONGEST)}
    long = sorted((it for it in items if it.nodeid in rank), key=lambda it: rank[it.nodeid])
    rest = [it for it in items if it.nodeid not in rank]
    n = len(items)
    ordered: list[pytest.Item] = []
    for w in range(workers):
        share = (w + 1) * n // workers - w * n // workers
        heads = long[w::workers]
        ordered += heads + rest[:share - len(heads)]
        rest = rest[share - len(heads):]
    items[:] = ordered + rest
