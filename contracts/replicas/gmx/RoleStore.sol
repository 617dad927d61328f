// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IRoleStore.sol";
import "../../interfaces/gmx/Errors.sol";
import "./Keys.sol";

/// Replica of GMX RoleStore: role membership with enumeration; ROLE_ADMIN grants and revokes.
contract RoleStore is IRoleStore {
    bytes32[] internal roles;
    mapping(bytes32 => bool) internal roleKnown;
    mapping(bytes32 => address[]) internal members;
    mapping(bytes32 => mapping(address => uint256)) internal memberIndex; // 1-based

    constructor() {
        _grant(msg.sender, Role.ROLE_ADMIN);
    }

    function hasRole(address account, bytes32 roleKey) public view returns (bool) {
        return memberIndex[roleKey][account] != 0;
    }

    function grantRole(address account, bytes32 roleKey) external {
        if (!hasRole(msg.sender, Role.ROLE_ADMIN)) revert Errors.Unauthorized(msg.sender, "ROLE_ADMIN");
        _grant(account, roleKey);
    }

    function revokeRole(address account, bytes32 roleKey) external {
        if (!hasRole(msg.sender, Role.ROLE_ADMIN)) revert Errors.Unauthorized(msg.sender, "ROLE_ADMIN");
        uint256 idx = memberIndex[roleKey][account];
        if (idx == 0) return;
        address[] storage list = members[roleKey];
        address last = list[list.length - 1];
        list[idx - 1] = last;
        memberIndex[roleKey][last] = idx;
        list.pop();
        delete memberIndex[roleKey][account];
    }

    function getRoleCount() external view returns (uint256) {
        return roles.length;
    }

    function getRoles(uint256 start, uint256 end) external view returns (bytes32[] memory out) {
        if (end > roles.length) end = roles.length;
        if (start >= end) return new bytes32[](0);
        out = new bytes32[](end - start);
        for (uint256 i = start; i < end; i++) out[i - start] = roles[i];
    }

    function getRoleMemberCount(bytes32 roleKey) external view returns (uint256) {
        return members[roleKey].length;
    }

    function getRoleMembers(bytes32 roleKey, uint256 start, uint256 end) external view returns (address[] memory out) {
        address[] storage list = members[roleKey];
        if (end > list.length) end = list.length;
        if (start >= end) return new address[](0);
        out = new address[](end - start);
        for (uint256 i = start; i < end; i++) out[i - start] = list[i];
    }

    function _grant(address account, bytes32 roleKey) internal {
        if (!roleKnown[roleKey]) {
            roleKnown[roleKey] = true;
            roles.push(roleKey);
        }
        if (memberIndex[roleKey][account] != 0) return;
        members[roleKey].push(account);
        memberIndex[roleKey][account] = members[roleKey].length;
    }
}

/// Shared role checks for the replica contracts, with GMX's Unauthorized(address,string) error.
abstract contract RoleModule {
    RoleStore public immutable roleStoreContract;

    constructor(RoleStore roleStore_) {
        roleStoreContract = roleStore_;
    }

    modifier onlyController() {
        if (!roleStoreContract.hasRole(msg.sender, Role.CONTROLLER)) revert Errors.Unauthorized(msg.sender, "CONTROLLER");
        _;
    }

    modifier onlyRouterPlugin() {
        if (!roleStoreContract.hasRole(msg.sender, Role.ROUTER_PLUGIN)) revert Errors.Unauthorized(msg.sender, "ROUTER_PLUGIN");
        _;
    }

    modifier onlyOrderKeeper() {
        if (!roleStoreContract.hasRole(msg.sender, Role.ORDER_KEEPER)) revert Errors.Unauthorized(msg.sender, "ORDER_KEEPER");
        _;
    }
}
