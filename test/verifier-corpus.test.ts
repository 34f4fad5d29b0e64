// The verifier's corpus: programs that must be rejected, each with the diagnostics it must get,
// and programs that must pass. A program is `test/corpus/{reject,accept}/<name>.ts` (the entry of
// a one-file program) or a folder `<name>/` with `main.ts` as its entry. In a rejected program,
// each `// expect: SINGxxxx LINE[:COL]` line names one diagnostic; the full verifier must report
// exactly that set of (code, line) pairs — nothing missing, nothing extra — and the column when
// one is given. The leading digit of a rejected program's name is the rule it exercises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkProgram, formatDiagnostic } from '../src/verifier/index.ts';

const CORPUS = new URL('./corpus/', import.meta.url).pathname;

interface Case { readonly name: string; readonly root: string; readonly entry: string }

function cases(kind: 'reject' | 'accept'): Case[] {
  const dir = join(CORPUS, kind);
  return readdirSync(dir).sort().flatMap((name): Case[] => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return existsSync(join(p, 'main.ts')) ? [{ name, root: p, entry: 'main.ts' }] : [];
    return name.endsWith('.ts') ? [{ name, root: dir, entry: name }] : [];
  });
}

function expectations(c: Case): { code: string; line: number; col: number | undefined }[] {
  const text = readFileSync(join(c.root, c.entry), 'utf8');
  return [...text.matchAll(/^\s*\/\/\s*expect:\s*(SING\d{4})\s+(\d+)(?::(\d+))?\s*$/gm)].map((m) => ({
    code: m[1] as string, line: Number(m[2]), col: m[3] === undefined ? undefined : Number(m[3]),
  }));
}

const rejects = cases('reject');
const accepts = cases('accept');

test('the corpus has at least 60 programs to reject, covering every rule, and programs to accept', () => {
  assert.ok(rejects.length >= 60, `only ${rejects.length} rejected programs`);
  for (const rule of [1, 2, 3, 4, 5, 6]) assert.ok(rejects.some((c) => c.name.startsWith(`${rule}-`)), `no rejected program for rule ${rule}`);
  assert.ok(accepts.length >= 5, `only ${accepts.length} accepted programs`);
});

for (const c of rejects) {
  test(`rejects ${c.name}`, () => {
    const want = expectations(c);
    assert.ok(want.length > 0, `${c.name} has no // expect: lines`);
    const rule = c.name.split('-')[0] as string;
    assert.ok(want.some((w) => w.code.startsWith(`SING${rule}`)), `${c.name} expects nothing from rule ${rule}`);
    const got = checkProgram({ root: c.root, entry: c.entry }).diagnostics;
    const show = got.map(formatDiagnostic).join('\n');
    const key = (code: string, line: number): string => `${code}@${line}`;
    assert.deepEqual([...new Set(got.map((d) => key(d.code, d.line)))].sort(), [...new Set(want.map((w) => key(w.code, w.line)))].sort(), `diagnostics:\n${show}`);
    for (const w of want) {
      if (w.col === undefined) continue;
      assert.ok(got.some((d) => d.code === w.code && d.line === w.line && d.col === w.col), `${w.code} at ${w.line}:${w.col} expected; got:\n${show}`);
    }
    for (const d of got) assert.ok(d.message.length > 10, `an unhelpful message: ${formatDiagnostic(d)}`);
  });
}

for (const c of accepts) {
  test(`accepts ${c.name}`, () => {
    const r = checkProgram({ root: c.root, entry: c.entry });
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
    assert.ok(r.manifest !== undefined);
  });
}

// The programs that ship with Sing are held to the same rules. The producer demo is the exception
// on purpose: it uses a block after sending it, to show the run-time check (sing demo prints the
// verifier's verdict on it).
const REPO = new URL('../', import.meta.url).pathname;
const shipped: Case[] = [
  ...readdirSync(join(REPO, 'examples/demo')).sort().map((name) => ({ name: `examples/demo/${name}`, root: join(REPO, 'examples/demo', name), entry: 'main.ts' })),
  ...readdirSync(join(REPO, 'bench/programs')).sort().filter((name) => existsSync(join(REPO, 'bench/programs', name, 'main.ts')))
    .map((name) => ({ name: `bench/programs/${name}`, root: join(REPO, 'bench/programs', name === 'kvstore' ? 'kvstore' : ''), entry: name === 'kvstore' ? 'main.ts' : `${name}/main.ts` })),
  // Services share src/services/shared, so their program root is src/services.
  ...readdirSync(join(REPO, 'src/services')).sort().filter((name) => existsSync(join(REPO, 'src/services', name, 'main.ts')))
    .map((name) => ({ name: `src/services/${name}`, root: join(REPO, 'src/services'), entry: `${name}/main.ts` })),
  // The tools are one program a file.
  ...readdirSync(join(REPO, 'src/services/tools')).sort().filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => ({ name: `src/services/tools/${f}`, root: join(REPO, 'src/services'), entry: `tools/${f}` })),
];

for (const c of shipped) {
  test(`the shipped program ${c.name} ${c.name.endsWith('/producer') ? 'is refused for its use after move, and only that' : 'verifies clean'}`, () => {
    const got = checkProgram({ root: c.root, entry: c.entry }).diagnostics.map(formatDiagnostic);
    if (c.name.endsWith('/producer')) assert.deepEqual(got.map((l) => l.split(' ').slice(0, 2).join(' ')), ['main.ts:23:5 SING4001']);
    else assert.deepEqual(got, []);
  });
}
