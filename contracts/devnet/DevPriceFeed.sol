// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice Chainlink's AggregatorV3Interface, as price consumers call it.
interface AggregatorV3Interface {
    function decimals() external view returns (uint8);
    function description() external view returns (string memory);
    function version() external view returns (uint256);
    function getRoundData(uint80 _roundId)
        external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    function latestRoundData()
        external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @title DevPriceFeed: a Chainlink-compatible feed whose rounds the devnet admin posts.
/// @notice Keeps every round, so getRoundData answers for history as a real aggregator does.
/// @dev Seeded history (``setHistory``, once, right after deploy): rounds 1..historyCount are hourly points
///      read from a data contract's code (a leading STOP byte, then one big-endian int64 answer per round),
///      round k updated at ``historyStart + (k - 1) hours``; the deploy's round becomes historyCount + 1 and
///      later rounds append as before. Code, not storage: anvil re-hashes every storage slot each block.
contract DevPriceFeed is AggregatorV3Interface {
    struct Round {
        int256 answer;
        uint64 startedAt;
        uint64 updatedAt;
    }

    uint8 public immutable override decimals;
    string public override description;
    uint256 public constant override version = 4;
    address public immutable owner;
    uint80 public latestRound;
    mapping(uint80 => Round) internal rounds;
    address public historyData;
    uint80 public historyCount;
    uint64 public historyStart;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        decimals = decimals_;
        description = description_;
        owner = msg.sender;
        _post(initialAnswer);
    }

    function updateAnswer(int256 answer) external {
        require(msg.sender == owner, "DevPriceFeed: only owner");
        _post(answer);
    }

    /// @notice Put ``count`` hourly rounds from ``data``'s code before the deploy's round (owner, once).
    function setHistory(address data, uint80 count) external {
        require(msg.sender == owner, "DevPriceFeed: only owner");
        require(latestRound == 1 && historyCount == 0, "DevPriceFeed: history only before any update");
        require(count > 0 && data.code.length >= 1 + uint256(count) * 8, "DevPriceFeed: history data too short");
        Round memory current = rounds[1];
        delete rounds[1];
        historyData = data;
        historyCount = count;
        historyStart = current.updatedAt - uint64(count) * 3600;
        latestRound = count + 1;
        rounds[latestRound] = current;
    }

    function latestAnswer() external view returns (int256) {
        return rounds[latestRound].answer;
    }

    function getRoundData(uint80 roundId)
        external view override returns (uint80, int256, uint256, uint256, uint80)
    {
        if (roundId >= 1 && roundId <= historyCount) {
            uint64 t = historyStart + uint64(roundId - 1) * 3600;
            return (roundId, _historyAnswer(roundId), t, t, roundId);
        }
        Round memory r = rounds[roundId];
        require(r.updatedAt > 0, "No data present");
        return (roundId, r.answer, r.startedAt, r.updatedAt, roundId);
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = rounds[latestRound];
        return (latestRound, r.answer, r.startedAt, r.updatedAt, latestRound);
    }

    function _historyAnswer(uint80 roundId) internal view returns (int256 answer) {
        address data = historyData;
        uint256 offset = 1 + uint256(roundId - 1) * 8;
        uint64 word;
        assembly {
            let ptr := mload(0x40)
            mstore(ptr, 0)
            extcodecopy(data, add(ptr, 24), offset, 8)
            word := mload(ptr)
        }
        answer = int256(int64(word));
    }

    function _post(int256 answer) internal {
        require(answer > 0, "DevPriceFeed: answer must be positive");
        latestRound += 1;
        rounds[latestRound] = Round(answer, uint64(block.timestamp), uint64(block.timestamp));
        emit NewRound(latestRound, msg.sender, block.timestamp);
        emit AnswerUpdated(answer, latestRound, block.timestamp);
    }
}
