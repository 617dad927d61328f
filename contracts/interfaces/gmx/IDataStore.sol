// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// GMX DataStore: typed values and sets under keccak256(abi.encode(...)) keys.
interface IDataStore {
    function getUint(bytes32 key) external view returns (uint256);
    function getInt(bytes32 key) external view returns (int256);
    function getBool(bytes32 key) external view returns (bool);
    function getAddress(bytes32 key) external view returns (address);
    function getBytes32(bytes32 key) external view returns (bytes32);
    function containsBytes32(bytes32 setKey, bytes32 value) external view returns (bool);
    function getBytes32Count(bytes32 setKey) external view returns (uint256);
    function getBytes32ValuesAt(bytes32 setKey, uint256 start, uint256 end) external view returns (bytes32[] memory);
    function containsAddress(bytes32 setKey, address value) external view returns (bool);
    function getAddressCount(bytes32 setKey) external view returns (uint256);
    function getAddressValuesAt(bytes32 setKey, uint256 start, uint256 end) external view returns (address[] memory);
    function setUint(bytes32 key, uint256 value) external returns (uint256);
    function setInt(bytes32 key, int256 value) external returns (int256);
    function setBool(bytes32 key, bool value) external returns (bool);
    function setAddress(bytes32 key, address value) external returns (address);
    function setBytes32(bytes32 key, bytes32 value) external returns (bytes32);
    function incrementUint(bytes32 key, uint256 value) external returns (uint256);
    function applyDeltaToUint(bytes32 key, int256 value, string calldata errorMessage) external returns (uint256);
    function addBytes32(bytes32 setKey, bytes32 value) external;
    function removeBytes32(bytes32 setKey, bytes32 value) external;
    function addAddress(bytes32 setKey, address value) external;
    function roleStore() external view returns (address);
}
