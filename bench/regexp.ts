// What linear-time regular expressions cost (src/kernel/regexp.ts): ordinary regular expressions
// run by program code (in a compartment, after SES lockdown) in two kinds of process, side by side
// in alternating rounds: `before`, SES alone, and `after`, SES with Sing's setup (V8's fallback at
// BACKTRACKS_BEFORE_FALLBACK backtracks, and the run-time checks on patterns built from strings).
// Each round starts one fresh process of each kind (V8's flags are per process and apply to
// regular expressions created after they are set). Then, in an `after` process, what the
// fallback does to catastrophic patterns and to scans of large inputs.
// Rules: every figure is measured in this run; times are medians of the rounds, ratios medians of
// each round's after/before. Progress goes to stderr, the table to stdout.
// Standalone: `npx tsx bench/regexp.ts [--quick] [--json]`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatTable, median, progress, timeSync } from './measure.ts';

const SELF = fileURLToPath(import.meta.url);

/** Ordinary uses, as program source evaluated in a compartment: function bodies that return the
 * operation to time. */
const ORDINARY: Readonly<Record<string, string>> = {
  'replace /o/g, 900 chars': `const t = 'the quick brown fox jumps over the lazy dog, '.repeat(20); return () => t.replace(/o/g, '0').length`,
  'test /^\\w+$/': `return () => /^\\w+$/.test('hello_world')`,
  'exec /(\\d+)-(\\d+)/': `return () => /(\\d+)-(\\d+)/.exec('abc 123-456 def')[1]`,
  'match(/re/)': `return () => 'alpha, beta,gamma'.match(/b(e)ta/)[1]`,
  'match(string)': `return () => 'alpha, beta,gamma'.match('beta').index`,
  'search(/re/)': `return () => 'alpha, beta,gamma'.search(/gamma/)`,
  'split(/\\s*,\\s*/)': `return () => 'alpha, beta,gamma ,  delta'.split(/\\s*,\\s*/).length`,
  'matchAll(/\\w+/g)': `return () => { let n = 0; for (const _ of 'alpha, beta,gamma'.matchAll(/\\w+/g)) n++; return n; }`,
  'new RegExp(s).test': `let i = 0; return () => new RegExp('^item' + (i++ % 10) + '$').test('item3')`,
  'email search, 180-char line': `const l = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis'; return () => /(\\w+)@(\\w+)\\.com/.test(l)`,
  'email search, 4 KB text': `const l = 'lorem ipsum dolor sit amet consectetur adipiscing '.repeat(80); return () => /(\\w+)@(\\w+)\\.com/.test(l)`,
  'trim /^\\s+|\\s+$/g, 12 KB': `const l = '  ' + 'lorem ipsum dolor sit amet '.repeat(450) + '  '; return () => l.replace(/^\\s+|\\s+$/g, '').length`,
};

/** One-shot cases for the `after` process only (most would take seconds to minutes before). */
const ONCE: Readonly<Record<string, string>> = {
  '/^(a+)+$/ on 32 a\'s and a ! (94 s before)': `() => /^(a+)+$/.test('a'.repeat(32) + '!')`,
  '/(x+x+)+y/ on 10,000 x\'s': `() => /(x+x+)+y/.test('x'.repeat(10000))`,
  '/a*a*a*c/ on 100,000 a\'s (300 a\'s: 2.5 s before)': `() => /a*a*a*c/.test('a'.repeat(100000) + 'b')`,
  '/\\s+$/ on 10,000 spaces and an x': `() => /\\s+$/.test(' '.repeat(10000) + 'x')`,
  '/\\s+$/ on 100,000 spaces and an x (8 s before)': `() => /\\s+$/.test(' '.repeat(100000) + 'x')`,
  '/\\s+$/ on 1,000,000 spaces and an x': `() => /\\s+$/.test(' '.repeat(1000000) + 'x')`,
};

type Kind = 'before' | 'after';

async function child(kind: Kind, quick: boolean): Promise<void> {
  if (kind === 'after') {
    const { enableLinearRegExp } = await import('../src/kernel/regexp.ts');
    await import('ses');
    enableLinearRegExp();
  } else {
    await import('ses');
  }
  lockdown({ errorTaming: 'unsafe', overrideTaming: 'severe', consoleTaming: 'unsafe', evalTaming: 'safe-eval', domainTaming: 'unsafe' });
  const c = new Compartment();
  const out: Record<string, number> = {};
  for (const [name, src] of Object.entries(ORDINARY)) {
    const f = c.evaluate(`(() => { ${src} })()`) as () => unknown;
    out[name] = timeSync(f, { minMs: quick ? 60 : 200 });
  }
  if (kind === 'after') {
    for (const [name, src] of Object.entries(ONCE)) {
      const f = c.evaluate(`(${src})`) as () => unknown;
      const t = performance.now();
      f();
      out[name] = (performance.now() - t) * 1e6;
    }
  }
  process.stdout.write(JSON.stringify(out));
}

function runChild(kind: Kind, quick: boolean): Record<string, number> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', kind, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`bench/regexp.ts ${kind} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, number>;
}

export interface RegExpBenchRow { readonly case: string; readonly beforeNs: number; readonly afterNs: number; readonly ratio: number }

export function benchRegExp(opts: { readonly quick?: boolean } = {}): { ordinary: RegExpBenchRow[]; once: Record<string, number> } {
  const quick = opts.quick === true;
  const rounds = quick ? 3 : 7;
  const before: Record<string, number[]> = {};
  const after: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  const once: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    progress(`regexp: round ${r + 1} of ${rounds}`);
    const b = runChild('before', quick);
    const a = runChild('after', quick);
    for (const name of Object.keys(ORDINARY)) {
      (before[name] ??= []).push(b[name] as number);
      (after[name] ??= []).push(a[name] as number);
      (ratios[name] ??= []).push((a[name] as number) / (b[name] as number));
    }
    for (const name of Object.keys(ONCE)) (once[name] ??= []).push(a[name] as number);
  }
  return {
    ordinary: Object.keys(ORDINARY).map((name) => ({ case: name, beforeNs: median(before[name] ?? []), afterNs: median(after[name] ?? []), ratio: median(ratios[name] ?? []) })),
    once: Object.fromEntries(Object.keys(ONCE).map((name) => [name, median(once[name] ?? []) / 1e6])),
  };
}

const args = process.argv.slice(2);
if (process.argv[1] === SELF) {
  if (args[0] === '--child') await child(args[1] as Kind, args.includes('--quick'));
  else {
    const res = benchRegExp({ quick: args.includes('--quick') });
    if (args.includes('--json')) process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
    else {
      process.stdout.write(`${formatTable(res.ordinary.map((r) => ({ case: r.case, 'before ns': Math.round(r.beforeNs), 'after ns': Math.round(r.afterNs), 'after/before': r.ratio.toFixed(2) })))}\n\n`);
      process.stdout.write(`${formatTable(Object.entries(res.once).map(([k, ms]) => ({ 'after, once': k, ms: ms.toFixed(1) })))}\n`);
    }
  }
}
