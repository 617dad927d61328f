"""What a backtest needs, read from the chain (I/O): holdings, the venues' carry and fees, the feeds' history.

``gather_backtest_inputs(conn, address, policy, days)`` reads the wallet (and the plan's
``exposure_addresses``) as ``fetch_state`` does, picks for each held asset the market a hedge would use
(open, the policy's venues, the lowest short carry; its ``position_fee_rate`` and funding + borrowing rate
are the backtest's assumptions), resolves proxy hedges for assets with no usable market
(``hedge.proxy.choose_proxy`` on the feeds' history), and reads the price history of every asset involved
from its Chainlink feed: ``days`` plus the longest ``signal_days`` / ``beta_days`` of the policy, so the
trend signal has its window from the first hour. ``BacktestInputs.run()`` replays it (``hedge.backtest``).

The history comes from ``read_history(conn, {asset: feed}, since_ts) -> {asset: PriceSeries}``; by default
``hedgefi.chain.feedhistory.feed_history`` (the batched Multicall3 read of the feeds' rounds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Mapping

from hedgefi.core.errors import InputError
from hedgefi.core.series import PriceSeries
from hedgefi.core.units import money
from hedgefi.hedge.backtest import DEFAULT_MAINTENANCE, BacktestResult, run_backtest
from hedgefi.hedge.policy import HedgePolicy
from hedgefi.hedge.proxy import ProxyChoice, choose_proxy

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection
    from hedgefi.venues.base import MarketQuote

DAY = 86400
HistoryReader = Callable[["Connection", Mapping[str, str], int], Mapping[str, PriceSeries]]


@dataclass(frozen=True)
class BacktestInputs:
    policy: HedgePolicy
    start: int                                    # unix seconds: the replay starts here (history reaches further)
    now: int                                      # the chain's latest block time
    holdings: dict[str, Decimal]                  # tokens by asset, all exposure addresses together
    histories: dict[str, PriceSeries]
    carry_apr: dict[str, Decimal]                 # by the asset of the market hedged on
    position_fee_rate: dict[str, Decimal]
    markets: dict[str, str]                       # asset -> "venue market" the rates came from
    proxies: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    proxy_choices: tuple[ProxyChoice, ...] = ()
    max_collateral_usd: dict[str, Decimal] = field(default_factory=dict)
    notes: tuple[str, ...] = ()                   # assets left out, and why

    def run(self, *, maintenance: Decimal = DEFAULT_MAINTENANCE) -> BacktestResult:
        return run_backtest(self.policy, self.histories, self.holdings, carry_apr=self.carry_apr,
                            position_fee_rate=self.position_fee_rate, start=self.start, maintenance=maintenance,
                            max_collateral_usd=self.max_collateral_usd, proxies=self.proxies)


def _default_reader(conn: "Connection", feeds: Mapping[str, str], since_ts: int) -> Mapping[str, PriceSeries]:
    from hedgefi.chain.feedhistory import feed_history

    return feed_history(conn, feeds, since_ts)


def _best_market(markets: list["MarketQuote"], asset: str, venues: tuple[str, ...]) -> "MarketQuote | None":
    usable = [m for m in markets if m.asset.upper() == asset and m.open and not m.price_stale
              and ("auto" in venues or m.venue in venues)]
    return min(usable, key=lambda m: m.short_carry_apr) if usable else None


@money
def gather_backtest_inputs(conn: "Connection", address: str, policy: HedgePolicy, days: int, *,
                           read_history: HistoryReader | None = None) -> BacktestInputs:
    """Read everything ``run_backtest`` takes for ``days`` of replay ending at the chain's latest block."""
    from hedgefi.hedge.executor import fetch_state
    from hedgefi.hedge.targets import history_days

    if days <= 0:
        raise InputError("--days must be positive")
    state = fetch_state(conn, address, policy=policy, history=False)   # the replay's window is read below
    tokens: dict[str, Decimal] = {}
    prices: dict[str, Decimal] = {}
    exposures = list(state.exposures)          # the wallet's and the plan's exposure addresses', in one read
    for e in exposures:
        tokens[e.asset] = tokens.get(e.asset, Decimal(0)) + e.exposure_usd / e.price
        prices[e.asset] = e.price
    if not tokens:
        raise InputError(f"{address} holds nothing hedgeable to backtest")
    feeds = conn.profile.feeds
    notes: list[str] = []
    carry: dict[str, Decimal] = {}
    fee: dict[str, Decimal] = {}
    used: dict[str, str] = {}
    need_proxy: list[str] = []
    for asset in sorted(tokens):
        if asset not in feeds:
            notes.append(f"{asset}: no price feed in the chain profile; left out")
            del tokens[asset]
            continue
        ap = policy.for_asset(asset)
        if ap is None:
            continue
        m = _best_market(state.markets, asset, ap.venues)
        if m is not None:
            carry[asset], fee[asset], used[asset] = m.short_carry_apr, m.position_fee_rate, f"{m.venue} {m.market}"
        elif ap.proxy is not None:
            need_proxy.append(asset)
        else:
            notes.append(f"{asset}: no open market and no proxy in the plan; held unhedged")
    with_market = sorted({m.asset.upper() for m in state.markets if m.open and m.asset.upper() in feeds})
    extra_days = history_days(policy)
    now = int(conn.request("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
    since = now - (days + extra_days) * DAY
    wanted = sorted(set(tokens) | set(with_market if need_proxy else []) | set(carry))
    reader = read_history or _default_reader
    histories = {k.upper(): v for k, v in reader(conn, {a: feeds[a] for a in wanted}, since).items()}
    proxies: dict[str, tuple[str, Decimal]] = {}
    choices: list[ProxyChoice] = []
    for asset in need_proxy:
        ap = policy.for_asset(asset)
        assert ap is not None
        cands = {a: histories[a] for a in with_market if a in histories}
        choice = choose_proxy(histories[asset], cands, ap)
        choices.append(choice)
        if choice.proxy is None:
            notes.append(choice.reason)
            continue
        m = _best_market(state.markets, choice.proxy, ap.venues)
        if m is None:
            notes.append(f"{asset}: proxy {choice.proxy} has no open market on the plan's venues; held unhedged")
            continue
        proxies[asset] = (choice.proxy, choice.beta)
        carry[choice.proxy], fee[choice.proxy] = m.short_carry_apr, m.position_fee_rate
        used[choice.proxy] = f"{m.venue} {m.market}"
    budgets = _budgets(policy, tokens, state)
    hedged = set(carry) | set(proxies)
    bt_policy = HedgePolicy(None, {a: ap for a in tokens if (ap := policy.for_asset(a)) is not None and a in hedged},
                            policy.max_fees_usd, policy.exposure_addresses)
    return BacktestInputs(bt_policy, now - days * DAY, now, tokens, histories, carry, fee, used, proxies,
                          tuple(choices), budgets, tuple(notes))


def _budgets(policy: HedgePolicy, tokens: Mapping[str, Decimal], state: Any) -> dict[str, Decimal]:
    """Each asset's ``max_collateral`` in USD, valued at the collateral token's price in the wallet read."""
    out: dict[str, Decimal] = {}
    price = {a.symbol.upper(): a.price_usd for a in state.holdings.assets if a.price_usd is not None}
    for asset in tokens:
        ap = policy.for_asset(asset)
        if ap is None or ap.max_collateral is None:
            continue
        p = price.get(ap.collateral)
        if p is None:
            raise InputError(f"{asset}: max_collateral is in {ap.collateral}, which has no price in the wallet read")
        out[asset] = ap.max_collateral * p
    return out


__all__ = ["BacktestInputs", "gather_backtest_inputs", "HistoryReader"]
