// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IRoundData {
    function getRoundData(uint80 _roundId)
        external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @title FeedRoundsLens: many rounds of a Chainlink-compatible feed in one call.
/// @notice Never deployed: hedgefi's feed history reader runs its runtime code as an eth_call state override
///         (on any chain), so reading a window costs one call per feed instead of one per round.
contract FeedRoundsLens {
    /// @notice Rounds ``newest``, ``newest - 1``, ... (``count`` of them, full round ids) of ``feed``, newest
    ///         first: each word is ``updatedAt << 192 | answer``, or 0 for a round that reverts ("No data
    ///         present"), was never updated, or answers a price that is not positive or does not fit 192 bits.
    function rounds(address feed, uint80 newest, uint256 count) external view returns (uint256[] memory out) {
        require(count <= uint256(newest), "FeedRoundsLens: below round 0");
        out = new uint256[](count);
        for (uint256 i = 0; i < count; i++) {
            try IRoundData(feed).getRoundData(uint80(uint256(newest) - i)) returns
                (uint80, int256 answer, uint256, uint256 updatedAt, uint80) {
                if (answer > 0 && uint256(answer) < (1 << 192) && updatedAt > 0 && updatedAt < (1 << 64)) {
                    out[i] = (updatedAt << 192) | uint256(answer);
                }
            } catch {}
        }
    }
}
