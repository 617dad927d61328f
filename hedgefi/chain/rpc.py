"""The web3 factory: one place that opens a connection, checks the chain id and translates errors.

``connect(profile, rpc_url)`` returns a ``Connection`` whose provider counts requests per method
(tests and ``scripts/bench`` read ``connection.requests``). Every connection compares
``eth_chainId`` with the profile; a mismatch is a ``ChainIdMismatchError`` naming both ids.
web3 is imported here, lazily, never at CLI start-up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hedgefi.chain.profiles import ChainProfile
from hedgefi.chain.redact import redact_url
from hedgefi.config import env
from hedgefi.errors import ChainError, ChainIdMismatchError, ConfigError, RpcUnreachableError

if TYPE_CHECKING:
    from web3 import Web3

DEFAULT_TIMEOUT_S = 15.0


def resolve_rpc_url(profile: ChainProfile, rpc_url: str | None = None) -> str:
    url = rpc_url or env("HEDGEFI_RPC_URL") or profile.default_rpc
    if not url:
        raise ConfigError(f"no RPC URL for chain '{profile.name}': pass --rpc URL or set HEDGEFI_RPC_URL")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"RPC URL must start with http:// or https:// (got {redact_url(url)})")
    return url


@dataclass
class Connection:
    w3: "Web3"
    profile: ChainProfile
    rpc_url: str
    chain_id: int
    requests: Counter[str] = field(default_factory=Counter)

    @property
    def safe_url(self) -> str:
        return redact_url(self.rpc_url)

    def request(self, method: str, params: list[Any]) -> Any:
        """One raw JSON-RPC request (no middleware: hot read paths use this)."""
        return raw_request(self.w3, self.rpc_url, method, params)


def raw_request(w3: "Web3", url: str, method: str, params: list[Any]) -> Any:
    try:
        response = w3.provider.make_request(method, params)  # type: ignore[arg-type]
    except Exception as exc:
        raise RpcUnreachableError(f"the RPC at {redact_url(url)} failed on {method} ({type(exc).__name__})") from exc
    if "error" in response:
        error = response["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise ChainError(f"{method} failed at {redact_url(url)}: {message}")
    return response.get("result")


def _make_provider(url: str, counter: Counter[str], timeout: float) -> Any:
    from web3 import HTTPProvider

    class CountingHTTPProvider(HTTPProvider):
        def make_request(self, method: Any, params: Any) -> Any:
            counter[str(method)] += 1
            return super().make_request(method, params)

    return CountingHTTPProvider(url, request_kwargs={"timeout": timeout})


def connect(profile: ChainProfile, rpc_url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT_S) -> Connection:
    """Open ``profile``'s chain at ``rpc_url`` (or its default) and verify the chain id."""
    from web3 import Web3

    url = resolve_rpc_url(profile, rpc_url)
    counter: Counter[str] = Counter()
    w3 = Web3(_make_provider(url, counter, timeout))
    try:
        chain_id = int(raw_request(w3, url, "eth_chainId", []), 16)
    except RpcUnreachableError as exc:
        raise RpcUnreachableError(
            f"cannot reach the RPC at {redact_url(url)} ({type(exc.__cause__).__name__}); is the node running?"
        ) from exc.__cause__
    if chain_id != profile.chain_id:
        raise ChainIdMismatchError(profile.chain_id, chain_id, profile.name)
    return Connection(w3=w3, profile=profile, rpc_url=url, chain_id=chain_id, requests=counter)


__all__ = ["Connection", "connect", "resolve_rpc_url"]
