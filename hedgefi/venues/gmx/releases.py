"""The GMX releases hedgefi serves (v2.2b, v2.2c), and finding the live one on-chain (reference §0, §2.3).

Public sources disagree on which release Arbitrum runs, and their struct layouts differ (v2.2b's
``Order.Numbers`` has no ``uiFeeFactor``, its ``PositionInfo`` no ``positionValueInUsd``, its oracle
providers answer a 5-field ``ValidatedPrice``). So a connection to Arbitrum asks RoleStore which
release's ExchangeRouter is live and decodes with that release's layout (``reader_codec``); the fork
dry-run installs the mock oracle provider of that release (``mock_oracle_runtime``). When no release
matches, nothing trades: the error names what RoleStore reports as ``ROUTER_PLUGIN`` instead.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.abicodec import ContractCodec
from hedgefi.chain.multicall import Call, CallResult, fetch_aggregate3
from hedgefi.core.errors import ChainError
from hedgefi.venues.gmx.deployment import GmxDeployment, wiring_calls
from hedgefi.venues.gmx.keys import role_key

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

Release = Literal["v2.2b", "v2.2c"]
RELEASES: tuple[Release, ...] = ("v2.2b", "v2.2c")
DEFAULT_RELEASE: Release = "v2.2c"

# ABIs whose shapes differ by release (shipped under abis/gmx/<release>/); the rest are shared.
_RELEASE_ABIS: dict[str, frozenset[str]] = {"v2.2b": frozenset({"Reader"}), "v2.2c": frozenset()}
# the artifact group that holds each release's fork mock oracle provider
_MOCK_GROUP: dict[str, str] = {"v2.2b": "gmx-v2.2b", "v2.2c": "gmx"}


def check_release(name: str) -> Release:
    if name not in RELEASES:
        raise ChainError(f"unknown GMX release {name!r}: hedgefi knows {', '.join(RELEASES)}")
    return name


@lru_cache(maxsize=None)
def codec_for(release: str, name: str) -> ContractCodec:
    """The ABI codec of GMX contract ``name`` in ``release``'s layout."""
    from hedgefi.core.resources import abi as load_abi

    folder = f"gmx/{release}" if name in _RELEASE_ABIS[check_release(release)] else "gmx"
    return ContractCodec(load_abi(folder, name))


def reader_codec(d: GmxDeployment) -> ContractCodec:
    return codec_for(d.release, "Reader")


def mock_oracle_runtime(release: str) -> str:
    """Runtime code of the fork mock oracle provider that answers in ``release``'s ValidatedPrice shape."""
    from hedgefi.core.resources import artifact

    return artifact(_MOCK_GROUP[check_release(release)], "MockOracleProvider").runtime


def _is_live(d: GmxDeployment, r: list[CallResult]) -> bool:
    if not all(x.ok and len(x.data) >= 32 for x in r):
        return False
    plugin, controller = (bool(decode(["bool"], x.data)[0]) for x in r[:2])
    got = [str(decode(["address"], x.data)[0]).lower() for x in r[2:5]]
    return plugin and controller and got == [d.data_store.lower(), d.router.lower(), d.event_emitter.lower()]


def fetch_live_release(conn: "Connection", candidates: dict[Release, GmxDeployment],
                       pinned: Release | None = None) -> GmxDeployment:
    """The candidate whose ExchangeRouter RoleStore reports live (one batched read). ``pinned`` (a user's
    choice) must be that one. Several live at once (a migration): the newest listed."""
    names = list(candidates)
    calls = [c for n in names for c in wiring_calls(candidates[n])]
    some = candidates[names[0]]
    calls.append(Call(some.role_store, encode_call("getRoleMembers(bytes32,uint256,uint256)",
                                                    ["bytes32", "uint256", "uint256"],
                                                    [role_key("ROUTER_PLUGIN"), 0, 50])))
    r = fetch_aggregate3(conn, calls)
    per = len(wiring_calls(some))
    live = [n for i, n in enumerate(names) if _is_live(candidates[n], r[per * i:per * i + per])]
    if not live:
        members = [str(a) for a in decode(["address[]"], r[-1].data)[0]] if r[-1].ok else []
        known = ", ".join(f"{n} {candidates[n].exchange_router}" for n in names)
        raise ChainError(f"no GMX release hedgefi knows is live on this chain (RoleStore's ROUTER_PLUGIN members: "
                         f"{', '.join(members) or 'none'}; hedgefi knows {known}); GMX has likely upgraded: "
                         "refusing to trade until hedgefi's GMX release table is updated")
    if pinned is not None and pinned not in live:
        raise ChainError(f"GMX release {pinned} is pinned, but RoleStore reports {', '.join(live)} live; "
                         "refusing to trade")
    return candidates[pinned or live[-1]]


def with_release(d: GmxDeployment, release: str) -> GmxDeployment:
    return replace(d, release=check_release(release))


__all__ = ["Release", "RELEASES", "DEFAULT_RELEASE", "check_release", "codec_for", "reader_codec",
           "mock_oracle_runtime", "fetch_live_release", "with_release"]
