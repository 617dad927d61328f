"""`gather_backtest_inputs` on the devnet: holdings of the wallet and the plan's exposure addresses, the
cheapest open market's carry and fee, the window of history asked for, and a replay of the result.

The feeds' history is a stand-in reader here (hourly prices doubling, linearly over 40 days, to each asset's price now); the real
one (chain.feedhistory) is exercised by the `hedgefi backtest` CLI test.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from hedgefi.core.series import HOUR, PriceSeries

OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"     # anvil #1: native ETH only


def test_inputs_from_the_devnet(conn, demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.hedge.backtest_inputs import DAY, gather_backtest_inputs
    from hedgefi.hedge.executor import fetch_state
    from hedgefi.hedge.policy import load_plan
    from hedgefi.wallet.holdings import fetch_holdings

    plan = tmp_path / "plan.toml"
    plan.write_text(f"""
default_ratio = 0.5
exposure_addresses = ["{OTHER}"]
[assets.BTC]
policy = "trend"
min_ratio = 0.2
max_ratio = 0.8
signal_days = 10
""")
    policy = load_plan(plan)
    state = fetch_state(conn, demo.address, policy=policy)
    price = {e.asset: e.price for e in state.exposures}
    asked: list[tuple[Mapping[str, str], int]] = []

    def reader(c: Any, feeds: Mapping[str, str], since: int) -> dict[str, PriceSeries]:
        asked.append((feeds, since))
        t0 = since // HOUR * HOUR
        n = 40 * 24
        return {a: PriceSeries(a, tuple((t0 + i * HOUR, price.get(a, Decimal(1)) * (Decimal("0.5") + Decimal("0.5") * i / n))
                                        for i in range(n + 1))) for a in feeds}

    inputs = gather_backtest_inputs(conn, demo.address, policy, 30, read_history=reader)
    ((feeds, since),) = asked
    assert inputs.now - since == (30 + 10) * DAY and inputs.start == inputs.now - 30 * DAY   # + signal_days
    assert set(feeds) >= {"ETH", "BTC"} and all(feeds[a] == conn.profile.feeds[a] for a in feeds)
    other_eth = next(a.balance for a in fetch_holdings(conn, OTHER).assets if a.symbol == "ETH")
    mine = {e.asset: e.exposure_usd / e.price for e in fetch_state(conn, demo.address).exposures}   # wallet alone
    # tokens = exposure (USD, to 1e-6) / price: within 1e-9 of the balances
    assert abs(inputs.holdings["ETH"] - (mine["ETH"] + other_eth)) < Decimal("1e-9") and other_eth > 0
    assert inputs.holdings["BTC"] == mine["BTC"]
    for asset in ("ETH", "BTC"):
        open_ = [m for m in state.markets if m.asset == asset and m.open and not m.price_stale]
        best = min(open_, key=lambda m: m.short_carry_apr)
        assert inputs.carry_apr[asset] == best.short_carry_apr and inputs.position_fee_rate[asset] == best.position_fee_rate
        assert inputs.markets[asset] == f"{best.venue} {best.market}"
    result = inputs.run()
    assert result.start >= inputs.start and result.end <= inputs.now
    assert result.final_unhedged_usd > result.unhedged_usd[0]          # the stand-in history rises
    btc = next(a for a in result.assets if a.asset == "BTC")
    assert btc.final_ratio == Decimal("0.2")                            # 5 days of MA lag: 6.7% above it, a full uptrend: min_ratio
    assert result.fees_usd > 0 and result.as_json()["assumptions"]
