"""Fixtures for venue tests: a connection to the session devnet, the demo signer, each venue."""

from __future__ import annotations

import pytest


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
def keeper_paused(devnet):  # type: ignore[no-untyped-def]
    from hedgefi.sim.keeper import set_paused

    set_paused(True)
    try:
        yield
    finally:
        set_paused(False)

