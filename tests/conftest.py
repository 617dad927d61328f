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
LONGEST = (  # measured with --durations (4 workers); longest first
    "tests/sim/test_simulate_dry_run.py::test_a_node_without_simulate_falls_back_to_the_fork_and_says_so_once",
    "tests/faults/test_fork_processes.py::test_no_rpc_url_on_any_command_line_during_a_fork_dry_run",
    "tests/sim/test_simulate_dry_run.py::test_a_second_fork_dry_run_fetches_what_the_first_one_read_in_bulk",
    "tests/faults/test_flaky_rpc_apply.py::test_hedge_apply_converges_through_a_flaky_rpc",
    "tests/e2e/test_wheel_install.py::test_installed_hedgefi_runs_the_devnet_and_a_dry_run_short",
    "tests/e2e/test_gmx_crowded_devnet.py::test_the_wallets_own_orders_past_index_1000_execute_and_the_others_stay",
    "tests/sim/test_simulate_dry_run.py::test_simulation_and_fork_agree_on_gtrade_shorts_beside_a_gmx_one",
    "tests/venues/test_gmx_keeper.py::test_a_fork_dry_run_says_why_the_keeper_could_not_execute",
    "tests/faults/test_log_ranges.py::test_recovery_after_many_blocks_reads_bounded_ranges_of_the_traders_own_events",
    "tests/sim/test_simulate_dry_run.py::test_simulation_and_fork_agree_on_a_gmx_short",
    "tests/venues/test_gtrade.py::test_closed_market_is_refused_then_forced_times_out_and_is_recovered",
    "tests/faults/test_crash_recovery.py::test_killed_broadcast_then_rerun_converges_without_duplicates[after_sign]",
    "tests/venues/test_gmx_markets.py::test_markets_market_flag_and_two_eth_shorts",
    "tests/e2e/test_hedge.py::test_rebalance_after_holdings_grow_then_ratio_zero_closes_all",
    "tests/e2e/test_hedge.py::test_rerun_while_orders_pending_places_no_duplicate",
    "tests/e2e/test_write_pipeline.py::test_run_level_caps_count_gas_and_execution_fees_of_every_order",
    "tests/venues/test_gmx_keeper.py::test_fork_mock_oracle_copies_timestamp_adjustments_and_refuses_disabled_providers",
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
