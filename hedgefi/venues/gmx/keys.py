"""GMX v2 DataStore keys and role hashes, computed exactly as GMX does (reference §10).

Constant keys are ``keccak256(abi.encode("NAME"))`` (the ABI encoding of a string), parameterised
keys ``keccak256(abi.encode(KEY, args...))``. Test vectors from the reference are in the tests.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


def _keccak(data: bytes) -> bytes:
    from eth_utils.crypto import keccak

    return bytes(keccak(data))


@lru_cache(maxsize=256)
def name_key(name: str) -> bytes:
    from eth_abi.abi import encode

    return _keccak(encode(["string"], [name]))


def _param_key(name: str, types: list[str], values: list[Any]) -> bytes:
    from eth_abi.abi import encode

    return _keccak(encode(["bytes32", *types], [name_key(name), *values]))


MARKET_LIST = "MARKET_LIST"


def account_position_list_key(account: str) -> bytes:
    return _param_key("ACCOUNT_POSITION_LIST", ["address"], [account])


def account_order_list_key(account: str) -> bytes:
    return _param_key("ACCOUNT_ORDER_LIST", ["address"], [account])


def is_market_disabled_key(market: str) -> bytes:
    return _param_key("IS_MARKET_DISABLED", ["address"], [market])


def open_interest_key(market: str, collateral: str, is_long: bool) -> bytes:
    return _param_key("OPEN_INTEREST", ["address", "address", "bool"], [market, collateral, is_long])


def pool_amount_key(market: str, token: str) -> bytes:
    return _param_key("POOL_AMOUNT", ["address", "address"], [market, token])


def max_open_interest_key(market: str, is_long: bool) -> bytes:
    return _param_key("MAX_OPEN_INTEREST", ["address", "bool"], [market, is_long])


def reserve_factor_key(market: str, is_long: bool) -> bytes:
    return _param_key("RESERVE_FACTOR", ["address", "bool"], [market, is_long])


def open_interest_reserve_factor_key(market: str, is_long: bool) -> bytes:
    return _param_key("OPEN_INTEREST_RESERVE_FACTOR", ["address", "bool"], [market, is_long])


def max_funding_factor_per_second_key(market: str, is_long: bool) -> bytes:
    return _param_key("MAX_FUNDING_FACTOR_PER_SECOND", ["address", "bool"], [market, is_long])


def min_collateral_factor_key(market: str) -> bytes:
    return _param_key("MIN_COLLATERAL_FACTOR", ["address"], [market])


def min_collateral_factor_for_liquidation_key(market: str) -> bytes:
    return _param_key("MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION", ["address"], [market])


def max_position_impact_factor_for_liquidations_key(market: str) -> bytes:
    return _param_key("MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS", ["address"], [market])


def position_fee_factor_key(market: str, balance_was_improved: bool) -> bytes:
    return _param_key("POSITION_FEE_FACTOR", ["address", "bool"], [market, balance_was_improved])


def oracle_provider_for_token_key(oracle: str, token: str) -> bytes:
    return _param_key("ORACLE_PROVIDER_FOR_TOKEN", ["address", "address"], [oracle, token])


def oracle_timestamp_adjustment_key(provider: str, token: str) -> bytes:
    return _param_key("ORACLE_TIMESTAMP_ADJUSTMENT", ["address", "address"], [provider, token])


def is_oracle_provider_enabled_key(provider: str) -> bytes:
    return _param_key("IS_ORACLE_PROVIDER_ENABLED", ["address"], [provider])


def price_feed_key(token: str) -> bytes:
    return _param_key("PRICE_FEED", ["address"], [token])


def price_feed_multiplier_key(token: str) -> bytes:
    return _param_key("PRICE_FEED_MULTIPLIER", ["address"], [token])


def funding_factor_key(market: str) -> bytes:
    return _param_key("FUNDING_FACTOR", ["address"], [market])


def funding_exponent_factor_key(market: str) -> bytes:
    return _param_key("FUNDING_EXPONENT_FACTOR", ["address"], [market])


def funding_updated_at_key(market: str) -> bytes:
    return _param_key("FUNDING_UPDATED_AT", ["address"], [market])


def borrowing_factor_key(market: str, is_long: bool) -> bytes:
    return _param_key("BORROWING_FACTOR", ["address", "bool"], [market, is_long])


def position_key(account: str, market: str, collateral: str, is_long: bool) -> bytes:
    from eth_abi.abi import encode

    return _keccak(encode(["address", "address", "address", "bool"], [account, market, collateral, is_long]))


def order_key(data_store: str, nonce: int) -> bytes:
    from eth_abi.abi import encode

    return _keccak(encode(["address", "uint256"], [data_store, nonce]))


def role_key(name: str) -> bytes:
    return name_key(name)


__all__ = [n for n in dir() if n.endswith("_key") or n in ("MARKET_LIST",)]
