import pytest

from hedgefi.chain.profiles import get_profile
from hedgefi.chain.redact import redact_text, redact_url
from hedgefi.core.errors import BadAddressError, UnknownNameError
from hedgefi.wallet.signers import parse_address


def test_redact_url_hides_api_keys() -> None:
    assert redact_url("https://arb-mainnet.g.alchemy.com/v2/SECRETKEY") == "https://arb-mainnet.g.alchemy.com/***"
    assert redact_url("https://user:pw@rpc.example.com:8443/") == "https://rpc.example.com:8443/***"
    assert redact_url("http://127.0.0.1:8545") == "http://127.0.0.1:8545"
    assert "SECRETKEY" not in redact_text("failed https://x.io/v2/SECRETKEY", "https://x.io/v2/SECRETKEY")


def test_redact_text_hides_anything_key_shaped() -> None:
    text = "key=0x" + "ab" * 32
    assert "ab" * 32 not in redact_text(text)


def test_parse_address_checksum() -> None:
    good = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert parse_address(good.lower()) == good
    with pytest.raises(BadAddressError, match="checksum"):
        parse_address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267")
    with pytest.raises(BadAddressError, match="20-byte"):
        parse_address("0x1234")


def test_unknown_chain_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'arbitrum'"):
        get_profile("arbitrun")


def test_arbitrum_profile_addresses_are_checksummed() -> None:
    from eth_utils import is_checksum_address

    arb = get_profile("arbitrum")
    assert arb.chain_id == 42161
    for t in arb.tokens:
        assert is_checksum_address(t.address) and t.feed and is_checksum_address(t.feed)
