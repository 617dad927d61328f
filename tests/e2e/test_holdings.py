"""Holdings against the devnet: exact balances, one eth_call, per-row errors."""

from __future__ import annotations

from decimal import Decimal

from hedgefi.chain.profiles import get_profile
from hedgefi.chain.rpc import connect
from hedgefi.sim.deploy import devnet_artifacts
from hedgefi.core.units import from_raw
from hedgefi.wallet.holdings import fetch_holdings


def test_holdings_equal_what_the_devnet_funded_to_the_wei(devnet) -> None:  # type: ignore[no-untyped-def]
    m = devnet.manifest
    conn = connect(get_profile("devnet"))
    h = fetch_holdings(conn, m.demo_address)
    by_symbol = {a.symbol: a for a in h.assets}
    assert set(by_symbol) == set(m.funded)
    for symbol, raw in m.funded.items():
        assert by_symbol[symbol].balance_raw == int(raw), symbol
        assert by_symbol[symbol].error is None
    assert by_symbol["WBTC"].value_usd == Decimal("1.5") * Decimal("60000")
    assert h.total_value_usd == sum(a.value_usd for a in h.assets)  # type: ignore[misc]
    assert conn.requests["eth_call"] == 1


def test_100_extra_tokens_are_still_one_eth_call(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim.devclient import DevClient

    m = devnet.manifest
    dev = DevClient(m.rpc_url)
    art = devnet_artifacts()["DevToken"]
    extras = []
    for i in range(100):
        address = dev.deploy(art, f"Extra {i}", f"X{i}", i % 19, sender=m.admin_address)
        extras.append(address)
    dev.transact(extras[42], art.abi, "mint", m.demo_address, 12345, sender=m.admin_address)
    conn = connect(get_profile("devnet"))
    h = fetch_holdings(conn, m.demo_address, extras)
    assert len(h.assets) == 1 + len(m.tokens) + 100
    row = next(a for a in h.assets if a.address == extras[42])
    assert (row.symbol, row.decimals, row.balance_raw) == ("X42", 42 % 19, 12345)
    assert row.balance == from_raw(12345, 42 % 19) and row.price_usd is None
    assert conn.requests["eth_call"] == 1


def test_token_without_code_is_an_error_in_its_row(devnet) -> None:  # type: ignore[no-untyped-def]
    conn = connect(get_profile("devnet"))
    ghost = "0x000000000000000000000000000000000000dEaD"
    h = fetch_holdings(conn, devnet.manifest.demo_address, [ghost])
    row = next(a for a in h.assets if a.address == ghost)
    assert row.error == "no contract code at this address"
    assert all(a.error is None for a in h.assets if a.address != ghost)
