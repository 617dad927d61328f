// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IDataStore.sol";
import "./RoleStore.sol";

/// Replica of GMX DataStore: typed values and enumerable sets; only CONTROLLERs write.
contract DataStore is IDataStore, RoleModule {
    mapping(bytes32 => uint256) public uintValues;
    mapping(bytes32 => int256) public intValues;
    mapping(bytes32 => bool) public boolValues;
    mapping(bytes32 => address) public addressValues;
    mapping(bytes32 => bytes32) public bytes32Values;

    struct Bytes32Set { bytes32[] values; mapping(bytes32 => uint256) index; }
    struct AddressSet { address[] values; mapping(address => uint256) index; }
    mapping(bytes32 => Bytes32Set) internal bytes32Sets;
    mapping(bytes32 => AddressSet) internal addressSets;

    constructor(RoleStore roleStore_) RoleModule(roleStore_) {}

    function roleStore() external view returns (address) { return address(roleStoreContract); }

    function getUint(bytes32 key) external view returns (uint256) { return uintValues[key]; }
    function getInt(bytes32 key) external view returns (int256) { return intValues[key]; }
    function getBool(bytes32 key) external view returns (bool) { return boolValues[key]; }
    function getAddress(bytes32 key) external view returns (address) { return addressValues[key]; }
    function getBytes32(bytes32 key) external view returns (bytes32) { return bytes32Values[key]; }

    function setUint(bytes32 key, uint256 value) external onlyController returns (uint256) {
        uintValues[key] = value;
        return value;
    }
    function setInt(bytes32 key, int256 value) external onlyController returns (int256) {
        intValues[key] = value;
        return value;
    }
    function setBool(bytes32 key, bool value) external onlyController returns (bool) {
        boolValues[key] = value;
        return value;
    }
    function setAddress(bytes32 key, address value) external onlyController returns (address) {
        addressValues[key] = value;
        return value;
    }
    function setBytes32(bytes32 key, bytes32 value) external onlyController returns (bytes32) {
        bytes32Values[key] = value;
        return value;
    }
    function incrementUint(bytes32 key, uint256 value) external onlyController returns (uint256) {
        uintValues[key] += value;
        return uintValues[key];
    }
    function applyDeltaToUint(bytes32 key, int256 value, string calldata errorMessage)
        external onlyController returns (uint256)
    {
        uint256 current = uintValues[key];
        if (value < 0 && uint256(-value) > current) revert(errorMessage);
        uint256 next = value < 0 ? current - uint256(-value) : current + uint256(value);
        uintValues[key] = next;
        return next;
    }

    function containsBytes32(bytes32 setKey, bytes32 value) external view returns (bool) {
        return bytes32Sets[setKey].index[value] != 0;
    }
    function getBytes32Count(bytes32 setKey) external view returns (uint256) {
        return bytes32Sets[setKey].values.length;
    }
    function getBytes32ValuesAt(bytes32 setKey, uint256 start, uint256 end) external view returns (bytes32[] memory out) {
        bytes32[] storage list = bytes32Sets[setKey].values;
        if (end > list.length) end = list.length;
        if (start >= end) return new bytes32[](0);
        out = new bytes32[](end - start);
        for (uint256 i = start; i < end; i++) out[i - start] = list[i];
    }
    function addBytes32(bytes32 setKey, bytes32 value) external onlyController {
        Bytes32Set storage s = bytes32Sets[setKey];
        if (s.index[value] != 0) return;
        s.values.push(value);
        s.index[value] = s.values.length;
    }
    function removeBytes32(bytes32 setKey, bytes32 value) external onlyController {
        Bytes32Set storage s = bytes32Sets[setKey];
        uint256 idx = s.index[value];
        if (idx == 0) return;
        bytes32 last = s.values[s.values.length - 1];
        s.values[idx - 1] = last;
        s.index[last] = idx;
        s.values.pop();
        delete s.index[value];
    }

    function containsAddress(bytes32 setKey, address value) external view returns (bool) {
        return addressSets[setKey].index[value] != 0;
    }
    function getAddressCount(bytes32 setKey) external view returns (uint256) {
        return addressSets[setKey].values.length;
    }
    function getAddressValuesAt(bytes32 setKey, uint256 start, uint256 end) external view returns (address[] memory out) {
        address[] storage list = addressSets[setKey].values;
        if (end > list.length) end = list.length;
        if (start >= end) return new address[](0);
        out = new address[](end - start);
        for (uint256 i = start; i < end; i++) out[i - start] = list[i];
    }
    function addAddress(bytes32 setKey, address value) external onlyController {
        AddressSet storage s = addressSets[setKey];
        if (s.index[value] != 0) return;
        s.values.push(value);
        s.index[value] = s.values.length;
    }
}
