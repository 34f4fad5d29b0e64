// A hand-edited system.json is obeyed whole or refused, never half-obeyed (issue #11, point 7):
// a misspelt field anywhere in it stops every command that reads it with E_STORE_CORRUPT naming
// the field's path, and nothing is overwritten; a misspelt parameter inside a boot entry (which
// only the program's manifest can tell) stops `sing run` before anything starts.
// (Every case of the schema itself: src/install/system.test.ts.)
// Rules: each test has its own world (store-kit.ts); the first runs the `sing` command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInstalled } from '../src/install/runner.ts';
import { SingError } from '../src/lib/error.ts';
import { CALC, hello, world } from './store-kit.ts';

const COUNTER = `import { defineProgram, i32 } from 'sing/runtime';

export default defineProgram({
  name: 'counter',
  parameters: { start: i32 },
  console: true,
  main({ params, console }) {
    console.log(\`counting from \${params.start}\`);
    return 0;
  },
});
`;

test('sing list, run, install and policy refuse a system.json with a misspelt field, naming it, and change nothing', () => {
  const w = world();
  assert.equal(w.sing('install', w.program('calc', CALC)).status, 0);
  const file = join(w.storeDir, 'system.json');
  const sys = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const edits: [string, Record<string, unknown>][] = [
    ['domains.servers.memroyMb: is not a field of a domain entry (known: kind, programs, memoryMb)', { ...sys, domains: { servers: { kind: 'process', programs: ['calc'], memroyMb: 1 } } }],
    ['boot[0].parms: is not a field of a boot entry (known: program, params, kernel)', { ...sys, boot: [{ program: 'calc', parms: {} }] }],
    ['policy.trustd: is not a field of the policy (known: trusted, limits, untrustedDomain)', { ...sys, policy: { trusted: [], trustd: ['calc'] } }],
  ];
  const other = w.program('other', hello('other', 'hi'));
  for (const [problem, edited] of edits) {
    const text = JSON.stringify(edited, null, 2);
    writeFileSync(file, text);
    for (const args of [['list'], ['run', 'calc'], ['install', other], ['policy', 'grant', 'calc']]) {
      const r = w.sing(...args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.err.join('\n')}`);
      assert.equal(r.err.at(-1), `sing ${args[0] as string}: E_STORE_CORRUPT: ${file}: the system manifest fails the schema: ${problem}`);
      assert.deepEqual(r.out, [], `${args.join(' ')} printed nothing`);
    }
    assert.equal(readFileSync(file, 'utf8'), text, 'nothing overwrote the file');
  }
});

test('a misspelt parameter in a boot entry stops sing run before anything starts', async () => {
  const w = world();
  await w.installer.install(w.program('counter', COUNTER));
  await w.installer.install(w.program('hello', hello('hello', 'hi')));
  w.store.writeSystem({ ...w.store.readSystem(), boot: [{ program: 'counter', params: { strat: 1 } }] });
  const lines: string[] = [];
  await assert.rejects(runInstalled(w.store, 'hello', { console: ({ text }) => { lines.push(text); } }), (e: unknown) => {
    assert.ok(e instanceof SingError && e.code === 'E_STORE_CORRUPT', String(e));
    assert.equal(e.message, `${join(w.storeDir, 'system.json')}: boot[0].params.strat: is not a parameter of counter (known: start)`);
    return true;
  });
  assert.equal(lines.length, 0, 'nothing started');
  w.store.writeSystem({ ...w.store.readSystem(), boot: [{ program: 'counter', params: { start: 1 } }] });
  const st = await runInstalled(w.store, 'hello', { console: ({ text }) => { lines.push(text); } });
  assert.equal(st.code, 0);
  assert.deepEqual(lines, ['counting from 1', 'hi']);
});
