// The supervisor program (src/services/supervisor): it starts its children through the
// child-process ABI and restarts them as Erlang/OTP's supervisors do. Each strategy shows its
// difference when the middle of three children is killed (one_for_one restarts it alone,
// rest_for_one it and those after it, one_for_all every child); restart types decide on normal and
// abnormal ends (permanent always, transient only after a failure or a non-zero code, temporary
// never); restarts beyond the intensity make the supervisor stop every child and fail, for its own
// supervisor to decide; the backoff doubles within the period. Nothing asserts a duration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compileImage } from '../src/index.ts';
import { boot, delay, until, type Booted } from './kit.ts';

const SERVICES = fileURLToPath(new URL('../src/services', import.meta.url));

// A child: says it is up, then ends after `afterMs` with `exitCode`, or waits to be stopped.
const SVC = `
import { defineProgram, i32, str } from 'sing/runtime';
export default defineProgram({
  name: 'svc',
  parameters: { tag: str, exitCode: i32, afterMs: i32 },
  console: true,
  async main({ abi, params, console }) {
    console.log('up ' + params.tag + ' ' + String(abi.pid()));
    if (params.afterMs > 0) {
      await abi.sleep(params.afterMs);
      return params.exitCode;
    }
    for (;;) await abi.sleep(60000);
  },
});
`;

let booted: Promise<Booted> | null = null;
function system(): Promise<Booted> {
  booted ??= (async () => boot({ svc: SVC, supervisor: await compileImage('supervisor', { root: SERVICES, entry: 'supervisor/main.ts' }) }))();
  return booted;
}

/** The supervisor's parameters: every one is required; '' and 0 take its defaults. */
function tree(children: string, more: Readonly<Record<string, string | number>> = {}): Record<string, string | number> {
  return { children, strategy: '', intensity: 0, periodMs: 0, backoffMs: 0, maxBackoffMs: 0, control: '', ...more };
}

interface Kid { readonly tag: string; readonly restart?: string; readonly exitCode?: number; readonly afterMs?: number }

function children(kids: readonly Kid[], prefix: string): string {
  return JSON.stringify(kids.map((k) => ({
    program: 'svc', name: `${prefix}${k.tag}`, ...(k.restart === undefined ? {} : { restart: k.restart }),
    params: { tag: `${prefix}${k.tag}`, exitCode: k.exitCode ?? 0, afterMs: k.afterMs ?? 0 },
  })));
}

/** The pids each tag came up with, in order. */
function ups(b: Booted, prefix: string): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const t of b.texts('svc')) {
    const [w, tag, pid] = t.split(' ');
    if (w !== 'up' || tag === undefined || !tag.startsWith(prefix)) continue;
    m.set(tag.slice(prefix.length), [...(m.get(tag.slice(prefix.length)) ?? []), Number(pid)]);
  }
  return m;
}

const count = (m: Map<string, number[]>): number => [...m.values()].reduce((a, l) => a + l.length, 0);

for (const [strategy, restarted] of [['one_for_one', ['b']], ['rest_for_one', ['b', 'c']], ['one_for_all', ['a', 'b', 'c']]] as const) {
  test(`${strategy}: killing b restarts ${restarted.join(', ')}`, async () => {
    const b = await system();
    const prefix = `${strategy}-`;
    const sup = b.k.spawn('supervisor', { params: tree(children([{ tag: 'a' }, { tag: 'b' }, { tag: 'c' }], prefix), { strategy }) });
    await until(() => count(ups(b, prefix)) === 3, 'three children up');
    const before = ups(b, prefix);
    assert.ok(b.k.kill((before.get('b') as number[])[0] as number), 'the host kills b');
    await until(() => count(ups(b, prefix)) === 3 + restarted.length, `${restarted.join(', ')} up again`);
    await delay(100); // and nothing more
    const after = ups(b, prefix);
    for (const t of ['a', 'b', 'c']) {
      assert.equal((after.get(t) ?? []).length, (restarted as readonly string[]).includes(t) ? 2 : 1, `${t}: ${JSON.stringify([...after])}`);
    }
    const live = new Set(b.k.ps().filter((p) => p.program === 'svc').map((p) => p.pid));
    for (const t of ['a', 'b', 'c']) assert.ok(live.has((after.get(t) as number[]).at(-1) as number), `${t}'s newest process runs`);
    assert.equal(live.has((before.get('b') as number[])[0] as number), false);
    sup.stop();
    await sup.join();
    await until(() => !b.k.ps().some((p) => p.program === 'svc' && (after.get('a') ?? []).includes(p.pid)), 'the children end with their supervisor');
  });
}

test('restart types: permanent always, transient after an abnormal end, temporary never; too many restarts and it gives up', async () => {
  const b = await system();
  const sup = b.k.spawn('supervisor', {
    params: tree(children([
      { tag: 't0', restart: 'transient', exitCode: 0, afterMs: 10 },
      { tag: 'tmp', restart: 'temporary', exitCode: 1, afterMs: 10 },
      { tag: 't1', restart: 'transient', exitCode: 1, afterMs: 10 },
      { tag: 'p0', restart: 'permanent', exitCode: 0, afterMs: 10 },
    ], 'types-'), { intensity: 4, periodMs: 60000 }),
  });
  const status = await sup.join();
  assert.deepEqual([status.state, status.code], ['exited', 1]);
  const said = b.texts('supervisor').filter((t) => t.includes('types-'));
  assert.ok(said.some((t) => t.includes('types-t0 exited with code 0; not restarted (transient)')), said.join('\n'));
  assert.ok(said.some((t) => t.includes('types-tmp exited with code 1; not restarted (temporary)')), said.join('\n'));
  assert.ok(said.some((t) => t.includes('types-t1 exited with code 1; restarting types-t1')), said.join('\n'));
  assert.ok(said.some((t) => t.includes('types-p0 exited with code 0; restarting types-p0')), said.join('\n'));
  assert.ok(b.texts('supervisor').some((t) => t.includes('more than 4 restarts within 60000 ms: stopping every child and giving up')));
  const m = ups(b, 'types-');
  assert.equal(m.get('t0')?.length, 1);
  assert.equal(m.get('tmp')?.length, 1);
  await until(() => !b.k.ps().some((p) => p.program === 'svc' && [...m.values()].flat().includes(p.pid)), 'every child stopped');
});

test('the backoff doubles within the period, up to its limit', async () => {
  const b = await system();
  const sup = b.k.spawn('supervisor', {
    params: tree(children([{ tag: 'x', exitCode: 1, afterMs: 5 }], 'backoff-'), { intensity: 4, periodMs: 60000, backoffMs: 20, maxBackoffMs: 50 }),
  });
  const status = await sup.join();
  assert.equal(status.code, 1);
  const waits = b.texts('supervisor').filter((t) => t.includes('backoff-x exited')).map((t) => /after (\d+) ms/.exec(t)?.[1] ?? 'none');
  assert.deepEqual(waits, ['20', '40', '50', '50', 'none']);
});

test('a tree the supervisor cannot read is refused in words, exit 2', async () => {
  const b = await system();
  for (const [children, words] of [
    ['not json', 'children must be a JSON array'],
    ['[{"program":"svc","restart":"sometimes"}]', 'children[0].restart must be one of permanent, transient, temporary'],
    ['[{"program":"svc"},{"program":"svc"}]', 'the name svc is taken by an earlier child'],
  ] as const) {
    const sup = b.k.spawn('supervisor', { params: tree(children) });
    const st = await sup.join();
    assert.equal(st.code, 2);
    assert.ok(b.texts('supervisor').some((t) => t.includes(words)), `${words}: ${b.texts('supervisor').join('\n')}`);
  }
  const bad = b.k.spawn('supervisor', { params: tree('[{"program":"svc"}]', { strategy: 'all_at_once' }) });
  assert.equal((await bad.join()).code, 2);
});
