// A bridge from pytest to GMX's official TypeScript SDK (@gmx-io/sdk, its CommonJS build).
//
// stdin:  {"calls": [{"op": "...", ...}, ...]}         one node start per batch
// stdout: {"results": [{"ok": true, "value": ...} | {"ok": false, "error": "..."}, ...]}
//
// Numbers: a JSON string of decimal digits ("-12", "1000...") is a bigint; a JSON number stays a number
// (decimals, basis points, periods). Every bigint in a result is written as a decimal string.
// The SDK is resolved from the project root's node_modules, so the pinned version is the one tested.
// Only the SDK's own functions compute here; this file feeds them and serialises their answers.
"use strict";

const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const SDK = path.join(ROOT, "node_modules", "@gmx-io", "sdk", "build", "cjs", "src");
const sdk = (rel) => require(path.join(SDK, rel));

const orderTx = sdk("utils/orderTransactions.js");
const fees = sdk("utils/fees/index.js");
const positions = sdk("utils/positions.js");
const dataStore = sdk("configs/dataStore.js");
const contracts = sdk("configs/contracts.js");
const tokens = sdk("configs/tokens.js");
const tokenUtils = sdk("utils/tokens.js");
const hash = sdk("utils/hash.js");
const trade = sdk("utils/trade/trade.js");
const pricesUtil = sdk("utils/prices.js");
const pkg = require(path.join(ROOT, "node_modules", "@gmx-io", "sdk", "package.json"));

const DIGITS = /^-?\d+$/;

function revive(v) {
  if (typeof v === "string" && DIGITS.test(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = revive(x);
    return out;
  }
  return v;
}

function plain(v) {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v === undefined ? null : v;
}

// Teach the SDK a chain it does not know (the devnet): its contracts and tokens, in the SDK's own tables,
// so its builders look up the OrderVault and token decimals exactly as they do for Arbitrum.
function registerChain({ chainId, contracts: c, tokens: list }) {
  contracts.CONTRACTS[chainId] = { ...(contracts.CONTRACTS[chainId] || {}), ...c };
  const map = {};
  const bySymbol = {};
  for (const t of list) {
    const token = { name: t.symbol, symbol: t.symbol, address: t.address, decimals: t.decimals,
                    isWrapped: Boolean(t.isWrapped), isNative: Boolean(t.isNative),
                    wrappedAddress: t.wrappedAddress, isSynthetic: Boolean(t.isSynthetic) };
    map[t.address] = token;
    bySymbol[t.symbol] = token;
    if (token.isWrapped) tokens.WRAPPED_TOKENS_MAP[chainId] = token;
    if (token.isNative) tokens.NATIVE_TOKENS_MAP[chainId] = token;
  }
  tokens.TOKENS_MAP[chainId] = map;
  tokens.TOKENS_BY_SYMBOL_MAP[chainId] = bySymbol;
  return Object.keys(map).length;
}

function createOrderCalldata(kind, p) {
  const built = kind === "increase" ? orderTx.buildIncreaseOrderPayload(p) : orderTx.buildDecreaseOrderPayload(p);
  const { multicall, value } = orderTx.buildCreateOrderMulticall(built);
  const { callData } = orderTx.encodeExchangeRouterMulticall(multicall);
  return { callData, value, methods: multicall.map((m) => m.method) };
}

function key({ fn, args, constant }) {
  if (constant !== undefined) {
    if (!(constant in dataStore)) return { missing: `configs/dataStore.js exports no ${constant}` };
    return { key: dataStore[constant] };
  }
  if (typeof dataStore[fn] !== "function") return { missing: `configs/dataStore.js has no ${fn}()` };
  return { key: dataStore[fn](...(args || [])) };
}

function executionFee({ kind, gasLimits, gasPrice, nativeToken, swapsCount, chainId }) {
  const order = { swapsCount: swapsCount || 0, callbackGasLimit: 0n, decreaseSwapType: 0 };
  const oraclePriceCount = fees.estimateOrderOraclePriceCount(order.swapsCount);
  const estimated = kind === "increase"
    ? fees.estimateExecuteIncreaseOrderGasLimit(gasLimits, order)
    : fees.estimateExecuteDecreaseOrderGasLimit(gasLimits, order);
  const tokensData = { [tokens.NATIVE_TOKEN_ADDRESS]: { address: tokens.NATIVE_TOKEN_ADDRESS, ...nativeToken } };
  const fee = fees.getExecutionFee(chainId, gasLimits, tokensData, estimated, gasPrice, oraclePriceCount);
  return { estimatedGasLimit: estimated, oraclePriceCount, gasLimit: fee.gasLimit, feeTokenAmount: fee.feeTokenAmount };
}

function fundingBorrowing({ marketInfo, isLong, periodSeconds, sizeInUsd }) {
  return {
    fundingFactorPerPeriod: fees.getFundingFactorPerPeriod(marketInfo, isLong, periodSeconds),
    borrowingFactorPerPeriod: fees.getBorrowingFactorPerPeriod(marketInfo, isLong, periodSeconds),
    fundingFeeRateUsd: fees.getFundingFeeRateUsd(marketInfo, isLong, sizeInUsd, periodSeconds),
    borrowingFeeRateUsd: fees.getBorrowingFeeRateUsd(marketInfo, isLong, sizeInUsd, periodSeconds),
  };
}

// The position figures the SDK's positions module derives from the Reader's raw PositionInfo
// (modules/positions: pending funding at the collateral's min price, claimables each at its own token's).
function position({ marketInfo, collateralToken, position: p, minCollateralUsd }) {
  const usd = tokenUtils.convertToUsd;
  const markPrice = sdk("utils/prices.js").getMarkPrice({ prices: marketInfo.indexToken.prices, isLong: p.isLong,
                                                         isIncrease: false });
  const pendingFundingFeesUsd = usd(p.fundingFeeAmount, collateralToken.decimals, collateralToken.prices.minPrice);
  const claimableUsd = usd(p.claimableLongTokenAmount, marketInfo.longToken.decimals, marketInfo.longToken.prices.minPrice)
    + usd(p.claimableShortTokenAmount, marketInfo.shortToken.decimals, marketInfo.shortToken.prices.minPrice);
  const collateralUsd = usd(p.collateralAmount, collateralToken.decimals, collateralToken.prices.minPrice);
  const pnl = positions.getPositionPnlUsd({ marketInfo, sizeInUsd: p.sizeInUsd, sizeInTokens: p.sizeInTokens, markPrice,
                                            isLong: p.isLong });
  const liquidationPrice = positions.getLiquidationPrice({
    sizeInUsd: p.sizeInUsd, sizeInTokens: p.sizeInTokens, collateralUsd, collateralAmount: p.collateralAmount,
    marketInfo, collateralToken, pendingFundingFeesUsd, pendingBorrowingFeesUsd: p.pendingBorrowingFeesUsd,
    pendingImpactAmount: p.pendingImpactAmount, minCollateralUsd, isLong: p.isLong, userReferralInfo: undefined,
    useMaxPriceImpact: false,
  });
  return {
    markPrice, pnl, collateralUsd, pendingFundingFeesUsd, pendingClaimableFundingFeesUsd: claimableUsd,
    pendingBorrowingFeesUsd: p.pendingBorrowingFeesUsd,
    entryPrice: positions.getEntryPrice({ sizeInUsd: p.sizeInUsd, sizeInTokens: p.sizeInTokens,
                                          indexToken: marketInfo.indexToken }),
    closingFeeUsd: fees.getPositionFee(marketInfo, p.sizeInUsd, false, undefined).positionFeeUsd,
    liquidationPrice,
  };
}

const OPS = {
  version: () => pkg.version,
  register_chain: (c) => registerChain(c),
  increase_calldata: (c) => createOrderCalldata("increase", c.params),
  decrease_calldata: (c) => createOrderCalldata("decrease", c.params),
  key: (c) => key(c),
  hash_string: (c) => hash.hashString(c.value),
  // a key the SDK's table lacks, hashed the SDK's way: hashData(["bytes32", ...types], [hashString(name), ...values])
  hash_data: (c) => hash.hashData(["bytes32", ...c.types], [hash.hashString(c.name), ...c.values]),
  execution_fee: (c) => executionFee(c),
  funding_borrowing: (c) => fundingBorrowing(c),
  position: (c) => position(c),
  // the SDK's acceptable price: the index price moved by the impact, then the slippage (basis points) on top
  acceptable_price: (c) => {
    const byImpact = pricesUtil.getAcceptablePriceByPriceImpact({ isIncrease: c.isIncrease, isLong: c.isLong,
      indexPrice: c.indexPrice, sizeDeltaUsd: c.sizeDeltaUsd, priceImpactDeltaUsd: c.priceImpactDeltaUsd });
    return { byImpact: byImpact.acceptablePrice,
             slipped: trade.applySlippageToPrice(c.allowedSlippage, c.anchor, c.isIncrease, c.isLong) };
  },
};

function main(text) {
  const { calls } = JSON.parse(text);
  const results = calls.map((raw) => {
    const c = revive(raw);
    const op = OPS[c.op];
    if (!op) return { ok: false, error: `unknown op ${c.op}` };
    try {
      return { ok: true, value: plain(op(c)) };
    } catch (e) {
      return { ok: false, error: String(e && e.stack ? e.stack : e) };
    }
  });
  process.stdout.write(JSON.stringify({ results }));
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => main(input));
