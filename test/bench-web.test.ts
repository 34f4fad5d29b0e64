// Smoke test of `sing bench web`: a tiny run (one round of sub-second bursts) reports a row for every
// server kind, file size and connection count, in the shape the CLI prints as JSON, with every
// cell's errors counted and a cell with any flagged (so is one with short answers; the lightest cells, Sing's and Node's at 16
// connections, have none; heavier ones may time out on a loaded machine, which is reported). Timings are noisy and the machine shared: nothing here asserts a rate, a
// latency, a ratio or whether a target was met — only that the figures exist and are sane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWeb, SERVERS } from '../bench/web.ts';

const positive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;

test('bench web (tiny) reports all six servers at 16 and 128 connections, without errors', { timeout: 600_000 }, async () => {
  const r = await runWeb({ quick: true, tiny: true });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'the result is plain JSON');
  assert.deepEqual([...new Set(r.rows.map((x) => x.server))].sort(), [...SERVERS].sort());
  for (const x of r.rows) {
    assert.deepEqual(Object.keys(x).filter((k) => ['server', 'fileBytes', 'connections', 'reqPerSec', 'p99Ms'].includes(k)).sort(), ['connections', 'fileBytes', 'p99Ms', 'reqPerSec', 'server']);
    const what = `${x.server} ${x.fileBytes} B x${x.connections}`;
    assert.ok(positive(x.fileBytes) && positive(x.connections), `${what}: ${JSON.stringify(x)}`);
    // A cell whose every request failed measures 0 (and is flagged); the others measure something.
    assert.ok(x.flagged || (positive(x.reqPerSec) && positive(x.p99Ms)), `${what}: ${JSON.stringify(x)}`);
    assert.ok([x.errors, x.timeouts, x.non2xx].every((n) => Number.isInteger(n) && n >= 0), what);
    if (x.errors + x.timeouts + x.non2xx > 0) assert.ok(x.flagged, `${what}: a cell with errors is flagged`);
    if ((x.server === 'sing' || x.server === 'node') && x.connections === 16) {
      assert.equal(x.errors + x.timeouts + x.non2xx, 0, `${what}: ${x.errors} errors, ${x.timeouts} timeouts, ${x.non2xx} non-2xx, ${x.bytesPerReq} B a response`);
    }
  }
  for (const server of ['sing', 'node', 'sing-worker', 'sing-process']) {
    for (const fileBytes of [1024, 65536]) {
      for (const connections of [16, 128]) {
        assert.equal(r.rows.filter((x) => x.server === server && x.fileBytes === fileBytes && x.connections === connections).length, 1, `${server} ${fileBytes} B x${connections}`);
      }
    }
  }
  for (const server of ['sing-app', 'node-app']) assert.deepEqual(r.rows.filter((x) => x.server === server).map((x) => x.connections).sort((a, b) => a - b), [16, 128], server);
  assert.equal(r.mixed.length, 4);
  for (const x of r.mixed) assert.ok(positive(x.reqPerSec), `${x.server} webfiles x${x.connections}: ${JSON.stringify(x)}`);
  assert.equal(r.flaggedCells.length, [...r.rows, ...r.mixed].filter((x) => x.flagged).length, 'every flagged cell is listed');
  assert.equal(r.targets.length, 4);
  for (const t of r.targets) {
    assert.ok(positive(t.ratio) && positive(t.target), t.name);
    assert.equal(t.met, (t.ratio ?? 0) >= t.target, t.name);
  }
  assert.equal(r.overheads.length, 8);
  for (const o of r.overheads) {
    // null only where the domain's cell measured nothing (every request failed, so it is flagged).
    const cell = r.rows.find((x) => x.server === o.server && x.fileBytes === o.fileBytes && x.connections === o.connections);
    assert.ok((typeof o.overheadPct === 'number' && Number.isFinite(o.overheadPct)) || (o.overheadPct === null && cell?.flagged === true), `${o.server} ${o.fileBytes} x${o.connections}`);
  }
  assert.equal(r.cpuSplit.length, 2, r.cpuNote);
  for (const s of r.cpuSplit) {
    assert.ok(s.samples > 0, 'the profile has samples');
    const sum = s.busyPct.kernel + s.busyPct.net + s.busyPct.web + s.busyPct.fs + s.busyPct.other;
    assert.ok(Math.abs(sum - 100) < 1, `the busy shares add up to 100: ${sum}`);
  }
});
