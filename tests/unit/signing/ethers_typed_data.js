// Reads {"typed_data": <eth_signTypedData_v4 document>, "key": "0x..."} on stdin and prints
// {"digest": ..., "signature": ...} computed by ethers v6 (TypedDataEncoder, Wallet), an
// encoder written independently of flowmarket's. Used by test_order_batch_typed_data.py.
"use strict";
const path = require("path");
const { TypedDataEncoder, Wallet } = require(path.join(process.argv[2], "node_modules", "ethers"));
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const { typed_data: doc, key } = JSON.parse(input);
  const types = { ...doc.types };
  delete types.EIP712Domain;
  const digest = TypedDataEncoder.hash(doc.domain, types, doc.message);
  const signature = await new Wallet(key).signTypedData(doc.domain, types, doc.message);
  process.stdout.write(JSON.stringify({ digest, signature }));
});
