"""Preparing an anvil fork of a GMX chain so a dry-run can execute orders (reference §15).

Each token's oracle provider (``ORACLE_PROVIDER_FOR_TOKEN(oracle, token)``) is replaced with the
MockOracleProvider's runtime code via ``anvil_setCode`` and given the feed price, exactly as fork tests
do against mainnet. Only ever used on a local fork.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.local import rpc_request
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
            rpc_request(url, "anvil_setCode", [provider, runtime])
            swapped.append(provider)
        price = snap.prices_e30[token]
        call = mock.encode("setPrice", token, price, price)
        rpc_request(url, "eth_sendTransaction", [{"from": admin, "to": provider, "data": "0x" + call.hex()}])
    return swapped


__all__ = ["install_mock_oracle"]
