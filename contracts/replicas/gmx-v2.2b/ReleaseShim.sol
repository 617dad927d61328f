// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "../../interfaces/gmx/GmxTypes.sol";

/// The v2.2b shim (see ../gmx/ReleaseShim.sol): compiled in its place, beside the v2.2b GmxTypes, so the
/// import above resolves to the v2.2b structs.
library ReleaseShim {
    /// v2.2b's ValidatedPrice has five fields (no rawMin/rawMax).
    function validatedPrice(address token, uint256 min, uint256 max, uint256 timestamp, address provider)
        internal pure returns (OracleUtils.ValidatedPrice memory)
    {
        return OracleUtils.ValidatedPrice(token, min, max, timestamp, provider);
    }

    /// v2.2b's PositionInfo has no positionValueInUsd.
    function setPositionValue(ReaderPositionUtils.PositionInfo memory, int256) internal pure {}
}
