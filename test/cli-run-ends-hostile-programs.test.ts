// `sing run` of a hostile program exits non-zero, saying why (issue #12, "Evidence"): programs of
// the hostile corpus (test/hostile/programs/budgets.ts) that go over their memory budget, fast
// through a metered builtin or slowly across turns, or hold the kernel's thread past a turn, are
// installed in a fresh store and run with the `sing` command as a child process (what `npx sing`
// starts: bin/sing.js), in the kernel domain (the default policy). The command must end on its own
// with exit status 1 and a line on stderr naming the program, the reason (memory or fuel) and its
// code, and print nothing the program would have printed after the point where it was stopped.
// Rules: one world (store-kit.ts) for the file, installed through the installer (the same
// verification as `sing install`); each run is bounded by a generous limit (the 30 s), and
// nothing asserts how long it took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from './kit.ts';
import { world, type Ran } from './store-kit.ts';
import { EXPECTED, PROGRAMS } from './hostile/programs/budgets.ts';

/** The runs: a program of the corpus and what it shows. */
const RUNS: readonly { readonly name: keyof typeof PROGRAMS; readonly what: string }[] = [
  { name: 'fill', what: 'a memory bomb in one metered call (new Array(2 ** 27).fill(1))' },
  { name: 'rows', what: 'a slow leak across many turns (rows of strings)' },
  { name: 'scan', what: 'a loop around a slow builtin (indexOf over a long string)' },
  { name: 'sorting', what: 'a turn held by sorting a million numbers again and again' },
];

const w = world();
let installed: Promise<void> | undefined;
/** Installs the programs once, on first use (inside a test, so a failure is reported as one). */
function install(): Promise<void> {
  installed ??= (async () => {
    for (const { name } of RUNS) await w.installer.install(w.program(name, PROGRAMS[name]));
  })();
  return installed;
}

for (const { name, what } of RUNS) {
  const [reason, code] = EXPECTED[name] ?? ['?', '?'];
  test(`sing run ${name}, ${what}: exits 1 saying ${reason} (${code})`, async () => {
    await install();
    const run = w.singLater('run', name);
    const ran: Ran = await within(run.done, `sing run ${name} to exit`, 30_000);
    const said = [...ran.out, ...ran.err].join('\n');
    assert.equal(ran.status, 1, `sing run ${name} exits 1 (it ended with ${String(ran.status)}):\n${said}`);
    const line = ran.err.find((l) => l.startsWith(`${name}[`));
    assert.ok(line !== undefined, `a line on stderr names the program:\n${said}`);
    assert.match(line, new RegExp(`^${name}\\[\\d+\\] failed \\(${reason}\\): ${code}: process ${name}\\[\\d+\\]: `));
    assert.match(line, reason === 'memory' ? /memory budget of 64\.0 MiB/ : /turn|fuel/);
    assert.deepEqual(ran.out, [], 'the program printed nothing (it was stopped before its first line)');
  });
}
