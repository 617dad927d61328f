// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// GMX RoleStore: roles are keccak256(abi.encode("ROLE_NAME")).
interface IRoleStore {
    function hasRole(address account, bytes32 roleKey) external view returns (bool);
    function grantRole(address account, bytes32 roleKey) external;
    function revokeRole(address account, bytes32 roleKey) external;
    function getRoleCount() external view returns (uint256);
    function getRoles(uint256 start, uint256 end) external view returns (bytes32[] memory);
    function getRoleMemberCount(bytes32 roleKey) external view returns (uint256);
    function getRoleMembers(bytes32 roleKey, uint256 start, uint256 end) external view returns (address[] memory);
}
