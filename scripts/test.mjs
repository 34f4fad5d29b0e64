// Test runner: lint and type-check, then every *.test.ts under src/ and test/ through node's own
// runner with tsx. Fails when it finds no test files or when the runner reports no executed tests.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['src', 'test'];
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const skipLint = process.argv.includes('--no-lint');

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'node_modules' && name !== 'fixtures') walk(p, out); }
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
let files = roots.flatMap((r) => walk(r, []));
if (only.length > 0) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) { console.error('test: no test files found'); process.exit(1); }

if (!skipLint) {
  for (const [cmd, args] of [['npx', ['tsc', '--noEmit', '-p', '.']], ['npx', ['eslint', '.']]]) {
    console.log(`$ ${cmd} ${args.join(' ')}`);
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) { console.error(`test: ${args[0]} failed`); process.exit(r.status ?? 1); }
  }
}

const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './src/lib/preload-typescript.ts', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8' });
process.stdout.write(r.stdout);
const m = /ℹ tests (\d+)/.exec(r.stdout);
if (!m || Number(m[1]) === 0) { console.error('test: the runner executed no tests'); process.exit(1); }
process.exit(r.status ?? 1);
