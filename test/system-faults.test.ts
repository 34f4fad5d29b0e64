// Faults against the supervised system (src/cli/distribution.ts): a seeded injector kills the file
// system, the web app or the network service while curl loops against the web server; each time
// the supervisor brings the service back (rest_for_one: with those started after it) and the
// service answers again. Reported (as the test's diagnostics): the time from each kill to the
// service answering again, median and p99, beside the supervisor's backoff, and the requests that
// failed meanwhile. Afterwards the tree has all five services and the system stops cleanly (the
// image checks clean). Only 127.0.0.1; bounded in rounds and time; nothing asserts a duration.
import './web-kit.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskSession } from '../src/cli/disk-session.ts';
import { DEFAULT_DISTRIBUTION, Distribution } from '../src/cli/distribution.ts';
import { InstallStore } from '../src/install/store.ts';
import { prng } from '../src/lib/prng.ts';
import { filterKills } from './kit.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const hasCurl = spawnSync('curl', ['--version']).error === undefined;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => { resolve(p); }); });
  });
}

/** One request: the status code, 0 when the connection failed. */
function get(url: string): Promise<number> {
  if (!hasCurl) return fetch(url, { signal: AbortSignal.timeout(2000) }).then(async (r) => { await r.arrayBuffer(); return r.status; }, () => 0);
  return new Promise((resolve) => {
    execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', url], (_e, out) => { resolve(Number(out) || 0); });
  });
}

const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};

test('killed services come back under the supervisor while curl loops against the web server', async (t) => {
  filterKills();
  const dir = mkdtempSync(join(tmpdir(), 'sing-faults-'));
  // A store whose system manifest is the default distribution, its disk made here.
  const store = new InstallStore(join(dir, 'store'));
  await store.editSystem('faults', (s) => ({ ...s, distribution: DEFAULT_DISTRIBUTION }));
  const image = join(dir, 'store', 'disks', 'disk0.img');
  mkdirSync(join(dir, 'store', 'disks'), { recursive: true });
  await DiskSession.create(image, 32 * 1024 * 1024, { label: 'FAULTS' });
  const d0 = await DiskSession.mount(image);
  await d0.fs.mkdir('/www');
  await d0.fs.writeFile('/www/index.html', new TextEncoder().encode('<h1>faults</h1>\n'));
  await d0.close();
  const port = await freePort();
  const sys = await Distribution.boot({ store, port, console: () => undefined });
  const base = `http://127.0.0.1:${port}`;
  let looping = true;
  let sent = 0;
  let failed = 0;
  const loop = (async () => {
    while (looping) {
      sent++;
      if ((await get(`${base}/index.html`)) !== 200) failed++;
    }
  })();
  const seed = Number(process.env['SING_FAULT_SEED'] ?? 15);
  const rnd = prng(seed); // seeded, so a failing run can be repeated
  const targets = [
    { program: 'fat', probe: `${base}/index.html` },
    { program: 'counter', probe: `${base}/counter/` },
    { program: 'net', probe: `${base}/index.html` },
  ] as const;
  const recovered: Record<string, number[]> = { fat: [], counter: [], net: [] };
  try {
    for (const path of ['/index.html', '/counter/']) assert.equal(await get(`${base}${path}`), 200, path);
    for (let round = 0; round < 9; round++) {
      const target = targets[Math.floor(rnd() * targets.length)] ?? targets[0];
      const pid = sys.live().get(target.program);
      assert.ok(pid !== undefined, `${target.program} runs before round ${round}: ${JSON.stringify([...sys.live()])}`);
      const t0 = performance.now();
      assert.ok(sys.kernel.kill(pid), `kill ${target.program} (${pid})`);
      let ok = false;
      for (let i = 0; i < 3000 && !ok; i++) {
        ok = (await get(target.probe)) === 200 && sys.live().get(target.program) !== pid;
        if (!ok) await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok(ok, `${target.program} answered again after its kill (round ${round}, seed ${seed})`);
      (recovered[target.program] as number[]).push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100 + Math.floor(rnd() * 200)));
    }
    looping = false;
    await loop;
    const all = Object.values(recovered).flat();
    t.diagnostic(`seed ${seed}: ${all.length} kills; recovery ms median ${pct(all, 50).toFixed(0)}, p99 ${pct(all, 99).toFixed(0)} (supervisor backoff ${DEFAULT_DISTRIBUTION.supervision.backoffMs} ms doubling to ${DEFAULT_DISTRIBUTION.supervision.maxBackoffMs}); ` +
      `${Object.entries(recovered).map(([k, v]) => `${k} ${v.map((x) => x.toFixed(0)).join('/') || '-'}`).join(', ')}; ${failed} of ${sent} looping requests failed`);
    assert.deepEqual([...sys.live().keys()].sort(), ['counter', 'disk', 'fat', 'net', 'status', 'web']);
    assert.equal(await get(`${base}/index.html`), 200);
  } finally {
    looping = false;
    await loop;
    await sys.close();
  }
  const fsck = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'fsck', image], { encoding: 'utf8' });
  assert.equal(fsck.status, 0, `the volume is clean after the faults and the stop: ${fsck.stdout}${fsck.stderr}`);
  rmSync(dir, { recursive: true, force: true });
});
