// Wrangler's proof-of-work algorithm as it runs in Node (crypto.createHash per
// step, PROTOCOL.md §3), timed for comparison with the Rust solver.
// Usage: node pow-node.mjs <seed-b64url> <k> <g>  -> prints "<ms> <checkpoints-b64-prefix>"
import { createHash } from "node:crypto";

const [seedB64, kArg, gArg] = process.argv.slice(2);
const k = Number(kArg), g = Number(gArg);
const seed = Buffer.from(seedB64, "base64url");
const start = process.hrtime.bigint();
let cur = createHash("sha256").update(seed).digest();
const out = [cur];
for (let j = 1; j <= k; j++) {
  for (let i = 0; i < g; i++) cur = createHash("sha256").update(cur).digest();
  out.push(cur);
}
const ms = Number(process.hrtime.bigint() - start) / 1e6;
console.log(`${ms.toFixed(1)} ${Buffer.concat(out).toString("base64").slice(0, 44)}`);
