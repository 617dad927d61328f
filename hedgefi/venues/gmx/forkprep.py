"""Preparing an anvil fork of a GMX chain so a dry-run can execute orders (reference §15).

Each token's oracle provider (``ORACLE_PROVIDER_FOR_TOKEN(oracle, token)``) must be enabled
(``IS_ORACLE_PROVIDER_ENABLED``); it is replaced with the live release's MockOracleProvider runtime code
via ``anvil_setCode``, given the feed price, and given the provider's ``ORACLE_TIMESTAMP_ADJUSTMENT``
for the token (GMX's Oracle subtracts it from what the provider reports), exactly as fork tests do
against mainnet. Only ever used on a local fork.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.local import rpc_request, wait_receipt
from hedgefi.core.errors import ChainError
from hedgefi.venues.gmx import keys, reads
from hedgefi.venues.gmx.constants import codec
from hedgefi.venues.gmx.deployment import GmxDeployment
from hedgefi.venues.gmx.releases import mock_oracle_runtime

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection


def install_mock_oracle(conn: "Connection", d: GmxDeployment) -> list[str]:
    """Swap every market token's provider for the mock, priced from the profile's feeds."""
    url = conn.rpc_url
    snap = reads.fetch_snapshot(conn, d)
    oracle_raw = rpc_request(url, "eth_call", [{"to": d.order_handler,
                                                "data": "0x" + codec("OrderHandler").encode("oracle").hex()}, "latest"])
    oracle = str(decode(["address"], bytes.fromhex(oracle_raw[2:]))[0])
    runtime = mock_oracle_runtime(d.release)
    mock = codec("MockOracleProvider")
    tokens = {t.lower() for m in snap.markets for t in (m.index_token, m.long_token, m.short_token)}
    swapped: list[str] = []
    admin = rpc_request(url, "eth_accounts", [])[0]
    for token in sorted(tokens):
        data = encode_call("getAddress(bytes32)", ["bytes32"], [keys.oracle_provider_for_token_key(oracle, token)])
        raw = rpc_request(url, "eth_call", [{"to": d.data_store, "data": "0x" + data.hex()}, "latest"])
        provider = str(decode(["address"], bytes.fromhex(raw[2:]))[0])
        if int(provider, 16) == 0:
            continue
        if provider not in swapped:
            enabled = _uint_at(url, d, "getBool(bytes32)", keys.is_oracle_provider_enabled_key(provider))
            if not enabled:
                raise ChainError(f"GMX's oracle provider {provider} for token {token} is disabled in DataStore "
                                 "(IS_ORACLE_PROVIDER_ENABLED); a dry-run cannot execute orders on this market")
            rpc_request(url, "anvil_setCode", [provider, runtime])
            swapped.append(provider)
        price = snap.prices_e30[token]
        calls = [mock.encode("setPrice", token, price, price)]
        adjustment = _uint_at(url, d, "getUint(bytes32)", keys.oracle_timestamp_adjustment_key(provider, token))
        if adjustment:
            calls.append(mock.encode("setTimestampAdjustment", token, adjustment))
        for call in calls:
            tx = rpc_request(url, "eth_sendTransaction", [{"from": admin, "to": provider, "data": "0x" + call.hex()}])
            wait_receipt(url, tx)
    return swapped


def _uint_at(url: str, d: GmxDeployment, getter: str, key: bytes) -> int:
    data = encode_call(getter, ["bytes32"], [key])
    raw = rpc_request(url, "eth_call", [{"to": d.data_store, "data": "0x" + data.hex()}, "latest"])
    return int(decode(["uint256"], bytes.fromhex(raw[2:]))[0])


__all__ = ["install_mock_oracle"]
