// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./GmxTypes.sol";

/// GMX EventEmitter: every protocol event is one of these three generic logs.
interface IEventEmitter {
    event EventLog(address msgSender, string eventName, string indexed eventNameHash, EventUtils.EventLogData eventData);
    event EventLog1(address msgSender, string eventName, string indexed eventNameHash, bytes32 indexed topic1,
                    EventUtils.EventLogData eventData);
    event EventLog2(address msgSender, string eventName, string indexed eventNameHash, bytes32 indexed topic1,
                    bytes32 indexed topic2, EventUtils.EventLogData eventData);

    function emitEventLog(string calldata eventName, EventUtils.EventLogData calldata eventData) external;
    function emitEventLog1(string calldata eventName, bytes32 topic1, EventUtils.EventLogData calldata eventData) external;
    function emitEventLog2(string calldata eventName, bytes32 topic1, bytes32 topic2,
                           EventUtils.EventLogData calldata eventData) external;
    function roleStore() external view returns (address);
}
