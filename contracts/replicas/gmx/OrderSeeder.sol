// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IExchangeRouter.sol";

/// Devnet seeding only (no GMX counterpart): one "other trader" (this contract is the orders' account) that
/// places many far-from-trigger take-profit / stop-loss orders in one transaction, each a real
/// ExchangeRouter.multicall([sendWnt(vault, fee), createOrder(params)]) as a wallet sends it. Building the
/// params here keeps devnet start cheap: hundreds of orders cost one transaction and no client-side encoding.
contract OrderSeeder {
    error SeedOrderFailed(uint256 index, bytes reason);

    struct Batch {
        address exchangeRouter;
        address orderVault;
        address market;
        address collateralToken;
        uint256 indexPriceE30;     // the market's index price now; triggers are ~100x above or below it
        uint256 executionFee;      // wei per order
        uint256 count;
        uint256 first;             // the first order's number (varies sizes, sides and triggers)
    }

    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function place(Batch calldata b) external payable {
        require(msg.sender == owner, "OrderSeeder: owner only");
        require(msg.value == b.executionFee * b.count, "OrderSeeder: value");
        IExchangeRouter router = IExchangeRouter(b.exchangeRouter);
        for (uint256 i = 0; i < b.count; i++) {
            bytes[] memory calls = new bytes[](2);
            calls[0] = abi.encodeCall(IExchangeRouter.sendWnt, (b.orderVault, b.executionFee));
            calls[1] = abi.encodeCall(IExchangeRouter.createOrder, (_params(b, b.first + i)));
            try router.multicall{value: b.executionFee}(calls) {} catch (bytes memory reason) {
                revert SeedOrderFailed(i, reason);
            }
        }
    }

    /// Order n: long when n is even; a take-profit (LimitDecrease) when n / 2 is even, else a stop-loss
    /// (StopLossDecrease); the trigger on the side that never fires: ~100x (or 1/100) of the price.
    function _params(Batch calldata b, uint256 n) internal view returns (IBaseOrderUtils.CreateOrderParams memory p) {
        bool isLong = n % 2 == 0;
        bool takeProfit = (n / 2) % 2 == 0;
        uint256 factor = 100 + n % 7;
        uint256 up = b.indexPriceE30 * factor;
        uint256 down = b.indexPriceE30 / factor;
        p.addresses.receiver = address(this);
        p.addresses.market = b.market;
        p.addresses.initialCollateralToken = b.collateralToken;
        p.numbers.sizeDeltaUsd = (1_000 + n) * 1e30;
        p.numbers.triggerPrice = isLong == takeProfit ? up : (down == 0 ? 1 : down);
        p.numbers.acceptablePrice = isLong ? 0 : type(uint256).max;
        p.numbers.executionFee = b.executionFee;
        p.orderType = takeProfit ? 5 : 6;
        p.isLong = isLong;
    }

    /// Execution-fee refunds of cancelled orders arrive here.
    receive() external payable {}
}
