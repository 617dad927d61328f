// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IDataStore.sol";
import "../../interfaces/gmx/IOracle.sol";
import "../../interfaces/gmx/Errors.sol";
import "./RoleStore.sol";
import "./Keys.sol";

/// What the LiquidationHandler needs of the replica's OrderHandler, which holds the positions.
interface ILiquidationOrderHandler {
    function replicaPosition(bytes32 key) external view returns (Position.Props memory);
    function marketProps(address market) external view returns (Market.Props memory);
    function executeLiquidationOrder(address account, address market, address collateralToken, bool isLong,
                                     MarketUtils.MarketPrices memory prices) external returns (bytes32);
}

/// Replica of GMX LiquidationHandler: ``executeLiquidation`` with GMX's signature, for LIQUIDATION_KEEPERs only
/// (``Unauthorized(sender, "LIQUIDATION_KEEPER")``). It sets the keeper's oracle prices as ``executeOrder`` does
/// (providers checked by the Oracle), then has the OrderHandler create and execute a Liquidation order for the
/// whole position (OrderCreated, PositionDecrease and OrderExecuted with orderType 7). A position that is not
/// liquidatable reverts the transaction with GMX's ``PositionShouldNotBeLiquidated``; the liquidation fee is 0.
contract LiquidationHandler is RoleModule {
    bytes32 internal constant LIQUIDATION_KEEPER = keccak256(abi.encode("LIQUIDATION_KEEPER"));

    IDataStore public immutable ds;
    IOracle public immutable oracleContract;
    ILiquidationOrderHandler public immutable handler;

    constructor(RoleStore roleStore_, IDataStore ds_, IOracle oracle_, ILiquidationOrderHandler handler_)
        RoleModule(roleStore_)
    {
        ds = ds_;
        oracleContract = oracle_;
        handler = handler_;
    }

    function roleStore() external view returns (address) { return address(roleStoreContract); }
    function dataStore() external view returns (address) { return address(ds); }
    function oracle() external view returns (address) { return address(oracleContract); }
    function orderHandler() external view returns (address) { return address(handler); }

    function executeLiquidation(address account, address market, address collateralToken, bool isLong,
                                OracleUtils.SetPricesParams calldata oracleParams) external {
        if (!roleStoreContract.hasRole(msg.sender, LIQUIDATION_KEEPER)) {
            revert Errors.Unauthorized(msg.sender, "LIQUIDATION_KEEPER");
        }
        Position.Props memory p = handler.replicaPosition(Keys.positionKey(account, market, collateralToken, isLong));
        if (p.numbers.sizeInUsd == 0) revert Errors.EmptyPosition();
        Market.Props memory m = handler.marketProps(market);
        oracleContract.setPrices(oracleParams);
        MarketUtils.MarketPrices memory prices = MarketUtils.MarketPrices(
            oracleContract.getPrimaryPrice(m.indexToken),
            oracleContract.getPrimaryPrice(m.longToken),
            oracleContract.getPrimaryPrice(m.shortToken));
        handler.executeLiquidationOrder(account, market, collateralToken, isLong, prices);
        oracleContract.clearAllPrices();
    }
}
