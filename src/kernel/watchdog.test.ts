// The watchdog through its API: guarded code that holds the thread past the limit is cut off from
// every kind of host callback, many times over, and the host carries on (timers, promises,
// nextTick, further guarded calls); a SIGINT that is not the watchdog's still reaches the host.
// Rules: no test asserts a duration beyond "it ended"; the workloads cannot be made linear
// (tight loops, a backreference pattern), so V8's linear-time regex fallback cannot end them
// early. Signal tests run in child processes, since a SIGINT that reaches a default host ends it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Watchdog, WatchdogTimeout } from './watchdog.ts';
import { ensureLockdown } from '../lib/harden.ts';

const LIMIT = 200;
let wd: Watchdog;

before(() => { wd = new Watchdog({ limitMs: LIMIT }); });
after(() => { wd.close(); });

function spin(): never { for (;;) { /* held */ } }
/** Catastrophic backtracking with a backreference: no linear-time engine can run it. */
function backtrack(): boolean { return /^(a+)+\1$/.test(`${'a'.repeat(40)}!`); }

/** Everything the host should still do after a kill. */
async function hostCarriesOn(): Promise<void> {
  assert.equal(wd.guard(() => 42), 42, 'a further guarded call works');
  await new Promise<void>((r) => { process.nextTick(r); });
  await Promise.resolve();
  await new Promise<void>((r) => { setTimeout(r, 1); });
  await new Promise<void>((r) => { setImmediate(r); });
}

function isTimeout(e: unknown): boolean { return e instanceof WatchdogTimeout && e.code === 'E_WATCHDOG'; }

test('a guarded call returns its value and passes its own exceptions through', () => {
  assert.equal(wd.guard(() => 'x'), 'x');
  assert.throws(() => wd.guard(() => { throw new TypeError('mine'); }), { name: 'TypeError', message: 'mine' });
  assert.equal(wd.guarding, false);
  assert.equal(wd.guard(() => wd.guarding), true);
});

test('a tight loop is cut off after about the limit, and the host carries on', async () => {
  const kills = wd.stats().kills;
  assert.throws(() => wd.guard(spin), isTimeout);
  assert.equal(wd.stats().kills, kills + 1);
  await hostCarriesOn();
});

test('a backtracking regular expression is cut off', async () => {
  assert.throws(() => wd.guard(backtrack), isTimeout);
  await hostCarriesOn();
});

const contexts: Record<string, (k: () => void) => void> = {
  setTimeout: (k) => { setTimeout(k, 0); },
  setImmediate: (k) => { setImmediate(k); },
  queueMicrotask: (k) => { queueMicrotask(k); },
  'a promise continuation': (k) => { void Promise.resolve().then(k); },
  'process.nextTick': (k) => { process.nextTick(k); },
  'an I/O callback': (k) => { readFile(fileURLToPath(import.meta.url), () => k()); },
};

for (const [name, schedule] of Object.entries(contexts)) {
  test(`kills from ${name}, 4 times in a row, leave the host working`, async () => {
    for (let i = 0; i < 4; i++) {
      const outcome = await new Promise<unknown>((resolve) => {
        schedule(() => {
          try { resolve(wd.guard(i % 2 === 0 ? spin : backtrack)); } catch (e) { resolve(e); }
        });
      });
      assert.ok(isTimeout(outcome), `kill ${i + 1} from ${name}: got ${String(outcome)}`);
      await hostCarriesOn();
    }
  });
}

test('a nested guard is a plain call: the kill unwinds to the outermost guard, once, skipping catch and finally', () => {
  const seen: string[] = [];
  const kills = wd.stats().kills;
  assert.throws(() => wd.guard(() => {
    try {
      wd.guard(() => { try { spin(); } finally { seen.push('inner finally'); } });
    } catch {
      seen.push('outer catch');
    }
    seen.push('after inner');
  }), isTimeout);
  assert.deepEqual(seen, []);
  assert.equal(wd.stats().kills, kills + 1);
});

test('critical() defers a kill until the stretch ends', () => {
  const log: string[] = [];
  assert.throws(() => wd.guard(() => {
    wd.critical(() => {
      const t = Date.now();
      while (Date.now() - t < LIMIT * 3) { /* bookkeeping that must not be split */ }
      log.push('critical done');
    });
    spin();
  }), isTimeout);
  assert.deepEqual(log, ['critical done']);
  assert.equal(wd.critical(() => 7), 7, 'outside a guard it is a plain call');
});

test('kills never land inside critical stretches, so Node calls made in them stay safe', async () => {
  let inside = false;
  let x = 0;
  const f = (i: number): number => i * 2;
  const body = (): void => { inside = true; for (let i = 0; i < 20; i++) x += f(i); inside = false; };
  const noop = (): void => undefined;
  for (let k = 0; k < 5; k++) {
    assert.throws(() => wd.guard(() => { for (;;) { wd.critical(body); x += f(1); } }), isTimeout);
    assert.equal(inside, false, `kill ${k + 1} landed inside a critical stretch`);
    // Node's timer queue is JavaScript: a kill inside setTimeout would corrupt it.
    assert.throws(() => wd.guard(() => { for (;;) wd.critical(() => { clearTimeout(setTimeout(noop, 1e5)); }); }), isTimeout);
  }
  assert.ok(x > 0);
  await hostCarriesOn();
});

test('the thread held outside any guard is not interrupted, only reported', async () => {
  const before = wd.stats().outsideHolds;
  await new Promise<void>((r) => { setTimeout(r, LIMIT); }); // let the heartbeat tick
  const t = Date.now();
  while (Date.now() - t < LIMIT * 4) { /* held outside */ }
  await new Promise<void>((r) => { setTimeout(r, LIMIT); });
  const s = wd.stats();
  assert.ok(s.outsideHolds > before, `outsideHolds ${s.outsideHolds}`);
  assert.ok(s.longestOutsideMs >= LIMIT, `longestOutsideMs ${s.longestOutsideMs}`);
  await hostCarriesOn();
});

test('program code in a SES Compartment is cut off like any other', async () => {
  ensureLockdown();
  const c = new Compartment();
  const loop = c.evaluate('() => { for (;;) {} }') as () => void;
  assert.throws(() => wd.guard(loop), isTimeout);
  await hostCarriesOn();
});

test('one Watchdog per process; after close() guard runs unguarded and a new one can open', () => {
  assert.throws(() => new Watchdog({ limitMs: LIMIT }), { code: 'E_WATCHDOG_UNAVAILABLE' });
  assert.ok(Watchdog.supported());
  wd.close();
  wd.close();
  assert.equal(wd.stats().open, false);
  assert.equal(wd.guard(() => 5), 5);
  wd = new Watchdog({ limitMs: LIMIT });
  assert.throws(() => wd.guard(spin), isTimeout);
});

// --- in child processes ---

const repo = fileURLToPath(new URL('../../', import.meta.url));
const moduleUrl = new URL('./watchdog.ts', import.meta.url).href;

interface ChildEnd { code: number | null; signal: NodeJS.Signals | null; out: string }

/** Runs `body` (ES module code with `Watchdog` and `say` in scope) in a child process; sends it
 * SIGINT when it prints `ready`. */
function child(body: string, sigint: boolean): Promise<ChildEnd> {
  const code = `import { Watchdog } from ${JSON.stringify(moduleUrl)};\n` +
    `const say = (s) => process.stdout.write(s + '\\n');\n${body}`;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const guard = setTimeout(() => { c.kill('SIGKILL'); }, 30_000);
    c.stdout.setEncoding('utf8');
    c.stderr.setEncoding('utf8');
    c.stdout.on('data', (d: string) => {
      out += d;
      if (sigint && !sent && out.includes('ready\n')) { sent = true; setTimeout(() => { c.kill('SIGINT'); }, 150); }
    });
    c.stderr.on('data', (d: string) => { out += d; });
    c.on('error', reject);
    c.on('exit', (code, signal) => { clearTimeout(guard); resolve({ code, signal, out }); });
  });
}

test('an open watchdog does not keep the process alive', async () => {
  const r = await child(`new Watchdog({ limitMs: 500 }); say('made');`, false);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /made/);
});

test('a SIGINT not sent by the watchdog ends an idle host that does not listen for it', async () => {
  const r = await child(`new Watchdog({ limitMs: 500 }); setTimeout(() => say('not ended'), 20000); say('ready');`, true);
  assert.equal(r.signal, 'SIGINT', r.out);
  assert.doesNotMatch(r.out, /not ended/);
});

test('a SIGINT not sent by the watchdog reaches the host\'s listener, idle or inside a guard', async () => {
  const idle = await child(`new Watchdog({ limitMs: 500 });
    process.on('SIGINT', () => { say('listener'); process.exit(0); });
    setTimeout(() => say('not ended'), 20000); say('ready');`, true);
  assert.equal(idle.code, 0, idle.out);
  assert.match(idle.out, /listener/);
  const busy = await child(`const wd = new Watchdog({ limitMs: 20000 });
    process.on('SIGINT', () => { say('listener'); process.exit(0); });
    setTimeout(() => { say('ready'); try { wd.guard(() => { for (;;) {} }); } catch (e) { say('guard threw ' + e.code); } }, 10);`, true);
  assert.equal(busy.code, 0, busy.out);
  assert.match(busy.out, /guard threw E_INTERRUPTED\nlistener/);
});

test('a SIGINT listener added after the watchdog opened does not take the kills away', async () => {
  const r = await child(`const wd = new Watchdog({ limitMs: 200 });
    const l = () => say('listener');
    process.on('SIGINT', l);
    try { wd.guard(() => { for (;;) {} }); } catch (e) { say('first ' + e.code); }
    process.off('SIGINT', l);
    try { wd.guard(() => { for (;;) {} }); } catch (e) { say('second ' + e.code); }
    setTimeout(() => say('carried on'), 50);`, false);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /first E_WATCHDOG\nsecond E_WATCHDOG\ncarried on/);
  assert.doesNotMatch(r.out, /listener/);
});
