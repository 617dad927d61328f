"""Where gTrade lives on each chain, which pairs hedgefi trades there, and the start-up check (reference §1, §9.5).

Arbitrum: the GNSMultiCollatDiamond address and the SDK's pair indices (checked on every read: a pair
whose ``pairs(i).from`` is not the expected asset is dropped). The devnet's come from its manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hedgefi.chain.multicall import Call, fetch_aggregate3
from hedgefi.chain.profiles import ChainProfile
from hedgefi.core.errors import ChainError, ConfigError
from hedgefi.venues.gtrade.constants import codec

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection


@dataclass(frozen=True, slots=True)
class GtradeDeployment:
    diamond: str
    usdc: str
    pairs: tuple[tuple[str, int], ...]        # (asset, pair index) against USD

    def pair_index(self, asset: str) -> int | None:
        return next((i for a, i in self.pairs if a.upper() == asset.upper()), None)


ARBITRUM_V10 = GtradeDeployment(
    diamond="0xFF162c694eAA571f685030649814282eA457f169",
    usdc="0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
    pairs=(("BTC", 0), ("ETH", 1), ("LINK", 2), ("EUR", 21), ("NVDA", 65), ("SPY", 86), ("XAU", 90)),
)

PAIR_PREFIX = "gtrade:pair:"


def deployment_for(profile: ChainProfile) -> GtradeDeployment:
    if profile.name == "arbitrum":
        return ARBITRUM_V10
    c = profile.contracts
    if "gtrade:Diamond" not in c:
        raise ConfigError(f"gTrade is not deployed on chain '{profile.name}'")
    pairs = tuple(sorted(((k[len(PAIR_PREFIX):], int(v)) for k, v in profile.params.items()
                          if k.startswith(PAIR_PREFIX)),
                         key=lambda p: p[1]))
    return GtradeDeployment(diamond=c["gtrade:Diamond"], usdc=c["USDC"], pairs=pairs)


def fetch_verify(conn: "Connection", d: GtradeDeployment) -> None:
    """Refuse to trade unless the diamond answers the v10 selectors hedgefi uses and lists USDC."""
    c = codec()
    calls = [Call(d.diamond, c.encode("getCollateralIndex", d.usdc)), Call(d.diamond, c.encode("getTradingActivated")),
             Call(d.diamond, c.encode("getMarketOrdersTimeoutBlocks")), Call(d.diamond, c.encode("getMinAnswers"))]
    r = fetch_aggregate3(conn, calls)
    if not all(x.ok for x in r):
        raise ChainError(f"the gTrade diamond {d.diamond} does not answer the v10 interface on this chain; "
                         "refusing to trade")
    if c.decode_output("getCollateralIndex", r[0].data) == 0:
        raise ChainError(f"the gTrade diamond does not list USDC ({d.usdc}) as collateral; refusing to trade")


__all__ = ["GtradeDeployment", "ARBITRUM_V10", "deployment_for", "fetch_verify", "PAIR_PREFIX"]
