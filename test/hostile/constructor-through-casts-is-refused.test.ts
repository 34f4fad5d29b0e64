// Issue #11, point 6: the verifier's constructor rule follows casts. `castctor` reaches for the
// Function constructor through a value typed `unknown` and cast (`as`, `<T>`, `satisfies` and
// `!`, optional chaining, element access, destructuring, a variable typed as a plain object):
// the verifier refuses every attempt with SING2003 and nothing else. Compiled anyway (a host can
// load an image without the installer), it runs beside the neighbours
// (test/hostile/neighbours.ts) and gets nothing: the compartment refuses the Function constructor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { said, within } from '../kit.ts';
import { codes, lines, verifySource } from '../verifier-kit.ts';
import { neighbours } from './neighbours.ts';
import { CASTCTOR, PROGRAMS } from './programs/constructor.ts';

const FIXTURES = {
  'contracts.ts': readFileSync(new URL('../fixtures/contracts.ts', import.meta.url), 'utf8'),
  'probe.ts': readFileSync(new URL('../fixtures/probe.ts', import.meta.url), 'utf8'),
};
const ATTEMPTS = ['as', 'angle', 'optional', 'element', 'satisfies-nonnull', 'destructured', 'variable'];

test('castctor: the verifier refuses every cast that hides a function\'s constructor, with SING2003', () => {
  const ds = verifySource({ 'main.ts': CASTCTOR, ...FIXTURES });
  assert.deepEqual([...new Set(codes(ds))], ['SING2003'], lines(ds).join('\n'));
  // One attempt per line of attempts(), each refused at least once.
  const first = CASTCTOR.split('\n').findIndex((l) => l.includes("['as',")) + 1;
  const refusedLines = new Set(ds.map((d) => d.line));
  for (let i = 0; i < ATTEMPTS.length; i++) assert.ok(refusedLines.has(first + i), `${ATTEMPTS[i] as string} (line ${first + i}) is refused:\n${lines(ds).join('\n')}`);
});

test('castctor, compiled without the verifier: every attempt is refused at run time, beside working neighbours', async () => {
  const n = await neighbours(PROGRAMS);
  const s = n.k.spawn('castctor');
  const st = await within(s.join(), 'castctor to end');
  assert.equal(st.state, 'exited', `it ended ${st.reason}`);
  const out = said(n, s.pid);
  assert.deepEqual(out.filter((l) => l.includes(' ran ')), [], 'no attempt compiled code');
  assert.deepEqual(out.map((l) => l.split(' ')[0]), ATTEMPTS);
  for (const l of out) assert.match(l, / refused TypeError$/);
  await n.finish();
});
