// The heap meter's trigger: it measures (a full collection and a walk of the sampling profile)
// only once the level has grown by as much as the least room any process has left under its
// budget, TRIGGER_BYTES at the least, so a server whose garbage reaches the old generation is not
// collected in full every few milliseconds, and a process near its budget is still measured soon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapMeter, TRIGGER_BYTES, type MeterClient } from './heap-meter.ts';

function client(room: number): MeterClient {
  return { idle: false, judge: () => false, headroom: () => room };
}

const settle = (): Promise<void> => new Promise((r) => { setTimeout(r, 5); });

/** Grows the old generation by about `mib` MiB of live arrays (a full collection promotes them). */
function grow(mib: number): number[][] {
  const keep: number[][] = [];
  for (let i = 0; i < mib; i++) keep.push(new Array<number>(128 * 1024).fill(i + 0.5));
  heapMeter.collect();
  return keep;
}

test('growth below every process\'s room is not measured; growth past the least room is', async () => {
  const roomy = client(1024 * 1024 * 1024);
  heapMeter.attach(roomy);
  try {
    heapMeter.measure();
    const m0 = heapMeter.measurements;
    const kept = grow(3 * TRIGGER_BYTES / (1024 * 1024));
    await settle();
    heapMeter.sample();
    assert.equal(heapMeter.measurements, m0, 'measured although every process had 1 GiB of room');
    assert.ok(heapMeter.unmeasured() >= 2 * TRIGGER_BYTES, `the level grew by only ${heapMeter.unmeasured()} bytes`);

    const tight = client(0);
    heapMeter.attach(tight);
    try {
      await settle();
      heapMeter.sample();
      assert.equal(heapMeter.measurements, m0 + 1, 'a process with no room left was not measured');
      assert.ok(heapMeter.unmeasured() < TRIGGER_BYTES, 'a measurement resets what is unmeasured');
    } finally {
      heapMeter.detach(tight);
    }
    assert.equal(kept.length > 0, true);
  } finally {
    heapMeter.detach(roomy);
  }
});
