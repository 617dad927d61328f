// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IExchangeRouter.sol";
import "../../interfaces/gmx/IDataStore.sol";
import "./RoleStore.sol";
import "./Bank.sol";
import "./OrderHandler.sol";

/// Replica of GMX ExchangeRouter v2.2c: the user-facing entry point. `multicall` delegatecalls each entry
/// (so msg.sender and msg.value are the user's) and re-throws a failing entry's revert data verbatim.
/// Holds CONTROLLER (for OrderHandler) and ROUTER_PLUGIN (for Router.pluginTransfer).
contract ExchangeRouter is IExchangeRouter, RoleModule {
    IDataStore public immutable ds;
    Router public immutable routerContract;
    address public immutable emitterAddress;
    OrderHandler public immutable handler;

    constructor(RoleStore roleStore_, IDataStore ds_, Router router_, address eventEmitter_, OrderHandler handler_)
        RoleModule(roleStore_)
    {
        ds = ds_;
        routerContract = router_;
        emitterAddress = eventEmitter_;
        handler = handler_;
    }

    function roleStore() external view returns (address) { return address(roleStoreContract); }
    function dataStore() external view returns (address) { return address(ds); }
    function router() external view returns (address) { return address(routerContract); }
    function eventEmitter() external view returns (address) { return emitterAddress; }
    function orderHandler() external view returns (address) { return address(handler); }

    function multicall(bytes[] calldata data) external payable returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i = 0; i < data.length; i++) {
            (bool ok, bytes memory ret) = address(this).delegatecall(data[i]);
            if (!ok) {
                assembly { revert(add(ret, 32), mload(ret)) }
            }
            results[i] = ret;
        }
    }

    function sendWnt(address receiver, uint256 amount) external payable {
        address wnt = ds.getAddress(Keys.WNT);
        IWNT(wnt).deposit{value: amount}();
        require(IERC20Min(wnt).transfer(receiver, amount), "ExchangeRouter: WNT transfer failed");
    }

    function sendTokens(address token, address receiver, uint256 amount) external payable {
        routerContract.pluginTransfer(token, msg.sender, receiver, amount);
    }

    function sendNativeToken(address receiver, uint256 amount) external payable {
        (bool ok,) = receiver.call{value: amount}("");
        require(ok, "ExchangeRouter: native transfer failed");
    }

    function createOrder(IBaseOrderUtils.CreateOrderParams calldata params) external payable returns (bytes32) {
        return handler.createOrder(msg.sender, 0, params, false);
    }

    function updateOrder(bytes32 key, uint256 sizeDeltaUsd, uint256 acceptablePrice, uint256 triggerPrice,
                         uint256 minOutputAmount, uint256 validFromTime, bool autoCancel) external payable {
        validFromTime;
        _requireOwner(key);
        handler.updateOrder(key, sizeDeltaUsd, acceptablePrice, triggerPrice, minOutputAmount, autoCancel);
    }

    function cancelOrder(bytes32 key) external payable {
        _requireOwner(key);
        handler.cancelOrder(key);
    }

    function claimFundingFees(address[] calldata markets, address[] calldata tokens, address receiver)
        external payable returns (uint256[] memory amounts)
    {
        require(markets.length == tokens.length, "ExchangeRouter: length mismatch");
        amounts = new uint256[](markets.length);
        for (uint256 i = 0; i < markets.length; i++) {
            amounts[i] = handler.claimFundingFees(msg.sender, markets[i], tokens[i], receiver);
        }
    }

    /// Not supported by the replica (GMX uses it for external swaps and the v2.2c simulation path).
    function makeExternalCalls(address[] calldata, bytes[] calldata, address[] calldata, address[] calldata)
        external payable
    {
        revert Errors.ExternalCallFailed("replica: makeExternalCalls is not supported");
    }

    function _requireOwner(bytes32 key) internal view {
        Order.Props memory o = handler.replicaOrder(key);
        if (o.addresses.account == address(0)) revert Errors.EmptyOrder();
        if (o.addresses.account != msg.sender) revert Errors.Unauthorized(msg.sender, "account for cancelOrder");
    }
}
