// Issue #11, point 5: an endpoint whose conversation has ended holds no memory once the program
// drops it, closed or not. The kernel retires an endpoint the moment its state is terminal (see
// src/channels/endpoint.ts), so a server that never closes finished connections does not leak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { CHATTER } from './programs/ended.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

test('200,000 conversations that end without a close leave the JavaScript heap flat (within 5%) after a GC', async () => {
  const n = await neighbours({ chatter: CHATTER });
  const run = async (count: number): Promise<void> => {
    const st = await within(n.k.spawn('chatter', { params: { n: count } }).join(), `${count} conversations`, 120_000);
    assert.deepEqual([st.state, st.code], ['exited', 0]);
  };
  await run(20_000); // warm up: every path compiled, every cache filled
  const before = heapAfterGc();
  await run(200_000);
  const after = heapAfterGc();
  const calc = n.k.ps().find((p) => p.program === 'calc');
  assert.ok(calc !== undefined);
  assert.ok(calc.endpoints <= 2, `the server holds ${calc.endpoints} endpoints (its listener and its console at most)`);
  assert.ok(after <= before * 1.05, `the heap went from ${(before / 1e6).toFixed(1)} MB to ${(after / 1e6).toFixed(1)} MB`);
  await n.finish();
});
