"""Test helpers that ship with hedgefi, so users can build their own devnet and fork tests.

- ``rpc_proxy.CountingProxy``: a loopback JSON-RPC proxy that counts requests per method.
- ``devnet.DevnetSession``: a devnet for a test session, with snapshot/revert around each test.
"""
