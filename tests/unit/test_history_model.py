"""The devnet's seeded history model: deterministic, ends at today's price, has its crash, and its
assets co-move with ETH as intended (hourly returns, Decimal statistics)."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hedgefi.sim.deploy import FEEDS
from hedgefi.sim.history_model import CRASH_DAYS_AGO, history_answers, regime_at

H = 180 * 24
NOW = {asset: int(price * 10**8) for asset, (_, price) in FEEDS.items()}


def path(asset: str, hours: int = H, seed: int = 18) -> list[int]:
    return [*history_answers(asset, NOW[asset], hours, seed), NOW[asset]]


def returns(p: list[int]) -> list[Decimal]:
    with localcontext() as c:
        c.prec = 40
        return [Decimal(b) / Decimal(a) - 1 for a, b in zip(p, p[1:])]


def beta_corr(x: list[Decimal], y: list[Decimal]) -> tuple[Decimal, Decimal]:
    """The slope of y on x and their correlation."""
    with localcontext() as c:
        c.prec = 40
        n = Decimal(len(x))
        mx, my = sum(x) / n, sum(y) / n
        sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
        sxx = sum((a - mx) ** 2 for a in x)
        syy = sum((b - my) ** 2 for b in y)
        return sxy / sxx, sxy / (sxx * syy).sqrt()


def test_same_seed_same_history_and_another_seed_another() -> None:
    assert history_answers("ETH", NOW["ETH"], H, 18) == history_answers.__wrapped__("ETH", NOW["ETH"], H, 18)
    assert history_answers("ETH", NOW["ETH"], H, 19) != history_answers("ETH", NOW["ETH"], H, 18)


def test_a_shorter_history_is_the_tail_of_a_longer_one() -> None:
    assert path("ARB", 30 * 24) == path("ARB")[-(30 * 24 + 1):]


def test_hourly_steps_lead_to_todays_price() -> None:
    eth = path("ETH")
    assert len(eth) == H + 1 and eth[-1] == 3000 * 10**8
    assert all(abs(r) < Decimal("0.05") for r in returns(eth))      # no jump an hour could not make


def test_the_crash_takes_a_quarter_to_two_fifths_off_in_a_few_days() -> None:
    eth = path("ETH")
    start, end = (H - d * 24 for d in CRASH_DAYS_AGO)
    drop = 1 - Decimal(eth[end]) / Decimal(eth[start])
    assert Decimal("0.25") <= drop <= Decimal("0.40"), drop
    assert regime_at(43 * 24).name == "crash" and regime_at(0).name == "quiet"
    # the worst week of the whole history is that crash
    week = 7 * 24
    worst = min(range(H - week), key=lambda i: Decimal(eth[i + week]) / Decimal(max(eth[i:i + week + 1])))
    assert start - week <= worst <= end


def test_trends_up_before_the_crash_and_recovers_after() -> None:
    eth = path("ETH")
    assert eth[H - 46 * 24] > eth[H - 75 * 24] * Decimal("1.05")           # the second uptrend
    assert eth[H - 12 * 24] > eth[H - 41 * 24] * Decimal("1.1")            # the recovery


def test_arb_and_link_follow_eth_gold_barely_and_usdc_stays_pegged() -> None:
    eth = returns(path("ETH"))
    beta_arb, corr_arb = beta_corr(eth, returns(path("ARB")))
    beta_link, corr_link = beta_corr(eth, returns(path("LINK")))
    _, corr_btc = beta_corr(eth, returns(path("BTC")))
    _, corr_xau = beta_corr(eth, returns(path("XAU")))
    assert Decimal("0.6") <= corr_arb <= Decimal("0.8") and Decimal("1.0") <= beta_arb <= Decimal("1.4")
    assert Decimal("0.65") <= corr_link <= Decimal("0.85") and Decimal("0.7") <= beta_link <= Decimal("1.0")
    assert corr_btc >= Decimal("0.75")
    assert abs(corr_xau) <= Decimal("0.2")
    usdc = path("USDC")
    assert all(abs(Decimal(a) / 10**8 - 1) < Decimal("0.005") for a in usdc)
