#!/usr/bin/env node
// A line-per-request bridge from pytest to Gains Network's official TypeScript SDK (@gainsnetwork/sdk,
// compiled CommonJS under lib/), so the differential tests compute with the venue's own code.
//
// Protocol (one JSON document per line, both ways):
//   started:   {"ready": true, "version": "1.8.7", "path": "<package dir>"}   or {"ready": false, "error": "..."}
//   request:   {"id": 7, "calls": [{"fn": "getLiquidationPrice", "args": [trade, context]}, ...]}
//   answer:    {"id": 7, "results": [{"ok": true, "value": ...} | {"ok": false, "error": "..."}, ...]}
// Every argument is a plain JSON value already in the SDK's units (the Python side converts); every call gets
// its own deep copy of its arguments, because some SDK functions mutate their context
// (getTradeFundingFeesCollateral writes context.netExposureUsd). A non-finite number in a result is an error
// (JSON would silently turn it into null).
//
// Where the SDK comes from: HEDGEFI_GTRADE_SDK_DIR (a folder holding node_modules/@gainsnetwork/sdk, or the
// package folder itself) when set, else the project's own node_modules (the pinned test dependency).
"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");

const PINNED = "1.8.7";
const PROJECT = path.resolve(__dirname, "..", "..");

function packageDir() {
  const override = process.env.HEDGEFI_GTRADE_SDK_DIR;
  const roots = override ? [override] : [PROJECT];
  for (const root of roots) {
    const direct = path.join(root, "package.json");
    if (fs.existsSync(direct) && JSON.parse(fs.readFileSync(direct, "utf8")).name === "@gainsnetwork/sdk") {
      return root;
    }
    try {
      return path.dirname(require.resolve("@gainsnetwork/sdk/package.json", { paths: [root] }));
    } catch (e) {
      // try the next root
    }
  }
  throw new Error(`@gainsnetwork/sdk is not installed under ${roots.join(", ")} (it is a pinned test ` +
                  `dependency in package.json: run the project's npm install, or point HEDGEFI_GTRADE_SDK_DIR at ` +
                  `a folder holding node_modules/@gainsnetwork/sdk ${PINNED})`);
}

function load() {
  const dir = packageDir();
  const version = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  if (version !== PINNED) {
    throw new Error(`@gainsnetwork/sdk at ${dir} is ${version}; the differential tests pin ${PINNED}`);
  }
  // lib/trade and lib/markets hold every function the tests call (the package root also pulls in the
  // contract bindings, which are not needed)
  const modules = [require(path.join(dir, "lib", "trade")), require(path.join(dir, "lib", "markets"))];
  return { dir, version, modules };
}

function resolve(modules, name) {
  for (const m of modules) {
    if (typeof m[name] === "function") return m[name];
  }
  throw new Error(`the SDK has no function ${name}`);
}

function checkFinite(value, where) {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${where} is not a finite number (${value})`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkFinite(v, `${where}[${i}]`));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) checkFinite(v, `${where}.${k}`);
  }
}

function runCall(modules, call) {
  try {
    const fn = resolve(modules, call.fn);
    const args = JSON.parse(JSON.stringify(call.args || []));
    const value = fn(...args);
    checkFinite(value, call.fn);
    return { ok: true, value: value === undefined ? null : value };
  } catch (e) {
    return { ok: false, error: `${call.fn}: ${e && e.message ? e.message : String(e)}` };
  }
}

function main() {
  let sdk;
  try {
    sdk = load();
  } catch (e) {
    process.stdout.write(JSON.stringify({ ready: false, error: e.message }) + "\n");
    process.exit(2);
  }
  process.stdout.write(JSON.stringify({ ready: true, version: sdk.version, path: sdk.dir }) + "\n");
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    let request;
    try {
      request = JSON.parse(line);
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: null, error: `bad request: ${e.message}` }) + "\n");
      return;
    }
    const results = (request.calls || []).map((c) => runCall(sdk.modules, c));
    process.stdout.write(JSON.stringify({ id: request.id, results }) + "\n");
  });
}

main();
