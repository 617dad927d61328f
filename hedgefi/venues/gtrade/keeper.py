"""Playing gTrade's oracle nodes on a local chain (the devnet, or an anvil fork of Arbitrum), reference §7.2.

The request ids come from the diamond's ``ChainlinkRequested`` logs; for each pending order the first
``getMinAnswers()`` ids are answered by impersonating ``getPendingRequest(id)`` (the operator allowed to
answer) and sending ``fulfill(id, price)`` with the pair's Chainlink price. The same routine runs against
the replica and a mainnet fork; there is no test-only fill entry point. As the real oracle side, it does
not answer for a market that is closed at the chain's time (``respect_hours``), so such an order times out;
nor for an order already past ``getMarketOrdersTimeoutBlocks()``: that one is left to ``cancelOrderAfterTimeout``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.local import rpc_request, wait_receipt
from hedgefi.core.errors import RpcError
from hedgefi.venues.gtrade.constants import CHAINLINK_REQUESTED_TOPIC, GROUP_CLASS, PRICE_DECIMALS, codec
from hedgefi.venues.gtrade.deployment import GtradeDeployment
from hedgefi.venues.gtrade.schedule import is_open_at

FULFIL_GAS = 3_000_000
MAX_ORDER_AGE_BLOCKS = 12_000       # older orders cannot be answered (DoesntExist)
ARBSYS = "0x0000000000000000000000000000000000000064"


@dataclass(frozen=True, slots=True)
class FulfilResult:
    key: str                       # "<user>:<pending order index>"
    tx_hashes: tuple[str, ...]
    executed: bool
    note: str = ""


def _call(url: str, to: str, data: bytes) -> bytes:
    out = rpc_request(url, "eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])
    return bytes.fromhex(out[2:])


def pack_price(price_e10: int, ts: int) -> int:
    """A market answer: ``current`` in bits 0-55 (open/high/low set to the same price), ``ts`` in 224-255."""
    p = price_e10 & ((1 << 56) - 1)
    return p | (p << 56) | (p << 112) | (p << 168) | ((ts & 0xFFFFFFFF) << 224)


def feed_price_e10(url: str, feed: str) -> int:
    (decimals,) = decode(["uint8"], _call(url, feed, encode_call("decimals()")))
    answer = int(decode(["uint80", "int256", "uint256", "uint256", "uint80"],
                        _call(url, feed, encode_call("latestRoundData()")))[1])
    shift = PRICE_DECIMALS - int(decimals)
    scale: int = 10 ** abs(shift)     # a plain int (``int ** int`` is typed Any: the exponent could be negative)
    return answer * scale if shift >= 0 else answer // scale


def ensure_arbsys(url: str) -> None:
    """On an anvil fork of Arbitrum without ArbSys emulation, answer arbBlockNumber() with NUMBER (§7.2)."""
    try:
        rpc_request(url, "eth_call", [{"to": ARBSYS, "data": "0xa3b1b31d"}, "latest"])
    except RpcError:
        rpc_request(url, "anvil_setCode", [ARBSYS, "0x4360005260206000f3"])
        rpc_request(url, "evm_mine", [])


@dataclass
class Fulfiller:
    """Answers pending gTrade market orders; remembers where it has scanned (for the devnet daemon)."""

    url: str
    d: GtradeDeployment
    feeds: dict[str, str]                       # asset -> USD feed
    from_block: int = 0
    open_ids: dict[str, list[bytes]] = field(default_factory=dict)    # order key -> request ids, in order
    _pairs: dict[int, tuple[str, str]] = field(default_factory=dict)  # pair index -> (asset, class)
    _last_hash: str = ""                                               # hash of block from_block - 1

    def _rewound(self, latest: int) -> bool:
        """Has the chain gone back (evm_revert, a reorg) under what we scanned?"""
        if self.from_block == 0 or not self._last_hash:
            return False
        if latest < self.from_block - 1:
            return True
        block = rpc_request(self.url, "eth_getBlockByNumber", [hex(self.from_block - 1), False])
        return block is None or block["hash"] != self._last_hash

    def _scan(self) -> None:
        latest = int(rpc_request(self.url, "eth_blockNumber", []), 16)
        if self._rewound(latest):
            self.open_ids.clear()
            self.from_block = max(0, latest - MAX_ORDER_AGE_BLOCKS)
        if self.from_block > latest:
            return
        logs = rpc_request(self.url, "eth_getLogs", [{"address": self.d.diamond, "fromBlock": hex(self.from_block),
                                                      "toBlock": hex(latest), "topics": [CHAINLINK_REQUESTED_TOPIC]}])
        c = codec()
        for log in logs or []:
            rid = bytes.fromhex(log["topics"][1][2:])
            order = c.decode_output("getPriceAggregatorOrder", _call(self.url, self.d.diamond,
                                                                     c.encode("getPriceAggregatorOrder", rid)))
            key = f"{str(order['user']).lower()}:{order['index']}"
            self.open_ids.setdefault(key, []).append(rid)
        head = rpc_request(self.url, "eth_getBlockByNumber", [hex(latest), False])
        if head is None:                 # reverted under us between the two calls: rescan next time
            self.open_ids.clear()
            self._last_hash = ""
            self.from_block = max(0, latest - MAX_ORDER_AGE_BLOCKS)
            return
        self.from_block = latest + 1
        self._last_hash = head["hash"]

    def _pair(self, pair_index: int) -> tuple[str, str]:
        if pair_index not in self._pairs:
            c = codec()
            pair = c.decode_output("pairs", _call(self.url, self.d.diamond, c.encode("pairs", pair_index)))
            self._pairs[pair_index] = (str(pair["from"]).upper(), GROUP_CLASS.get(int(pair["groupIndex"]), "crypto"))
        return self._pairs[pair_index]

    def run_once(self, *, account: str | None = None, respect_hours: bool = True,
                 price_override_e10: int | None = None) -> list[FulfilResult]:
        self._scan()
        c = codec()
        results: list[FulfilResult] = []
        if not self.open_ids:            # the daemon polls 4 times a second: read nothing more when idle
            return results
        timeout = int(c.decode_output("getMarketOrdersTimeoutBlocks", _call(
            self.url, self.d.diamond, c.encode("getMarketOrdersTimeoutBlocks"))))
        for key in list(self.open_ids):
            user, index = key.split(":")
            if account and user != account.lower():
                continue
            po = c.decode_output("getPendingOrder", _call(self.url, self.d.diamond,
                                                          c.encode("getPendingOrder", (user, int(index)))))
            if not po["isOpen"]:
                del self.open_ids[key]
                continue
            asset, klass = self._pair(int(po["trade"]["pairIndex"]))
            block = rpc_request(self.url, "eth_getBlockByNumber", ["latest", False])
            now = int(block["timestamp"], 16)
            if int(block["number"], 16) >= int(po["createdBlock"]) + timeout:
                results.append(FulfilResult(key, (), False, "past its timeout: only cancelOrderAfterTimeout now"))
                continue
            if respect_hours and not is_open_at(klass, datetime.fromtimestamp(now, timezone.utc)):
                results.append(FulfilResult(key, (), False, f"{asset}/USD is closed: the oracles do not answer"))
                continue
            if price_override_e10 is not None:
                price = price_override_e10
            else:
                feed = self.feeds.get(asset)
                if feed is None:
                    results.append(FulfilResult(key, (), False, f"no price feed for {asset}"))
                    continue
                price = feed_price_e10(self.url, feed)
            results.append(self._answer(key, price, now))
        return results

    def _answer(self, key: str, price_e10: int, now: int) -> FulfilResult:
        c = codec()
        (min_answers,) = (c.decode_output("getMinAnswers", _call(self.url, self.d.diamond, c.encode("getMinAnswers"))),)
        hashes: list[str] = []
        ok = True
        for rid in self.open_ids.get(key, []):
            if len(hashes) >= int(min_answers):
                break
            oracle = c.decode_output("getPendingRequest", _call(self.url, self.d.diamond,
                                                                c.encode("getPendingRequest", rid)))
            if int(oracle, 16) == 0:
                continue
            rpc_request(self.url, "anvil_impersonateAccount", [oracle])
            try:
                rpc_request(self.url, "anvil_setBalance", [oracle, hex(10**18)])
                data = c.encode("fulfill", rid, pack_price(price_e10, now))
                tx = rpc_request(self.url, "eth_sendTransaction", [{"from": oracle, "to": self.d.diamond,
                                                                    "data": "0x" + data.hex(), "gas": hex(FULFIL_GAS)}])
            finally:
                rpc_request(self.url, "anvil_stopImpersonatingAccount", [oracle])
            receipt = wait_receipt(self.url, tx)
            hashes.append(tx)
            ok = ok and receipt.get("status") == "0x1"
        executed = ok and len(hashes) >= int(min_answers)
        if executed:
            self.open_ids.pop(key, None)
        return FulfilResult(key, tuple(hashes), executed)


def feeds_of(profile: Any) -> dict[str, str]:
    feeds = dict(profile.feeds)
    for t in profile.tokens:
        if t.feed and (t.asset or t.symbol).upper() not in feeds:
            feeds[(t.asset or t.symbol).upper()] = t.feed
    return {k.upper(): v for k, v in feeds.items()}


__all__ = ["Fulfiller", "FulfilResult", "pack_price", "feed_price_e10", "ensure_arbsys", "feeds_of", "FULFIL_GAS"]
