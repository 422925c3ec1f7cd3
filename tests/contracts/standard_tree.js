// Reads {"encoding": [...types], "values": [[...], ...]} on stdin and prints
// {"root": ..., "proofs": [[...], ...]} built by OpenZeppelin's StandardMerkleTree,
// proofs in the order of the input values. Used by test_merkle.py as the reference.
"use strict";
const path = require("path");
const { StandardMerkleTree } = require(
  path.join(process.argv[2], "node_modules", "@openzeppelin", "merkle-tree"),
);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { encoding, values } = JSON.parse(input);
  const tree = StandardMerkleTree.of(values, encoding);
  const proofs = values.map((_, i) => tree.getProof(i));
  process.stdout.write(JSON.stringify({ root: tree.root, proofs }));
});
