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
    """A chain connection. The chain id is verified on the first request, batched with it (one round trip)."""

    w3: "Web3"
    profile: ChainProfile
    rpc_url: str
    chain_id: int
    requests: Counter[str] = field(default_factory=Counter)     # JSON-RPC methods sent
    round_trips: Counter[str] = field(default_factory=Counter)  # HTTP requests ("total")
    verified: bool = False

    @property
    def safe_url(self) -> str:
        return redact_url(self.rpc_url)

    def _unreachable(self, exc: Exception) -> RpcUnreachableError:
        return RpcUnreachableError(f"cannot reach the RPC at {self.safe_url} ({type(exc).__name__}); "
                                   "is the node running?")

    def _check_chain_id(self, response: Any) -> None:
        if "error" in response or "result" not in response:
            raise ChainError(f"eth_chainId failed at {self.safe_url}: {response.get('error')}")
        actual = int(response["result"], 16)
        if actual != self.profile.chain_id:
            raise ChainIdMismatchError(self.profile.chain_id, actual, self.profile.name)
        self.chain_id = actual
        self.verified = True

    def ensure_verified(self) -> None:
        if self.verified:
            return
        try:
            response = self.w3.provider.make_request("eth_chainId", [])  # type: ignore[arg-type]
        except Exception as exc:
            raise self._unreachable(exc) from exc
        self._check_chain_id(response)

    def request(self, method: str, params: list[Any]) -> Any:
        """One raw JSON-RPC request (no middleware). The first one carries the chain-id check in a batch."""
        if self.verified:
            return raw_request(self.w3, self.rpc_url, method, params)
        try:
            responses = self.w3.provider.make_batch_request([("eth_chainId", []), (method, params)])  # type: ignore
        except Exception as exc:
            raise self._unreachable(exc) from exc
        if not isinstance(responses, list) or len(responses) != 2:
            # a node without batch support: fall back to two requests
            self.ensure_verified()
            return raw_request(self.w3, self.rpc_url, method, params)
        self._check_chain_id(responses[0])
        return _result(responses[1], method, self.rpc_url)


def _result(response: Any, method: str, url: str) -> Any:
    if "error" in response:
        error = response["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise ChainError(f"{method} failed at {redact_url(url)}: {message}")
    return response.get("result")


def raw_request(w3: "Web3", url: str, method: str, params: list[Any]) -> Any:
    try:
        response = w3.provider.make_request(method, params)  # type: ignore[arg-type]
    except Exception as exc:
        raise RpcUnreachableError(f"the RPC at {redact_url(url)} failed on {method} ({type(exc).__name__})") from exc
    return _result(response, method, url)


def _make_provider(url: str, methods: Counter[str], trips: Counter[str], timeout: float) -> Any:
    from web3 import HTTPProvider

    class CountingHTTPProvider(HTTPProvider):
        def make_request(self, method: Any, params: Any) -> Any:
            methods[str(method)] += 1
            trips["total"] += 1
            return super().make_request(method, params)

        def make_batch_request(self, batch: Any) -> Any:
            for method, _ in batch:
                methods[str(method)] += 1
            trips["total"] += 1
            return super().make_batch_request(batch)

    return CountingHTTPProvider(url, request_kwargs={"timeout": timeout})


def connect(profile: ChainProfile, rpc_url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT_S,
            verify_now: bool = False) -> Connection:
    """A connection to ``profile``'s chain at ``rpc_url`` (or its default); the chain id is checked on the
    first request (or now, with ``verify_now``), and a mismatch raises ``ChainIdMismatchError``."""
    from web3 import Web3

    url = resolve_rpc_url(profile, rpc_url)
    methods: Counter[str] = Counter()
    trips: Counter[str] = Counter()
    w3 = Web3(_make_provider(url, methods, trips, timeout))
    conn = Connection(w3=w3, profile=profile, rpc_url=url, chain_id=profile.chain_id, requests=methods,
                      round_trips=trips)
    if verify_now:
        conn.ensure_verified()
    return conn


__all__ = ["Connection", "connect", "resolve_rpc_url"]
