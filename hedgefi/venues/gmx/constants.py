"""GMX v2 facts as data: capabilities, precision, order types, and the checked-in ABIs."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum
from functools import lru_cache

from hedgefi.chain.abicodec import ContractCodec
from hedgefi.venues.base import VenueCapabilities

FLOAT = 10**30                 # USD and factors are 1e30
SECONDS_PER_YEAR = 31_536_000
DEFAULT_FEE_BUFFER = Decimal("1.5")   # execution-fee buffer over gasLimit x gasPrice (reference §11)

CAPABILITIES = VenueCapabilities(
    name="gmx",
    display_name="GMX v2",
    collateral_tokens=("USDC", "WETH"),
    order_model="keeper-two-step",
    asset_classes=("crypto",),
    supports_stop_loss=True,
    max_leverage_hint=Decimal("100"),
)


class OrderType(IntEnum):
    MarketSwap = 0
    LimitSwap = 1
    MarketIncrease = 2
    LimitIncrease = 3
    MarketDecrease = 4
    LimitDecrease = 5
    StopLossDecrease = 6
    Liquidation = 7
    StopIncrease = 8


@lru_cache(maxsize=None)
def codec(name: str) -> ContractCodec:
    from hedgefi.core.resources import abi as load_abi

    return ContractCodec(load_abi("gmx", name))


@lru_cache(maxsize=None)
def error_abis() -> tuple[list[dict[str, object]], ...]:
    from hedgefi.core.resources import abi as load_abi

    return (load_abi("gmx", "Errors"),)


__all__ = ["FLOAT", "SECONDS_PER_YEAR", "DEFAULT_FEE_BUFFER", "CAPABILITIES", "OrderType", "codec", "error_abis"]
