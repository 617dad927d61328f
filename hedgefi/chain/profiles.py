"""Chain profiles: chain id, RPC, Multicall3 and the token list with their USD price feeds.

Each feed has a heartbeat (``heartbeats``: feed address -> seconds; ``default_heartbeat_s`` otherwise): the
longest a healthy feed goes without a new round. On an L2, ``sequencer_feed`` is Chainlink's sequencer
uptime feed and ``sequencer_grace_s`` how long prices stay untrusted after the sequencer comes back
(``hedgefi.chain.freshness`` applies both). ``arbitrum`` is declared here with mainnet addresses. ``devnet`` is read from the manifest that
``hedgefi devnet up`` writes. ``get_profile(name)`` is the explicit registry ("did you mean" on a typo).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hedgefi.core.errors import UnknownNameError

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
DEFAULT_HEARTBEAT_S = 86400       # Chainlink's most common heartbeat (24 h), for a feed the profile does not list
SEQUENCER_GRACE_S = 3600          # Chainlink's suggested grace period after an L2 sequencer restarts


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An ERC-20 the profile knows, and the Chainlink-style feed that prices it in USD."""

    symbol: str
    address: str
    decimals: int
    feed: str | None = None       # AggregatorV3 USD feed, or None when unpriced
    asset: str = ""               # the asset it represents (WETH -> ETH), for hedging
    hedge: bool = True            # False: read and valued, never hedged (the user's tokens.toml)


@dataclass(frozen=True, slots=True)
class ChainProfile:
    name: str
    chain_id: int
    default_rpc: str | None
    native_symbol: str
    native_feed: str | None
    multicall3: str = MULTICALL3
    tokens: tuple[TokenInfo, ...] = ()
    is_devnet: bool = False
    contracts: dict[str, str] = field(default_factory=dict)
    feeds: dict[str, str] = field(default_factory=dict)    # asset (ETH, XAU, EUR, ...) -> USD feed
    params: dict[str, str] = field(default_factory=dict)   # venue settings that are not addresses
    heartbeats: dict[str, int] = field(default_factory=dict)   # feed address (any case) -> heartbeat, seconds
    default_heartbeat_s: int = DEFAULT_HEARTBEAT_S
    sequencer_feed: str | None = None  # L2 sequencer uptime feed (answer 0 = up, 1 = down), None: not an L2
    sequencer_grace_s: int = SEQUENCER_GRACE_S

    def heartbeat_for(self, feed: str) -> int:
        """The heartbeat (seconds) of ``feed``: declared in ``heartbeats``, else ``default_heartbeat_s``."""
        key = feed.lower()
        return next((s for f, s in self.heartbeats.items() if f.lower() == key), self.default_heartbeat_s)

    def feed_name(self, feed: str) -> str:
        """The asset a feed prices, for messages ("ETH"); the address itself when the profile does not know it."""
        key = feed.lower()
        for asset, f in self.feeds.items():
            if f.lower() == key:
                return asset
        for t in self.tokens:
            if t.feed and t.feed.lower() == key:
                return t.asset or t.symbol
        if self.native_feed and self.native_feed.lower() == key:
            return self.native_symbol
        return feed

    def feed_for_asset(self, asset: str) -> str | None:
        """The USD feed that prices ``asset`` (from ``feeds``, else from a token representing it)."""
        key = asset.upper()
        if key in self.feeds:
            return self.feeds[key]
        for t in self.tokens:
            if (t.asset or t.symbol).upper() == key and t.feed:
                return t.feed
        return None

    def token(self, symbol: str) -> TokenInfo:
        for t in self.tokens:
            if t.symbol.upper() == symbol.upper():
                return t
        raise UnknownNameError("token", symbol, [t.symbol for t in self.tokens])


# Arbitrum One. Tokens: Arbiscan; feeds: Chainlink's Arbitrum data-feed list (8 decimals, USD).
ARBITRUM = ChainProfile(
    name="arbitrum",
    chain_id=42161,
    default_rpc=None,
    native_symbol="ETH",
    native_feed="0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612",
    tokens=(
        TokenInfo("WETH", "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1", 18,
                  "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612", "ETH"),
        TokenInfo("USDC", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", 6,
                  "0x50834F3163758fcC1Df9973b6e91f0F0F0434aD3", "USDC"),
        TokenInfo("WBTC", "0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f", 8,
                  "0x6ce185860a4963106506C203335A2910413708e9", "BTC"),
        TokenInfo("ARB", "0x912CE59144191C1204E64559FE8253a0e49E6548", 18,
                  "0xb2A824043730FE05F3DA2efaFa1CBbe83fa548D6", "ARB"),
        TokenInfo("LINK", "0xf97f4df75117a78c1A5a0DBb814Af92458539FB4", 18,
                  "0x86E53CF1B870786351Da77A57575e79CB55812CB", "LINK"),
        # Tether Gold (XAUt0, LayerZero OFT; 6 decimals; one token = one troy ounce), priced by XAU/USD.
        TokenInfo("XAUT0", "0x40461291347e1eCbb09499F3371D3f17f10d7159", 6,
                  "0x1F954Dc24a49708C26E0C1777f16750B5C6d5a2c", "XAU"),
    ),
    # Non-token feeds for gTrade's RWA pairs (Chainlink Arbitrum XAU/USD and EUR/USD; unverified here: no RPC).
    feeds={"XAU": "0x1F954Dc24a49708C26E0C1777f16750B5C6d5a2c", "EUR": "0xA14d53bC1F1c0F31B4aA3BD109344E5009051a84"},
    # Heartbeats from Chainlink's Arbitrum One feed list (data.chain.link): 24 h, except LINK/USD (1 h).
    heartbeats={
        "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612": 86400,   # ETH/USD (0.05% deviation)
        "0x6ce185860a4963106506C203335A2910413708e9": 86400,   # BTC/USD (0.05%)
        "0x50834F3163758fcC1Df9973b6e91f0F0F0434aD3": 86400,   # USDC/USD
        "0xb2A824043730FE05F3DA2efaFa1CBbe83fa548D6": 86400,   # ARB/USD
        "0x86E53CF1B870786351Da77A57575e79CB55812CB": 3600,    # LINK/USD
        "0x1F954Dc24a49708C26E0C1777f16750B5C6d5a2c": 86400,   # XAU/USD
        "0xA14d53bC1F1c0F31B4aA3BD109344E5009051a84": 86400,   # EUR/USD
    },
    # Chainlink's L2 sequencer uptime feed on Arbitrum One.
    sequencer_feed="0xFdB631F5EE196F0ed6FAa767959853A9F217697D",
)

PROFILE_NAMES = ("devnet", "arbitrum")


def get_profile(name: str) -> ChainProfile:
    """The profile called ``name``, with the user's token map applied (``tokens.toml``, see ``tokenmap``);
    ``devnet`` needs a running devnet's manifest."""
    from hedgefi.chain.tokenmap import apply_token_map, load_token_map

    key = name.strip().lower()
    if key == "arbitrum":
        profile = ARBITRUM
    elif key == "devnet":
        from hedgefi.chain.manifest import load_manifest

        profile = load_manifest().profile()
    else:
        raise UnknownNameError("chain", name, PROFILE_NAMES)
    entries = load_token_map().get(key)
    return apply_token_map(profile, entries) if entries else profile


__all__ = ["MULTICALL3", "DEFAULT_HEARTBEAT_S", "SEQUENCER_GRACE_S", "TokenInfo", "ChainProfile", "ARBITRUM", "PROFILE_NAMES", "get_profile"]
