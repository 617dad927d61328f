"""The user's holdings-to-market map (tokens.toml): parsing, validation, and how it changes a profile."""

from __future__ import annotations

import pytest

from hedgefi.chain.profiles import ARBITRUM
from hedgefi.chain.tokenmap import apply_token_map, hedge_asset, load_token_map, parse_token_map
from hedgefi.core.errors import ConfigError

GOLD = "0x00000000000000000000000000000000000000a1"
FEED = "0x00000000000000000000000000000000000000f1"


def test_builtin_map_groups_wrapped_tokens_by_asset() -> None:
    by_symbol = {t.symbol: t.address for t in ARBITRUM.tokens}
    assert hedge_asset(ARBITRUM, None) == "ETH"
    assert hedge_asset(ARBITRUM, by_symbol["WETH"].lower()) == "ETH"
    assert hedge_asset(ARBITRUM, by_symbol["WBTC"]) == "BTC"
    assert hedge_asset(ARBITRUM, by_symbol["XAUT0"]) == "XAU"
    assert hedge_asset(ARBITRUM, GOLD) is None                        # not a token hedgefi knows


def test_a_new_token_is_added_with_its_asset_and_the_asset_feed() -> None:
    entries = parse_token_map(f'[arbitrum.MYGOLD]\naddress = "{GOLD}"\nasset = "xau"\n')["arbitrum"]
    p = apply_token_map(ARBITRUM, entries)
    t = next(t for t in p.tokens if t.symbol == "MYGOLD")
    assert (t.asset, t.feed, t.decimals) == ("XAU", ARBITRUM.feeds["XAU"], -1)   # decimals read on chain
    assert hedge_asset(p, GOLD) == "XAU"
    assert len(ARBITRUM.tokens) + 1 == len(p.tokens)                 # the built-in profile is untouched
    explicit = apply_token_map(ARBITRUM, parse_token_map(
        f'[arbitrum.X]\naddress = "{GOLD}"\nasset = "EUR"\nfeed = "{FEED}"\ndecimals = 6\n')["arbitrum"])
    t = next(t for t in explicit.tokens if t.symbol == "X")
    assert (t.asset, t.feed, t.decimals) == ("EUR", FEED, 6)


def test_a_known_token_can_be_left_unhedged_but_not_remapped() -> None:
    p = apply_token_map(ARBITRUM, parse_token_map("[arbitrum.ARB]\nhedge = false\n")["arbitrum"])
    arb = next(t for t in p.tokens if t.symbol == "ARB")
    assert hedge_asset(p, arb.address) is None and arb.asset == "ARB"   # still valued, still a GMX market token
    with pytest.raises(ConfigError, match="already represents ETH"):
        apply_token_map(ARBITRUM, parse_token_map('[arbitrum.WETH]\nasset = "BTC"\n')["arbitrum"])
    with pytest.raises(ConfigError, match="give its address"):
        apply_token_map(ARBITRUM, parse_token_map('[arbitrum.NOPE]\nasset = "XAU"\n')["arbitrum"])


@pytest.mark.parametrize("text, message", [
    ('[arbitrum.G]\naddress = "0x12"\n', "20-byte hex address"),
    (f'[arbitrum.G]\naddress = "{GOLD}"\nasest = "XAU"\n', "unknown key(s) asest"),
    (f'[arbitrum.G]\naddress = "{GOLD}"\nhedge = "no"\n', "true or false"),
    (f'[arbitrum.G]\naddress = "{GOLD}"\ndecimals = 99\n', "0 to 36"),
    (f'[arbitrum.G]\naddress = "{GOLD}"\nasset = "X AU"\n', "market asset"),
    ('arbitrum = 3\n', "one table per token"),
    ('[arbitrum\n', "not valid TOML"),
])
def test_bad_maps_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="(?s).*".join(map(__import__("re").escape, [message]))):
        parse_token_map(text)


def test_missing_default_file_is_empty_but_a_named_one_must_exist(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HEDGEFI_TOKENS", str(tmp_path / "none.toml"))
    assert load_token_map() == {}
    with pytest.raises(ConfigError, match="does not exist"):
        load_token_map(tmp_path / "none.toml")
