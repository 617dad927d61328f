// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "../../interfaces/gmx/GmxTypes.sol";

/// What the replica builds differently per GMX release, in one place. The replica is one source: its
/// v2.2b build compiles the same files with ../../interfaces/gmx-v2.2b/GmxTypes.sol and
/// ../gmx-v2.2b/ReleaseShim.sol in place of these (hedgefi/sim/build.py), so every struct it returns or
/// reads has that release's layout. This is the v2.2c shim.
library ReleaseShim {
    /// An oracle provider's answer: v2.2c carries rawMin/rawMax (here the same as min/max).
    function validatedPrice(address token, uint256 min, uint256 max, uint256 timestamp, address provider)
        internal pure returns (OracleUtils.ValidatedPrice memory)
    {
        return OracleUtils.ValidatedPrice(token, min, max, min, max, timestamp, provider);
    }

    /// v2.2c's PositionInfo ends with positionValueInUsd.
    function setPositionValue(ReaderPositionUtils.PositionInfo memory info, int256 valueUsd) internal pure {
        info.positionValueInUsd = valueUsd;
    }
}
