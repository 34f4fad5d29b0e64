// End-to-end runs of the install-store commands: `node bin/sing.js <cmd> ... --store <tmp>`.
// Rules: each test has its own temp dir (program folders and a store); assertions are on exit
// codes and whole stdout/stderr lines: 0 success, 1 refused or failed, 2 bad usage; verifier
// diagnostics as `file:line:col SINGxxxx message`, refusals as `sing <cmd>: E_CODE: message`.
// Invariants checked: a refused command leaves the store as it was.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SING = join(REPO, 'bin', 'sing.js');
const CALC = readFileSync(join(REPO, 'examples/demo/calc/main.ts'), 'utf8');
const ADDER = readFileSync(join(REPO, 'examples/demo/adder/main.ts'), 'utf8');

const BROKEN = `import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'broken',
  main() {
    const n: number = 'not a number';
    return n;
  },
});
`;

/** Exits with its parameter, or fails when asked to. */
const EXITER = `import { defineProgram, bool, i32 } from 'sing/runtime';

export default defineProgram({
  name: 'exiter',
  parameters: { code: i32, fail: bool },
  console: true,
  main({ params, console }) {
    if (params.fail) throw new Error('asked to fail');
    console.log(\`exiting with \${params.code}\`);
    return params.code;
  },
});
`;

const DIAGNOSTIC = /^[\w./-]+:\d+:\d+ SING\d{4} \S/;

const bases: string[] = [];
after(() => { for (const b of bases) rmSync(b, { recursive: true, force: true }); });

interface Cli {
  readonly base: string;
  readonly store: string;
  program(name: string, src: string): string;
  sing(...args: string[]): { status: number | null; out: string[]; err: string[] };
}

function cli(): Cli {
  const base = mkdtempSync(join(tmpdir(), 'sing-'));
  bases.push(base);
  const store = join(base, 'store');
  return {
    base, store,
    program(name, src) {
      const dir = join(base, 'src', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'main.ts'), src);
      return dir;
    },
    sing(...args) {
      const r = spawnSync(process.execPath, [SING, ...args, '--store', store], {
        cwd: base, encoding: 'utf8', timeout: 60_000, env: { ...process.env, SING_STORE: join(base, 'not-this-store') },
      });
      const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn'));
      return { status: r.status, out: lines(r.stdout), err: lines(r.stderr) };
    },
  };
}

const systemText = (c: Cli): string | null => (existsSync(join(c.store, 'system.json')) ? readFileSync(join(c.store, 'system.json'), 'utf8') : null);

test('sing verify / install of a program with a type error: file:line:col SINGxxxx lines, exit 1, nothing installed', () => {
  const c = cli();
  const dir = c.program('broken', BROKEN);
  const v = c.sing('verify', dir);
  assert.equal(v.status, 1);
  assert.deepEqual(v.out, []);
  assert.ok(v.err.length >= 1);
  assert.equal(v.err[0], "main.ts:6:11 SING1001 type error: Type 'string' is not assignable to type 'number'.");
  for (const l of v.err) assert.match(l, DIAGNOSTIC);

  const i = c.sing('install', dir);
  assert.equal(i.status, 1);
  assert.deepEqual(i.out, []);
  assert.equal(i.err[0], v.err[0]);
  assert.equal(i.err.at(-1), `sing install: ${v.err.length} verifier error${v.err.length === 1 ? '' : 's'}; nothing was installed`);
  assert.ok(!existsSync(c.store), 'the refused install wrote nothing');

  const j = c.sing('verify', dir, '--json');
  assert.equal(j.status, 1);
  assert.equal(j.out.length, 1, 'exactly one JSON value on stdout');
  const r = JSON.parse(j.out[0] ?? '') as { ok: boolean; name: string; diagnostics: { file: string; line: number; col: number; code: string }[] };
  assert.equal(r.ok, false);
  assert.equal(r.name, 'broken');
  assert.deepEqual(r.diagnostics.map((d) => [d.file, d.line, d.col, d.code])[0], ['main.ts', 6, 11, 'SING1001']);
});

test('sing install, boot add, run: calc at boot, adder prints 2 + 40 = 42; refusals exit 1 and change nothing', () => {
  const c = cli();
  const calc = c.program('calc', CALC);
  const adder = c.program('adder', ADDER);

  const early = c.sing('install', adder);
  assert.equal(early.status, 1);
  assert.match(early.err.join('\n'), /^sing install: E_MISSING_DEPENDENCY: /);

  const i1 = c.sing('install', calc);
  assert.equal(i1.status, 0, i1.err.join('\n'));
  assert.match(i1.out[0] ?? '', /^installed calc 0\.0\.0 \(image [0-9a-f]{12}\)$/);
  assert.equal(c.sing('install', adder).status, 0);
  // (Whether this one is answered from the cache depends on Sing's own sources being unchanged
  // between the two commands; test/installer.test.ts checks the cache within one process.)
  const again = c.sing('install', calc);
  assert.equal(again.status, 0);
  assert.match(again.out[0] ?? '', /^calc 0\.0\.0 is installed already \(image [0-9a-f]{12}\)$/);

  const ok = c.sing('verify', adder);
  assert.deepEqual([ok.status, ok.out], [0, ['adder: verified; it can be installed']]);

  assert.deepEqual(c.sing('boot', 'add', 'calc').out, ['calc starts at boot (position 1)']);
  const run = c.sing('run', 'adder', '--a', '2', '--b', '40');
  assert.equal(run.status, 0, run.err.join('\n'));
  assert.deepEqual(run.out, ['calc[1]: serving /service/calc', 'adder[2]: 2 + 40 = 42']);
  assert.ok(run.err.includes('[boot] started calc as pid 1'), run.err.join('\n'));

  const before = systemText(c);
  const bad = c.sing('run', 'adder', '--a', 'x', '--b', '40');
  assert.equal(bad.status, 1);
  assert.deepEqual(bad.out, [], 'nothing started');
  assert.match(bad.err.at(-1) ?? '', /^sing run: E_PARAMS: adder: --a expects i32, got "x"$/);
  const unknown = c.sing('run', 'adder', '--a', '2', '--b', '40', '--zz', '1');
  assert.equal(unknown.status, 1);
  assert.match(unknown.err.at(-1) ?? '', /^sing run: E_PARAMS: .*--zz/);
  for (const kind of ['worker', 'process']) { // the same image in another domain binds calc across domains
    const placed = c.sing('run', 'adder', '--a', '2', '--b', '40', '--domain', kind);
    assert.equal(placed.status, 0, placed.err.join('\n'));
    assert.deepEqual(placed.out, ['calc[1]: serving /service/calc', 'adder[1]: 2 + 40 = 42'], kind);
  }
  const domain = c.sing('run', 'adder', '--a', '2', '--b', '40', '--domain', 'elsewhere');
  assert.equal(domain.status, 1);
  assert.match(domain.err.at(-1) ?? '', /^sing run: E_DOMAIN: /);
  const inUse = c.sing('uninstall', 'calc');
  assert.equal(inUse.status, 1);
  assert.match(inUse.err.at(-1) ?? '', /^sing uninstall: E_IN_USE: uninstall calc: adder depends on it/);
  const ghost = c.sing('uninstall', 'ghost');
  assert.equal(ghost.status, 1);
  assert.match(ghost.err.at(-1) ?? '', /^sing uninstall: E_NOT_INSTALLED: /);
  assert.equal(systemText(c), before, 'the refusals left system.json as it was');

  const list = c.sing('list', '--json');
  assert.equal(list.status, 0);
  assert.deepEqual((JSON.parse(list.out[0] ?? '') as { name: string }[]).map((e) => e.name), ['adder', 'calc']);
  const sys = c.sing('system', '--json');
  assert.deepEqual((JSON.parse(sys.out[0] ?? '') as { boot: unknown }).boot, [{ program: 'calc' }]);
});

test('sing run exits with the program\'s code, and 1 when it fails', () => {
  const c = cli();
  assert.equal(c.sing('install', c.program('exiter', EXITER)).status, 0);
  const three = c.sing('run', 'exiter', '--code', '3', '--fail', 'false');
  assert.deepEqual([three.status, three.out], [3, ['exiter[1]: exiting with 3']]);
  const failed = c.sing('run', 'exiter', '--code', '0', '--fail', 'true');
  assert.equal(failed.status, 1);
  assert.deepEqual(failed.out, []);
  assert.match(failed.err.join('\n'), /exiter\[1\] failed \(error\).*asked to fail/);
});

test('usage errors exit 2; a damaged store exits 1 with E_STORE_CORRUPT', () => {
  const c = cli();
  const u = c.sing('install');
  assert.equal(u.status, 2);
  assert.match(u.err[0] ?? '', /^sing: install takes one program folder/);
  assert.equal(c.sing('list', '--bogus', 'x').status, 2);
  mkdirSync(c.store, { recursive: true });
  writeFileSync(join(c.store, 'system.json'), '{ garbage');
  const l = c.sing('list');
  assert.equal(l.status, 1);
  assert.match(l.err.at(-1) ?? '', /^sing list: E_STORE_CORRUPT: .*system\.json: the system manifest does not parse/);
  assert.equal(readFileSync(join(c.store, 'system.json'), 'utf8'), '{ garbage');
});
