"""Staged reads on the devnet: a venue read alone and in a batch give the same answer, and gTrade reads a
trade's liquidation price again only when its stored liquidation parameters differ from its pair's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hedgefi.chain.multicall import CallResult
from hedgefi.chain.profiles import get_profile
from hedgefi.chain.rpc import connect
from hedgefi.testing.devnet import set_market_hours
from hedgefi.venues.gtrade import reads as gtrade_reads
from hedgefi.venues.gtrade.deployment import deployment_for
from tests.helpers import DEMO


@pytest.fixture
def xau_short(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    set_market_hours(devnet.rpc_url, "commodities", True)
    r = cli("short", "open", "XAU", "--size-usd", "3000", "--venue", "gtrade", "--broadcast", "--yes", "--json")
    assert r.code == 0, r.output


def _positions(conn: Any) -> list[Any]:
    _, positions, _, _ = gtrade_reads.fetch_positions(conn, deployment_for(conn.profile), DEMO)
    return positions


def test_a_trade_whose_parameters_differ_from_its_pairs_is_priced_with_its_own(
        devnet, xau_short, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    conn = connect(get_profile("devnet"), devnet.rpc_url)
    plain = _positions(conn)
    assert [p.asset for p in plain] == ["XAU"] and plain[0].liquidation_price is not None
    assert conn.round_trips["total"] == 2

    real = gtrade_reads._liq_params

    def stale_pair_params(r: CallResult, name: str) -> dict[str, int]:
        params = real(r, name)
        if name == "getPairLiquidationParams":          # the pair changed since the trade opened
            params["startLiqThresholdP"] += 10**10
        return params

    monkeypatch.setattr(gtrade_reads, "_liq_params", stale_pair_params)
    conn = connect(get_profile("devnet"), devnet.rpc_url)
    again = _positions(conn)
    assert conn.round_trips["total"] == 3                # the trade's own parameters, read again
    assert [p.as_json() for p in again] == [p.as_json() for p in plain]


POSITION_KEYS = ("venue", "market", "asset", "side", "size_usd", "collateral_token", "collateral_amount", "entry_price")
MARKET_KEYS = ("venue", "market", "asset", "max_leverage", "min_size_usd", "position_fee_rate", "open")


def _rows(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The fields that do not move with time (fees accrue and funding drifts between two commands)."""
    return sorted(tuple(r[k] for k in keys) for r in rows)


def test_batched_and_alone_reads_agree(devnet, xau_short, cli) -> None:  # type: ignore[no-untyped-def]
    positions, markets = [], []
    for venue in ("gmx", "gtrade"):
        positions += json.loads(cli("positions", "--venue", venue, "--json").stdout)["positions"]
        markets += json.loads(cli("markets", "--venue", venue, "--json").stdout)["markets"]
    assert {p["venue"] for p in positions} == {"gtrade"} and {m["venue"] for m in markets} == {"gmx", "gtrade"}
    together = json.loads(cli("positions", "--json").stdout)["positions"]
    assert _rows(together, POSITION_KEYS) == _rows(positions, POSITION_KEYS)
    both = json.loads(cli("markets", "--json").stdout)["markets"]
    assert _rows(both, MARKET_KEYS) == _rows(markets, MARKET_KEYS)
