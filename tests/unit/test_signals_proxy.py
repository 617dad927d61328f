"""Trend signals and proxy betas (pure): the documented rules on small histories worked by hand."""

from __future__ import annotations

import math
import statistics
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from hedgefi.core.errors import InputError
from hedgefi.core.series import HOUR, PriceSeries
from hedgefi.hedge.policy import AssetPolicy
from hedgefi.hedge.proxy import DAY, choose_proxy, estimate_beta
from hedgefi.hedge.signals import ratio_for_score, trend_ratio

T0 = 1_700_000_000 // DAY * DAY


def _hourly(asset: str, prices: list[str]) -> PriceSeries:
    return PriceSeries(asset, tuple((T0 + i * HOUR, Decimal(p)) for i, p in enumerate(prices)))


def _trend(signal: str = "ma", days: int = 1) -> AssetPolicy:
    return AssetPolicy(Decimal("0.8"), policy="trend", min_ratio=Decimal("0.2"), max_ratio=Decimal("0.8"),
                       signal=signal, signal_days=days)


def test_ratio_rule() -> None:
    lo, hi = Decimal("0.2"), Decimal("0.8")
    # -1 -> max, +1 -> min, 0 -> midpoint; out of range clamps
    assert [ratio_for_score(Decimal(s), lo, hi) for s in ("-1", "0", "1", "0.5", "-3")] == \
        [hi, Decimal("0.5"), lo, Decimal("0.35"), hi]


def test_ma_signal_by_hand() -> None:
    # N = 1 day = 24 hourly prices: 12 at 98 then 12 at 102 -> MA 100, last 102, d = 2%, score 2%/5% = 0.4,
    # ratio = 0.8 - 0.6 x (0.4 + 1) / 2 = 0.38. A leading 500 lies outside the window and is ignored.
    s = trend_ratio(_hourly("ETH", ["500"] + ["98"] * 12 + ["102"] * 12), _trend("ma"))
    assert (s.price, s.reference, s.value, s.score, s.ratio, s.points, s.fallback) == \
        (Decimal(102), Decimal(100), Decimal("0.02"), Decimal("0.4"), Decimal("0.38"), 24, False)
    assert s.as_of == T0 + 24 * HOUR and s.as_json()["ratio"] == "0.38"


def test_momentum_signal_by_hand_and_downtrend_hedges_more() -> None:
    # 25 hourly prices from 100 to 95: r = -5%, score -5%/10% = -0.5, ratio = 0.8 - 0.6 x 0.5 / 2 = 0.65
    s = trend_ratio(_hourly("ETH", ["100"] + ["97"] * 23 + ["95"]), _trend("momentum"))
    assert (s.reference, s.value, s.score, s.ratio, s.points) == \
        (Decimal(100), Decimal("-0.05"), Decimal("-0.5"), Decimal("0.65"), 25)
    crash = trend_ratio(_hourly("ETH", ["100"] * 24 + ["80"]), _trend("momentum"))
    assert crash.score == -1 and crash.ratio == Decimal("0.8")


def test_short_history_falls_back_to_max_ratio() -> None:
    s = trend_ratio(_hourly("ETH", ["100"] * 23), _trend("ma"))
    assert s.fallback and s.ratio == Decimal("0.8") and s.score is None
    assert "23 hourly prices, the 1-day MA needs 24" in s.reason and "max_ratio 0.8" in s.reason
    empty = trend_ratio(PriceSeries("ETH", ()), _trend("momentum"))
    assert empty.fallback and empty.price is None


def test_fixed_policy_is_not_a_trend() -> None:
    with pytest.raises(InputError, match="policy = \"trend\""):
        trend_ratio(_hourly("ETH", ["1"]), AssetPolicy(Decimal("0.5")))


HOOKS = '''
from decimal import Decimal
def flat(series, policy): return Decimal(0)
def last_up(series, policy): return 0.5 if series.prices[-1] > series.prices[0] else -0.5
def too_big(series, policy): return 2
def words(series, policy): return "up"
def boom(series, policy): raise ValueError("no data")
not_callable = 3
'''


def test_user_hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_signals_mod.py").write_text(HOOKS)
    monkeypatch.syspath_prepend(str(tmp_path))
    series = _hourly("ETH", ["100", "101"])
    flat = trend_ratio(series, _trend("my_signals_mod:flat"))
    assert (flat.score, flat.ratio, flat.points, flat.signal) == (Decimal(0), Decimal("0.5"), 2, "my_signals_mod:flat")
    assert trend_ratio(series, _trend("my_signals_mod:last_up")).ratio == Decimal("0.35")   # float 0.5 accepted
    for fn, expect in [("too_big", r"score in \[-1, 1\], got 2"), ("words", "got str"),
                       ("boom", "raised ValueError: no data"), ("missing", "has no missing"),
                       ("not_callable", "not a function")]:
        with pytest.raises(InputError, match=expect):
            trend_ratio(series, _trend(f"my_signals_mod:{fn}"))
    with pytest.raises(InputError, match="cannot import no_such_pkg_x"):
        trend_ratio(series, _trend("no_such_pkg_x.mod:fn"))
    sys.modules.pop("my_signals_mod", None)


def _daily(asset: str, factors: list[float], start: str = "100") -> PriceSeries:
    p = Decimal(start)
    pts = [(T0, p)]
    for i, f in enumerate(factors, 1):
        p = p * Decimal(str(f))
        pts.append((T0 + i * DAY, p))
    return PriceSeries(asset, tuple(pts))


FACTORS = [1.02, 0.97, 1.05, 0.99, 1.01, 0.95, 1.03, 1.04, 0.98, 1.0, 1.06, 0.96]
NOISE = [1.01, 1.0, 1.02, 0.97, 1.0, 0.97, 1.01, 1.05, 0.99, 1.02, 1.03, 0.98]


def test_beta_and_correlation_match_the_textbook_formulas() -> None:
    asset = _daily("ARB", NOISE)
    eth = _daily("ETH", FACTORS)
    est = estimate_beta(asset, eth, 60)
    x = [math.log(f) for f in NOISE]
    y = [math.log(f) for f in FACTORS]
    assert est.points == 12 and est.start == T0 and est.end == T0 + 12 * DAY
    assert float(est.beta) == pytest.approx(statistics.linear_regression(y, x).slope, rel=1e-9)   # type: ignore[arg-type]
    assert float(est.correlation) == pytest.approx(statistics.correlation(x, y), rel=1e-9)   # type: ignore[arg-type]
    # the window: 5 days back from the last common day keeps 5 returns, too few
    short = estimate_beta(asset, eth, 5)
    assert short.beta is None and "5 daily returns" in short.reason


def test_proxy_choice() -> None:
    eth = _daily("ETH", FACTORS)
    double = _daily("ARB", [f * f for f in FACTORS])           # ln returns exactly 2x ETH's: beta 2, corr 1
    inverse = _daily("INV", [1 / f for f in FACTORS])
    pol = AssetPolicy(Decimal("0.5"), proxy="ETH")
    got = choose_proxy(double, {"ETH": eth}, pol)
    assert got.hedged and got.proxy == "ETH" and got.beta.quantize(Decimal("0.0001")) == 2
    assert got.as_json()["estimate"]["correlation"] == "1"
    neg = choose_proxy(inverse, {"ETH": eth}, AssetPolicy(Decimal("0.5"), proxy="ETH", min_correlation=Decimal(0)))
    assert not neg.hedged and "correlation with ETH -1 over 60 days is below min_correlation 0" in neg.reason
    weak = choose_proxy(_daily("ARB", NOISE), {"ETH": eth}, AssetPolicy(Decimal("0.5"), proxy="ETH",
                                                                        min_correlation=Decimal("0.99")))
    assert not weak.hedged and "below min_correlation 0.99" in weak.reason and weak.beta == 0
    auto = choose_proxy(double, {"BTC": _daily("BTC", NOISE), "ETH": eth, "ARB": double},
                        AssetPolicy(Decimal("0.5"), proxy="auto"))
    assert auto.proxy == "ETH" and len(auto.candidates) == 2          # itself is no candidate
    missing = choose_proxy(double, {"BTC": eth}, pol)
    assert not missing.hedged and "proxy ETH has no usable market" in missing.reason


def test_the_readme_hook_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's signal hook, as printed there: at the window's high it scores +1 (min_ratio); 10% below
    the high it scores 0 (the midpoint)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("# mysignals.py", 1)[1].split("```", 1)[0]
    (tmp_path / "mysignals_readme.py").write_text(block.split("\n", 1)[1])
    monkeypatch.syspath_prepend(str(tmp_path))
    pol = _trend("mysignals_readme:drawdown")
    assert trend_ratio(_hourly("ETH", ["90", "95", "100"]), pol).ratio == Decimal("0.2")
    assert trend_ratio(_hourly("ETH", ["100", "95", "90"]), pol).ratio == Decimal("0.5")
    sys.modules.pop("mysignals_readme", None)


def test_targets_combine_trend_and_proxy() -> None:
    from hedgefi.hedge.policy import HedgePolicy
    from hedgefi.hedge.targets import history_days, resolve_targets, with_ratios

    eth = _daily("ETH", FACTORS)
    arb = _daily("ARB", [f * f for f in FACTORS])
    trend = AssetPolicy(D8 := Decimal("0.8"), policy="trend", min_ratio=Decimal("0.2"), max_ratio=D8,
                        signal="momentum", signal_days=1)
    policy = HedgePolicy(AssetPolicy(Decimal("0.5")), {"ETH": trend, "ARB": AssetPolicy(Decimal("0.4"), proxy="ETH"),
                                                       "LINK": AssetPolicy(Decimal("0.3"))})
    assert history_days(policy) == 60          # ARB's beta_days (default) beats ETH's 1-day signal
    t = resolve_targets(policy, ["ETH", "ARB", "LINK"], {"ETH": eth, "ARB": arb}, {"ETH"})
    # ETH over its last day (daily points: the last two) 1.0 -> 0.96 = -4%: score -0.4, ratio 0.8 - 0.6 x 0.3 = 0.62
    assert t["ETH"].signal and t["ETH"].signal.value == Decimal("-0.04") and t["ETH"].ratio == Decimal("0.62")
    assert (t["ARB"].hedge_asset, t["ARB"].ratio, t["ARB"].beta.quantize(Decimal("0.0001"))) == ("ETH", Decimal("0.4"), 2)
    assert t["LINK"].hedge_asset is None and "no usable market" in t["LINK"].reason
    assert with_ratios(policy, t).for_asset("ETH").ratio == Decimal("0.62")   # type: ignore[union-attr]
    assert with_ratios(policy, t).for_asset("ARB") == policy.for_asset("ARB")
    assert t["ARB"].as_json()["beta"] == "2"


def test_a_round_after_the_last_whole_hour_is_the_price_now() -> None:
    # 24 hourly prices at 100, then a round 10 minutes after the last whole hour at 110: the signal's price is
    # 110 and its 24-price window drops the oldest 100: MA = (23 x 100 + 110) / 24, d = 110 / MA - 1
    raw = PriceSeries("ETH", (*_hourly("ETH", ["100"] * 24).points, (T0 + 23 * HOUR + 600, Decimal(110))))
    s = trend_ratio(raw, _trend("ma", 1))
    ma = (23 * Decimal(100) + 110) / 24
    assert s.price == 110 and s.reference is not None and abs(s.reference - ma) < Decimal("1e-20")
    assert s.as_of == T0 + 23 * HOUR + 600 and s.points == 24
    assert s.score == 1 and s.ratio == Decimal("0.2")     # d = 9.5%: past the 5% band, a full uptrend
