// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IRouter.sol";
import "../../interfaces/gmx/IOrderVault.sol";
import "../../interfaces/gmx/IDataStore.sol";
import "./RoleStore.sol";
import "../../interfaces/gmx/GmxTypes.sol";

interface IERC20Min {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

interface IWNT {
    function deposit() external payable;
    function withdraw(uint256 amount) external;
}

/// Replica of GMX Router: the ERC-20 spender users approve; only ROUTER_PLUGIN contracts pull funds.
contract Router is IRouter, RoleModule {
    constructor(RoleStore roleStore_) RoleModule(roleStore_) {}

    function roleStore() external view returns (address) { return address(roleStoreContract); }

    function pluginTransfer(address token, address account, address receiver, uint256 amount) external onlyRouterPlugin {
        require(IERC20Min(token).transferFrom(account, receiver, amount), "Router: transfer failed");
    }
}

/// A token holder that CONTROLLERs pay out of (GMX's Bank / StrictBank), unwrapping WNT on request.
abstract contract Bank is RoleModule {
    IDataStore public immutable dataStoreContract;

    constructor(RoleStore roleStore_, IDataStore dataStore_) RoleModule(roleStore_) {
        dataStoreContract = dataStore_;
    }

    receive() external payable {
        address wnt = dataStoreContract.getAddress(Keys.WNT);
        if (msg.sender != wnt) revert Errors.InvalidNativeTokenSender(msg.sender);
    }

    function _transferOut(address token, address receiver, uint256 amount, bool unwrap) internal {
        if (amount == 0) return;
        address wnt = dataStoreContract.getAddress(Keys.WNT);
        if (unwrap && token == wnt) {
            IWNT(wnt).withdraw(amount);
            (bool ok,) = receiver.call{value: amount}("");
            if (!ok) {  // a receiver that refuses ETH gets WNT instead, as GMX does
                IWNT(wnt).deposit{value: amount}();
                require(IERC20Min(wnt).transfer(receiver, amount), "Bank: transfer failed");
            }
        } else {
            if (!IERC20Min(token).transfer(receiver, amount)) revert Errors.TokenTransferError(token, receiver, amount);
        }
        _afterTransferOut(token);
    }

    function _afterTransferOut(address token) internal virtual {}
}

/// Replica of GMX OrderVault: a strict bank that credits what arrived since the last record.
contract OrderVault is IOrderVault, Bank {
    mapping(address => uint256) public tokenBalances;

    constructor(RoleStore roleStore_, IDataStore dataStore_) Bank(roleStore_, dataStore_) {}

    function roleStore() external view returns (address) { return address(roleStoreContract); }
    function dataStore() external view returns (address) { return address(dataStoreContract); }

    function recordTransferIn(address token) external onlyController returns (uint256) {
        uint256 prev = tokenBalances[token];
        uint256 next = IERC20Min(token).balanceOf(address(this));
        tokenBalances[token] = next;
        return next - prev;
    }

    function syncTokenBalance(address token) external onlyController returns (uint256) {
        uint256 next = IERC20Min(token).balanceOf(address(this));
        tokenBalances[token] = next;
        return next;
    }

    function transferOut(address token, address receiver, uint256 amount) external onlyController {
        _transferOut(token, receiver, amount, false);
    }

    function transferOut(address token, address receiver, uint256 amount, bool shouldUnwrapNativeToken)
        external onlyController
    {
        _transferOut(token, receiver, amount, shouldUnwrapNativeToken);
    }

    function transferOutNativeToken(address receiver, uint256 amount) external onlyController {
        _transferOut(dataStoreContract.getAddress(Keys.WNT), receiver, amount, true);
    }

    function _afterTransferOut(address token) internal override {
        tokenBalances[token] = IERC20Min(token).balanceOf(address(this));
    }
}

/// A GMX market token: the market's address, holding its pool and the positions' collateral.
contract MarketToken is Bank {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    address public immutable indexToken;
    address public immutable longToken;
    address public immutable shortToken;

    constructor(RoleStore roleStore_, IDataStore dataStore_, string memory name_, address indexToken_,
                address longToken_, address shortToken_) Bank(roleStore_, dataStore_) {
        name = name_;
        symbol = "GM";
        indexToken = indexToken_;
        longToken = longToken_;
        shortToken = shortToken_;
    }

    function roleStore() external view returns (address) { return address(roleStoreContract); }
    function dataStore() external view returns (address) { return address(dataStoreContract); }

    function replicaMarket() external view returns (Market.Props memory) {
        return Market.Props(address(this), indexToken, longToken, shortToken);
    }

    function transferOut(address token, address receiver, uint256 amount, bool shouldUnwrapNativeToken)
        external onlyController
    {
        _transferOut(token, receiver, amount, shouldUnwrapNativeToken);
    }
}
