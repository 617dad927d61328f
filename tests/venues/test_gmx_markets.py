"""GMX markets keyed by market token: an asset has several markets (ETH/USD [WETH-USDC], [WETH-WETH]).

The choice among them (collateral, then carry and liquidity) and the planner's keying are tested pure on
MarketQuote lists; on the devnet a second ETH market [WETH-WETH] is added for the test (``sim.gmx_unpriced
.add_market``; reused when the devnet already has one) and driven through the real CLI: ``markets`` lists
both, ``--market`` picks one, two ETH shorts in two markets are two positions, and a resize/close that
cannot tell them apart says so in one line."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from hedgefi.core.errors import InputError
from hedgefi.hedge.planner import Exposure, plan
from hedgefi.hedge.policy import AssetPolicy, HedgePolicy
from hedgefi.venues.base import MarketQuote, PositionView
from hedgefi.venues.gmx.adapter import choose_market

WETH_USDC, WETH_WETH = "0x" + "11" * 20, "0x" + "22" * 20
SECOND_ETH = "gmx:market:ETH/USD [WETH-WETH]"      # the manifest key the replica's own second ETH market has


def q(market: str, collateral: tuple[str, ...], carry: str, liquidity: str = "1000000", open_: bool = True
      ) -> MarketQuote:
    return MarketQuote("gmx", market, "ETH", "crypto", D(3000), D(carry), D(0), D(1), D(1), D(liquidity), D(50),
                       open_, position_fee_rate=D("0.0006"), min_size_usd=D(10),
                       market_name=f"ETH/USD [{'-'.join(collateral if len(collateral) == 2 else collateral * 2)}]",
                       collateral_symbols=collateral)


def short(market: str, size_usd: str, collateral: str = "WETH") -> PositionView:
    return PositionView("gmx", market, "ETH", "short", D(size_usd), D(size_usd) / 3000, collateral, D(1), D(3000),
                        D(3000), D(0), D(0), D(0), None, None, size_usd_e30=int(D(size_usd) * 10**30))


# ---------------------------------------------------------------- the choice, pure
def test_collateral_decides_first_then_carry_then_liquidity() -> None:
    both = [q(WETH_USDC, ("WETH", "USDC"), "0.05"), q(WETH_WETH, ("WETH",), "-0.02")]
    # only [WETH-USDC] takes USDC, however cheap [WETH-WETH] is
    assert choose_market(both, "ETH", "USDC", D(10000))[0].market == WETH_USDC
    # both take WETH: the cheaper carry
    m, why = choose_market(both, "ETH", "WETH", D(10000))
    assert m.market == WETH_WETH and "cheapest" in why
    # the cheaper one lacks the liquidity for the size (90% of it): the other
    thin = [q(WETH_USDC, ("WETH", "USDC"), "0.05"), q(WETH_WETH, ("WETH",), "-0.02", liquidity="10000")]
    assert choose_market(thin, "ETH", "WETH", D(9500))[0].market == WETH_USDC
    assert choose_market(thin, "ETH", "WETH", D(9000))[0].market == WETH_WETH
    # none has it: the one with the most (GMX's own checks then say what is short)
    assert choose_market(thin, "ETH", "WETH", D(5000000))[0].market == WETH_USDC
    # a closed market is never chosen
    closed = [q(WETH_USDC, ("WETH", "USDC"), "0.05"), q(WETH_WETH, ("WETH",), "-0.02", open_=False)]
    assert choose_market(closed, "ETH", "WETH", D(1000))[0].market == WETH_USDC


def test_no_market_takes_the_collateral_is_one_line_naming_them() -> None:
    with pytest.raises(InputError) as err:
        choose_market([q(WETH_WETH, ("WETH",), "0")], "ETH", "USDC", D(1000))
    msg = err.value.message
    assert "\n" not in msg and WETH_WETH in msg and "--market" in msg


# ---------------------------------------------------------------- the planner keys by market, pure
def test_two_shorts_in_two_markets_are_two_positions_and_the_costlier_shrinks_first() -> None:
    markets = [q(WETH_USDC, ("WETH", "USDC"), "0.08"), q(WETH_WETH, ("WETH",), "-0.01")]
    positions = [short(WETH_USDC, "30000"), short(WETH_WETH, "30000")]
    policy = HedgePolicy(AssetPolicy(D("0.4"), collateral="WETH"))
    hp = plan([Exposure("ETH", D(100000), D(3000))], positions, [], markets, policy)
    assert hp.lines[0].hedge_usd == D(60000)
    (i,) = hp.intents
    assert (i.action, i.market, i.size_delta_usd) == ("decrease", WETH_USDC, D(-20000))
    # the yearly carry after counts each market at its own rate: 10000 x 8% + 30000 x -1%
    assert hp.carry_apr_usd_after == D("500.00")


def test_increase_names_the_market_and_adds_to_the_short_in_that_market() -> None:
    markets = [q(WETH_USDC, ("WETH", "USDC"), "0.08"), q(WETH_WETH, ("WETH",), "-0.01")]
    policy = HedgePolicy(AssetPolicy(D("0.5"), collateral="USDC"))
    hp = plan([Exposure("ETH", D(100000), D(3000))], [short(WETH_WETH, "10000", "WETH")], [], markets, policy)
    # USDC collateral: only [WETH-USDC]; the WETH short elsewhere is another position, so this opens one
    (i,) = hp.intents
    assert (i.action, i.market, i.size_delta_usd) == ("open", WETH_USDC, D(40000))
    pinned = HedgePolicy(AssetPolicy(D("0.5"), collateral="WETH", market=WETH_WETH.upper().replace("0X", "0x")))
    (i,) = plan([Exposure("ETH", D(100000), D(3000))], [short(WETH_WETH, "10000")], [], markets, pinned).intents
    assert (i.action, i.market) == ("increase", WETH_WETH)


# ---------------------------------------------------------------- on the devnet, through the CLI
@pytest.fixture
def second_eth_market(devnet) -> str:  # type: ignore[no-untyped-def]
    """ETH/USD [WETH-WETH] beside [WETH-USDC] (added inside the test's snapshot unless the devnet has it)."""
    m = devnet.manifest
    if SECOND_ETH in m.contracts:
        return str(m.contracts[SECOND_ETH])
    from hedgefi.sim.deploy import devnet_artifacts
    from hedgefi.sim.devclient import DevClient
    from hedgefi.sim.gmx_unpriced import add_market

    dev = DevClient(devnet.rpc_url)
    weth = m.contracts["WETH"]
    pool = 2000 * 10**18
    dev.transact(weth, devnet_artifacts()["WETH9"].abi, "deposit", sender=m.admin_address, value=pool)
    return add_market(dev, m, "ETH/USD", weth, weth, weth, {weth: pool})


def _eth_shorts(cli) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    return [p for p in json.loads(cli("positions", "--venue", "gmx", "--json").stdout)["positions"]
            if p["asset"] == "ETH"]


def test_markets_market_flag_and_two_eth_shorts(devnet, cli, second_eth_market: str) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim.gmx_unpriced import MARKET_ENTRY

    first = devnet.manifest.contracts["gmx:market:ETH/USD"]
    eth = json.loads(cli("markets", "--venue", "gmx", "--asset", "ETH", "--json").stdout)["markets"]
    by_market = {m["market"].lower(): m for m in eth}
    assert set(by_market) == {first.lower(), second_eth_market.lower()}
    assert by_market[second_eth_market.lower()]["collateral_tokens"] == ["WETH"]
    assert by_market[first.lower()]["collateral_tokens"] == ["WETH", "USDC"]

    # USDC collateral: only [WETH-USDC] takes it, no --market needed
    r = cli("short", "open", "ETH", "--size-usd", "2000", "--venue", "gmx", "--json")
    assert r.code == 0, r.output
    assert json.loads(r.stdout)["plan"]["market"].lower() == first.lower()

    # WETH collateral: both take it; the adapter chooses as choose_market does on the markets it lists
    quotes = [MarketQuote("gmx", m["market"], "ETH", "crypto", D(m["price"]), D(m["short_funding_apr"]),
                          D(m["short_borrowing_apr"]), D(m["long_oi_usd"]), D(m["short_oi_usd"]),
                          D(m["available_short_liquidity_usd"]), D(m["max_leverage"]), m["open"],
                          collateral_symbols=tuple(m["collateral_tokens"])) for m in eth]
    expected = choose_market(quotes, "ETH", "WETH", D(2000))[0].market
    other = second_eth_market if expected.lower() == first.lower() else first
    r = cli("short", "open", "ETH", "--size-usd", "2000", "--collateral", "WETH", "--venue", "gmx", "--broadcast",
            "--yes", "--json")
    assert r.code == 0, r.output
    out = json.loads(r.stdout)
    assert out["plan"]["market"].lower() == expected.lower() and "chosen" in out["plan"]["notes"][0]
    r = cli("short", "open", "ETH", "--size-usd", "1500", "--collateral", "WETH", "--market", other,
            "--broadcast", "--yes")
    assert r.code == 0, r.output
    shorts = _eth_shorts(cli)
    assert sorted((p["market"].lower(), D(p["size_usd"])) for p in shorts) == sorted(
        [(expected.lower(), D(2000)), (other.lower(), D(1500))])

    # which one? one line, and nothing sent
    r = cli("short", "close", "ETH", "--collateral", "WETH", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code != 0 and "pick one with --market" in r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) == 1
    assert len(_eth_shorts(cli)) == 2
    # --market closes that one, and the resize then finds the only one left
    assert cli("short", "close", "ETH", "--collateral", "WETH", "--market", expected, "--broadcast", "--yes").code == 0
    (p,) = _eth_shorts(cli)
    assert p["market"].lower() == other.lower()
    r = cli("short", "resize", "ETH", "--to-usd", "3000", "--collateral", "WETH", "--venue", "gmx", "--broadcast",
            "--yes")
    assert r.code == 0, r.output
    (p,) = _eth_shorts(cli)
    assert (p["market"].lower(), D(p["size_usd"])) == (other.lower(), D(3000))

    # a market hedgefi cannot price is refused by name
    syn = devnet.manifest.contracts[MARKET_ENTRY]
    r = cli("short", "open", "ETH", "--size-usd", "100", "--venue", "gmx", "--market", syn)
    assert r.code != 0 and syn in r.stderr and "not a GMX market hedgefi can trade" in r.stderr
