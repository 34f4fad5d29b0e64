// The install benchmark's key-value service (bench/programs/kvstore) really runs: a client
// (test/fixtures/kvclient) binds /service/kv and puts, gets, scans, deletes, runs text commands,
// fills the store, takes a Dump block and loads one back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compileImage } from '../src/index.ts';
import { boot, said, until, within } from './kit.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));

async function system() {
  const [kvstore, kvclient] = await Promise.all([
    compileImage('kvstore', { root: `${REPO}bench/programs/kvstore`, entry: 'main.ts' }),
    compileImage('kvclient', { root: REPO, entry: 'test/fixtures/kvclient/main.ts' }),
  ]);
  return boot({ kvstore, kvclient });
}

/** The client's replies by step: `<step> <json>` lines. */
function replies(lines: readonly string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const l of lines) {
    const sp = l.lastIndexOf(' {');
    out.set(l.slice(0, sp), JSON.parse(l.slice(sp + 1)));
  }
  return out;
}

test('kvstore serves puts, gets, scans, deletes, text commands, a Dump block and a Load', async () => {
  const b = await system();
  const svc = b.k.spawn('kvstore', { params: { capacity: 8, name: 'bench' } });
  await until(() => said(b, svc.pid).some((t) => t.includes('serving /service/kv')), 'the service to serve');
  const c = b.k.spawn('kvclient', { params: { extra: 5 } });
  const st = await within(c.join(), 'the client');
  assert.deepEqual({ state: st.state, code: st.code }, { state: 'exited', code: 0 }, JSON.stringify(st));
  const r = replies(said(b, c.pid));

  assert.deepEqual(r.get('ready'), { tag: 'Ready', name: 'bench', capacity: 8 });
  assert.deepEqual(r.get('put apricot'), { tag: 'Stored', created: true, version: 1, size: 2 });
  assert.deepEqual(r.get('put apple'), { tag: 'Stored', created: false, version: 2, size: 3 });
  assert.deepEqual(r.get('get apple'), { tag: 'Value', value: 'green', version: 2 });
  assert.deepEqual(r.get('get cherry'), { tag: 'Missing', key: 'cherry' });
  assert.deepEqual(r.get('scan ap'), { tag: 'Keys', keys: ['apple', 'apricot'], more: false });
  assert.deepEqual(r.get('scan all 1'), { tag: 'Keys', keys: ['apple'], more: true });
  assert.deepEqual(r.get('delete banana'), { tag: 'Deleted', existed: true, size: 2 });
  assert.deepEqual(r.get('delete banana again'), { tag: 'Deleted', existed: false, size: 2 });

  assert.deepEqual(r.get('exec put "two words" hello  world'), { tag: 'Output', ok: true, text: 'created "two words" v1' });
  assert.deepEqual(r.get('exec get "two words"'), { tag: 'Output', ok: true, text: '"hello  world" v1' });
  assert.deepEqual(r.get('exec scan'), { tag: 'Output', ok: true, text: '3 keys: "apple" "apricot" "two words"' });
  const bad = r.get('exec frobnicate') as { ok: boolean; text: string };
  assert.equal(bad.ok, false);
  assert.match(bad.text, /unknown command "frobnicate"/);
  assert.match((r.get('exec dump') as { text: string }).text, /^dump: 3 entries, \d+ bytes$/);

  // Capacity 8: three keys, then k0..k4 fit and k5 is rejected.
  assert.deepEqual([...r.keys()].filter((k) => k.startsWith('put k')), ['put k5']);
  assert.deepEqual(r.get('put k5'), { tag: 'Rejected', reason: 'the store is full (8 keys)' });

  const text = 'KV1 2\n5:apple5:green\n7:apricot6:orange\n';
  assert.deepEqual(r.get('dump'), {
    count: 2, more: false, length: text.length,
    pairs: { ok: true, pairs: [{ key: 'apple', value: 'green' }, { key: 'apricot', value: 'orange' }] },
  });
  assert.deepEqual(r.get('load'), { tag: 'Loaded', count: 1, skipped: 1 });
  const stats = r.get('stats') as { size: number; capacity: number; ops: Record<string, number> };
  assert.equal(stats.size, 8);
  assert.equal(stats.capacity, 8);
  assert.deepEqual(stats.ops, { gets: 3, hits: 2, puts: 11, deletes: 1, scans: 3 });
  assert.deepEqual(r.get('heap'), { bytes: 0, blocks: 0, quota: 64 * 1024 }, 'the client holds no blocks at the end');

  // The service is still serving, holds no blocks, and ends cleanly when stopped.
  await until(() => said(b, svc.pid).some((t) => t.includes('idle, 8 keys after 1 clients')), 'the session to end');
  assert.equal(b.k.ps().find((p) => p.pid === svc.pid)?.heapBlocks, 0);
  svc.stop();
  assert.equal((await within(svc.join())).reason, 'killed');
});

test('kvstore refuses bad parameters and exits with code 2', async () => {
  const b = await system();
  const svc = b.k.spawn('kvstore', { params: { capacity: 0, name: 'x' } });
  const st = await within(svc.join());
  assert.deepEqual({ state: st.state, code: st.code }, { state: 'exited', code: 2 });
  assert.match(said(b, svc.pid).join('\n'), /capacity must be positive/);
});
