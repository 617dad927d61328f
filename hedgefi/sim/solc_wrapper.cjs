#!/usr/bin/env node
// hedgefi: the `solc` command line that py-solc-x expects, served by solcjs (npm `solc`).
// `--version` prints solc's banner; `--standard-json` reads the input JSON on stdin and prints only the
// output JSON (solcjs's CLI prints a non-JSON line first; the JS API used here does not).
// The solc package is found through HEDGEFI_SOLCJS (its folder) or normal module resolution.
const solc = require(process.env.HEDGEFI_SOLCJS || "solc");
const args = process.argv.slice(2);
if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("hedgefi solc wrapper: only --version and --standard-json are supported\n");
  process.exit(2);
}
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const output = solc.compile(input);
  const start = output.indexOf("{");
  process.stdout.write(start > 0 ? output.slice(start) : output);
});
