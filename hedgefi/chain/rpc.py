"""Connections to a chain: one place that checks the chain id, counts requests and translates errors.

``connect(profile, rpc_url)`` returns a ``Connection`` over ``RpcTransport`` (retries, failover across
comma-separated RPC URLs, no blind resend). The chain id is checked against the profile on the first
request, batched with it, so a single read is a single HTTP round trip; a mismatch is a
``ChainIdMismatchError`` naming both ids. ``connection.requests`` counts JSON-RPC methods and
``connection.round_trips["total"]`` HTTP requests (tests and ``scripts/bench`` read them).
No web3 import: reads need only eth_abi.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hedgefi.chain.freshness import PriceLog
from hedgefi.chain.profiles import ChainProfile
from hedgefi.chain.redact import redact_url
from hedgefi.chain.transport import RpcTransport, result_of
from hedgefi.core.config import env
from hedgefi.core.errors import ChainError, ChainIdMismatchError, ConfigError, RpcError

DEFAULT_TIMEOUT_S = 15.0


def resolve_rpc_urls(profile: ChainProfile, rpc_url: str | None = None) -> list[str]:
    """``--rpc`` / ``HEDGEFI_RPC_URL`` / the profile's default; several URLs separated by commas fail over."""
    raw = rpc_url or env("HEDGEFI_RPC_URL") or profile.default_rpc
    if not raw:
        raise ConfigError(f"no RPC URL for chain '{profile.name}': pass --rpc URL or set HEDGEFI_RPC_URL")
    urls = [u.strip() for u in raw.split(",") if u.strip()]
    for u in urls:
        if not u.startswith(("http://", "https://")):
            raise ConfigError(f"RPC URL must start with http:// or https:// (got {redact_url(u)})")
    return urls


def resolve_rpc_url(profile: ChainProfile, rpc_url: str | None = None) -> str:
    return resolve_rpc_urls(profile, rpc_url)[0]


@dataclass
class Connection:
    transport: RpcTransport
    profile: ChainProfile
    primary_url: str
    chain_id: int
    requests: Counter[str] = field(default_factory=Counter)     # JSON-RPC methods sent
    round_trips: Counter[str] = field(default_factory=Counter)  # HTTP requests ("total")
    verified: bool = False
    prices: PriceLog = field(default_factory=PriceLog)         # the feed rounds this connection's reads saw

    @property
    def rpc_url(self) -> str:
        """The URL in use (after a failover, the one that answered)."""
        return self.transport.url

    @property
    def safe_url(self) -> str:
        return redact_url(self.rpc_url)

    def _check_chain_id(self, response: dict[str, Any]) -> None:
        if "result" not in response:
            raise ChainError(f"eth_chainId failed at {self.safe_url}: {response.get('error')}")
        actual = int(response["result"], 16)
        if actual != self.profile.chain_id:
            raise ChainIdMismatchError(self.profile.chain_id, actual, self.profile.name)
        self.chain_id = actual
        self.verified = True
        self.transport.mark_verified()

    def ensure_verified(self) -> None:
        if not self.verified:
            self._check_chain_id(self.transport.batch([("eth_chainId", [])])[0])

    def raw(self, method: str, params: list[Any]) -> dict[str, Any]:
        """The whole JSON-RPC response (result or error), after the chain-id check."""
        self.ensure_verified()
        return self.transport.request(method, params)

    def request(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC request; the first one carries the chain-id check in the same batch."""
        if self.verified:
            return result_of(self.transport.request(method, params), method, self.rpc_url)
        chain, response = self.transport.batch([("eth_chainId", []), (method, params)])
        self._check_chain_id(chain)
        return result_of(response, method, self.rpc_url)

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Several requests in one HTTP request (with the chain-id check, the first time); their results, in
        order. The first error answer raises ``RpcError``."""
        if len(calls) == 1:
            return [self.request(*calls[0])]
        if self.verified:
            responses = self.transport.batch(calls)
        else:
            chain, *responses = self.transport.batch([("eth_chainId", []), *calls])
            self._check_chain_id(chain)
        return [result_of(r, m, self.rpc_url) for r, (m, _) in zip(responses, calls)]

    def batch_answers(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """``batch``, but an error answer comes back in its place as the ``RpcError`` it would raise (for a
        request the caller can do without, e.g. ``eth_maxPriorityFeePerGas`` on a node that lacks it)."""
        if self.verified:
            responses = self.transport.batch(calls)
        else:
            chain, *responses = self.transport.batch([("eth_chainId", []), *calls])
            self._check_chain_id(chain)
        out: list[Any] = []
        for r, (m, _) in zip(responses, calls):
            try:
                out.append(result_of(r, m, self.rpc_url))
            except RpcError as exc:
                out.append(exc)
        return out


def connect(profile: ChainProfile, rpc_url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT_S,
            verify_now: bool = False) -> Connection:
    """A connection to ``profile``'s chain; the chain id is checked on the first request (or now)."""
    urls = resolve_rpc_urls(profile, rpc_url)
    methods: Counter[str] = Counter()
    trips: Counter[str] = Counter()
    transport = RpcTransport(urls, timeout=timeout, expected_chain_id=profile.chain_id, profile_name=profile.name,
                             methods=methods, trips=trips)
    conn = Connection(transport=transport, profile=profile, primary_url=urls[0], chain_id=profile.chain_id,
                      requests=methods, round_trips=trips)
    if verify_now:
        conn.ensure_verified()
    return conn


__all__ = ["Connection", "connect", "resolve_rpc_url", "resolve_rpc_urls"]
