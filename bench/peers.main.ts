// Prints the host-side peer numbers as a table:
//   npx tsx bench/peers.main.ts [--quick] [--json]
// Progress goes to stderr; stdout gets only the table (or JSON with --json).

import {
  childRequestReplyNs,
  hostCallNs,
  plainCallNs,
  workerCreateStartExitNs,
  workerRequestReplyNs,
} from "./peers.ts";
import type { PeerOptions } from "./peers.ts";
import { formatTable, progress } from "./measure.ts";

const args = new Set(process.argv.slice(2));
const opts: PeerOptions = { quick: args.has("--quick") };

const peers: ReadonlyArray<readonly [string, (o: PeerOptions) => Promise<number>]> = [
  ["plain JS call", plainCallNs],
  ["host call (hrtime.bigint)", hostCallNs],
  ["worker request/reply", workerRequestReplyNs],
  ["child request/reply", childRequestReplyNs],
  ["worker create/start/exit", workerCreateStartExitNs],
];

const started = process.hrtime.bigint();
const rows: Array<Record<string, string | number>> = [];
for (const [name, measure] of peers) {
  progress(`measuring ${name}...`);
  const ns = await measure(opts);
  rows.push({ peer: name, "ns/op": ns, "us/op": ns / 1000 });
}
progress(`done in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);

if (args.has("--json")) {
  process.stdout.write(`${JSON.stringify(rows.map((r) => ({ peer: r.peer, ns: r["ns/op"] })))}\n`);
} else {
  process.stdout.write(`${formatTable(rows)}\n`);
}
