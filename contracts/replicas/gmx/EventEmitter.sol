// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IEventEmitter.sol";
import "./RoleStore.sol";

/// Replica of GMX EventEmitter: CONTROLLERs emit the three generic logs.
contract EventEmitter is IEventEmitter, RoleModule {
    constructor(RoleStore roleStore_) RoleModule(roleStore_) {}

    function roleStore() external view returns (address) { return address(roleStoreContract); }

    function emitEventLog(string calldata eventName, EventUtils.EventLogData calldata eventData) external onlyController {
        emit EventLog(msg.sender, eventName, eventName, eventData);
    }

    function emitEventLog1(string calldata eventName, bytes32 topic1, EventUtils.EventLogData calldata eventData)
        external onlyController
    {
        emit EventLog1(msg.sender, eventName, eventName, topic1, eventData);
    }

    function emitEventLog2(string calldata eventName, bytes32 topic1, bytes32 topic2,
                           EventUtils.EventLogData calldata eventData) external onlyController {
        emit EventLog2(msg.sender, eventName, eventName, topic1, topic2, eventData);
    }
}
