"""Fixtures for venue tests (the connection and the demo signer are in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def keeper_paused(devnet):  # type: ignore[no-untyped-def]
    from hedgefi.sim.keeper import set_paused

    set_paused(True)
    try:
        yield
    finally:
        set_paused(False)

