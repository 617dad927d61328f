"""Where GMX lives on each chain, and the start-up checks before trading (reference §2.3).

Arbitrum addresses are pinned to the v2.2c release; the devnet's come from its manifest. Before any
write, ``fetch_verify`` checks in one batched read that the ExchangeRouter holds ROUTER_PLUGIN and
CONTROLLER and that its getters point at the pinned DataStore, Router and EventEmitter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.multicall import Call, fetch_aggregate3
from hedgefi.chain.profiles import ChainProfile
from hedgefi.core.errors import ChainError, ConfigError
from hedgefi.venues.gmx.keys import role_key

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection


@dataclass(frozen=True, slots=True)
class GmxDeployment:
    exchange_router: str
    router: str
    data_store: str
    reader: str
    order_vault: str
    event_emitter: str
    role_store: str
    order_handler: str
    referral_storage: str
    wnt: str
    usdc: str
    synthetic_index: tuple[tuple[str, str, int], ...] = ()   # (address, asset, decimals) for synthetic indices
    release: str = "v2.2c"             # the GMX release whose layouts these contracts speak (venues.gmx.releases)


ARBITRUM_V2_2C = GmxDeployment(
    exchange_router="0x7dE39FF2e232A2203196788d37e234cF8F1b83f1",
    router="0x7452c558d45f8afC8c83dAe62C3f8A5BE19c71f6",
    data_store="0xFD70de6b91282D8017aA4E741e9Ae325CAb992d8",
    reader="0xfA26cBb46e2614609406de08CA1Dc7f70a684184",
    order_vault="0x31eF83a530Fde1B38EE9A18093A333D8Bbbc40D5",
    event_emitter="0xC8ee91A54287DB53897056e12D9819156D3822Fb",
    role_store="0x3c3d99FD298f679DBC2CEcd132b4eC4d0F5e6e72",
    order_handler="0xa5D2d45228ee2E3A18AB122B2cE84997d008f4Eb",
    referral_storage="0xe6fab3F0c7199b0d34d7FbE83394fc0e0D06e99d",
    wnt="0x82aF49447D8a07e3bd95BD0d56f35241523fBab1",
    usdc="0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
    synthetic_index=(("0x47904963fc8b2340414262125aF798B9655E58Cd", "BTC", 8),),
)

# v2.2b: the rotating contracts of gmx-synthetics' deployments/arbitrum (and @gmx-io/sdk 1.4.0); the stable
# ones (DataStore, RoleStore, EventEmitter, Router, OrderVault) are shared with v2.2c (reference §0)
ARBITRUM_V2_2B = replace(
    ARBITRUM_V2_2C,
    exchange_router="0x1C3fa76e6E1088bCE750f23a5BFcffa1efEF6A41",
    reader="0x470fbC46bcC0f16532691Df360A07d8Bf5ee0789",
    order_handler="0x63492B775e30a9E6b4b4761c12605EB9d071d5e9",
    release="v2.2b",
)
ARBITRUM_RELEASES: dict[str, GmxDeployment] = {"v2.2b": ARBITRUM_V2_2B, "v2.2c": ARBITRUM_V2_2C}

ZERO = "0x0000000000000000000000000000000000000000"


def deployment_for(profile: ChainProfile) -> GmxDeployment:
    """The pinned addresses (Arbitrum: v2.2c; ``GmxVenue`` asks the chain which release is live)."""
    if profile.name == "arbitrum":
        return ARBITRUM_V2_2C
    c = profile.contracts
    if "gmx:ExchangeRouter" not in c:
        raise ConfigError(f"GMX is not deployed on chain '{profile.name}'")
    return GmxDeployment(
        exchange_router=c["gmx:ExchangeRouter"], router=c["gmx:Router"], data_store=c["gmx:DataStore"],
        reader=c["gmx:Reader"], order_vault=c["gmx:OrderVault"], event_emitter=c["gmx:EventEmitter"],
        role_store=c["gmx:RoleStore"], order_handler=c["gmx:OrderHandler"], referral_storage=ZERO,
        wnt=c["WETH"], usdc=c["USDC"], release=profile.params.get("gmx:release", "v2.2c"),
    )


def wiring_calls(d: GmxDeployment) -> list[Call]:
    """Does RoleStore give ``d``'s ExchangeRouter ROUTER_PLUGIN and CONTROLLER, and which DataStore, Router,
    EventEmitter and OrderHandler does it name (in that order)."""
    return [
        Call(d.role_store, encode_call("hasRole(address,bytes32)", ["address", "bytes32"],
                                       [d.exchange_router, role_key("ROUTER_PLUGIN")])),
        Call(d.role_store, encode_call("hasRole(address,bytes32)", ["address", "bytes32"],
                                       [d.exchange_router, role_key("CONTROLLER")])),
        Call(d.exchange_router, encode_call("dataStore()")),
        Call(d.exchange_router, encode_call("router()")),
        Call(d.exchange_router, encode_call("eventEmitter()")),
        Call(d.exchange_router, encode_call("orderHandler()")),
    ]


def fetch_verify(conn: "Connection", d: GmxDeployment) -> None:
    """Refuse to trade unless the pinned ExchangeRouter is live and wired as expected."""
    r = fetch_aggregate3(conn, wiring_calls(d))
    if not all(x.ok for x in r):
        raise ChainError(f"GMX ExchangeRouter {d.exchange_router} does not answer on this chain; refusing to trade")
    plugin, controller = (bool(decode(["bool"], x.data)[0]) for x in r[:2])
    if not plugin:
        raise ChainError(f"GMX ExchangeRouter {d.exchange_router} no longer holds ROUTER_PLUGIN (GMX upgraded it); "
                         "refusing to trade: update hedgefi's GMX address table")
    if not controller:
        raise ChainError(f"GMX ExchangeRouter {d.exchange_router} is not a CONTROLLER; refusing to trade")
    got = [str(decode(["address"], x.data)[0]).lower() for x in r[2:5]]
    want = [d.data_store.lower(), d.router.lower(), d.event_emitter.lower()]
    if got != want:
        raise ChainError("GMX ExchangeRouter points at other DataStore/Router/EventEmitter than hedgefi pins; "
                         "refusing to trade")


__all__ = ["wiring_calls", "GmxDeployment", "ARBITRUM_V2_2B", "ARBITRUM_V2_2C", "ARBITRUM_RELEASES", "deployment_for", "fetch_verify", "ZERO"]
