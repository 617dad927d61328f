"""hedgefi: hedge a crypto wallet with short perps on decentralized exchanges, from your own wallet.

The public API for scripts is re-exported here lazily (importing ``hedgefi`` stays cheap)::

    from hedgefi import get_profile, connect, fetch_holdings, resolve_identity, HedgePolicy, apply
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "HedgefiError": "hedgefi.core.errors",
    "get_profile": "hedgefi.chain.profiles",
    "ChainProfile": "hedgefi.chain.profiles",
    "connect": "hedgefi.chain.rpc",
    "Connection": "hedgefi.chain.rpc",
    "fetch_holdings": "hedgefi.wallet.holdings",
    "Holdings": "hedgefi.wallet.holdings",
    "resolve_identity": "hedgefi.wallet.signers",
    "HedgePolicy": "hedgefi.hedge.policy",
    "load_plan": "hedgefi.hedge.policy",
    "plan": "hedgefi.hedge.planner",
    "fetch_state": "hedgefi.hedge.executor",
    "apply": "hedgefi.hedge.executor",
    "get_venue": "hedgefi.venues.registry",
    "Venue": "hedgefi.venues.base",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hedgefi' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
