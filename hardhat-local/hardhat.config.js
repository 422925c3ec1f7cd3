// Hardhat 2 serves the local JSON-RPC node. Python (py-solc-x + the npm solc
// shim) compiles the contracts; this override only lets `npx hardhat compile`
// work offline too, by pointing Hardhat at the pinned npm solc instead of
// downloading a native compiler (which is impossible on this network).
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");
const path = require("path");

const SOLC_VERSION = require("solc/package.json").version;

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args, hre, runSuper) => {
  if (args.solcVersion === SOLC_VERSION) {
    const solc = require("solc");
    return {
      compilerPath: path.join(path.dirname(require.resolve("solc")), "soljson.js"),
      isSolcJs: true,
      version: SOLC_VERSION,
      longVersion: solc.version(),
    };
  }
  return runSuper();
});

/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
  },
  paths: { sources: "../contracts" },
  networks: {
    hardhat: {
      chainId: 31337,
      hardfork: "cancun",
      allowUnlimitedContractSize: false,
      mining: { auto: true, interval: 0 },
    },
  },
};
