// Rule 5 (protocol): each code on a program that breaks it, and silence on look-alikes that do not.
// The type rule runs too, so a test also sees whether the TypeScript error was claimed (no SING1001).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lines, verifySource } from '../../test/verifier-kit.ts';
import { protocolRule } from './protocol.ts';
import { typesRule } from './types.ts';

const check = (src: string): string[] => lines(verifySource(src, { rules: [protocolRule, typesRule] }));
const only = (ls: readonly string[], code: string): string[] => ls.filter((l) => l.includes(` ${code} `));

/** A client of /service/calc whose main body is `body` (calc: Imp<Calculator, 'Start'>). */
const client = (body: string, head = ''): string => `
import { defineProgram, select, i32, contract, inn, out, END } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
${head}
export default defineProgram({
  name: 'p',
  imports: { calc: Calculator.imp('/service/calc') },
  parameters: { a: i32 },
  async main({ calc, params, abi }) {
    void params; void abi; void select;
${body}
  },
});
`;

const BUSY = `    const ready = await calc.expect('Ready');
    const m = await ready.ep.send('Add', { a: 1, b: 2 }).receive();`;

test('SING5001: a receive switch without $closed is reported with the contract and state', () => {
  const ls = check(client(`${BUSY}
    switch (m.tag) {
      case 'Sum': m.ep.send('Bye'); return 0;
    }
    return 1;`));
  assert.deepEqual(ls.map((l) => l.split(' ')[1]), ['SING5001'], ls.join('\n'));
  assert.match(ls[0] ?? '', /main\.ts:13:5 SING5001 receive on ready\.ep\.send\(\.\.\.\) \(Calculator, state Busy\) does not handle \$closed/);
});

test('SING5001: a missing message tag is named, $closed too', () => {
  const ls = check(client(`    const r = await calc.receive();
    switch (r.tag) {
      case 'Ready': r.ep.send('Bye'); return 0;
    }
    const m = await calc.receive();
    switch (m.tag) {
      case '$closed': return 2;
    }
    return 1;`));
  assert.equal(only(ls, 'SING5001').length, 2, ls.join('\n'));
  assert.match(ls[0] ?? '', /receive on calc \(Calculator, state Start\) does not handle \$closed/);
  assert.match(ls[1] ?? '', /does not handle Ready:/);
});

test('SING5001 look-alikes: complete switches, default:, narrowed unions and a program\'s own tags', () => {
  const ls = check(client(`${BUSY}
    switch (m.tag) {
      case 'Sum': m.ep.send('Bye'); return 0;
      case '$closed': return 1;
    }`));
  assert.deepEqual(ls, []);
  assert.deepEqual(check(client(`${BUSY}
    switch (m.tag) {
      case 'Sum': m.ep.send('Bye'); return 0;
      default: return 1;
    }`)), []);
  // After the if, $closed is no longer possible: the switch need not (cannot) handle it.
  assert.deepEqual(check(client(`${BUSY}
    if (m.tag === '$closed') return 1;
    switch (m.tag) {
      case 'Sum': m.ep.send('Bye'); return 0;
    }`)), []);
  assert.deepEqual(check(client(`    type Own = { tag: 'a' } | { tag: 'b' };
    const o = (params.a > 0 ? { tag: 'a' } : { tag: 'b' }) as Own;
    switch (o.tag) { case 'a': return 1; }
    calc.close();
    return 0;`)), []);
});

test('SING5001: a select must also handle its timeout', () => {
  const ls = check(client(`    const s = await select([calc], { timeoutMs: 10 });
    switch (s.msg.tag) {
      case 'Ready': s.msg.ep.send('Bye'); return 0;
      case '$closed': return 1;
    }
    return 2;`));
  assert.deepEqual(ls.map((l) => l.split(' ')[1]), ['SING5001'], ls.join('\n'));
  assert.match(ls[0] ?? '', /select on \[calc\] \(Calculator, state Start\) does not handle \$timeout: .*the timeout/);
});

test('SING5002: sending a message the state does not allow names what may be sent', () => {
  const ls = check(client(`    const ready = await calc.expect('Ready');
    ready.ep.send('Sum', { value: 3 });
    return 0;`));
  assert.deepEqual(ls.map((l) => l.split(' ')[1]), ['SING5002'], ls.join('\n'));
  assert.match(ls[0] ?? '', /main\.ts:12:/);
  assert.match(ls[0] ?? '', /Calculator in state Idle does not allow sending Sum on ready\.ep \(the importer may send Add, Bye here\)/);
});

test('SING5002: the side matters: the exporter may send nothing while Idle', () => {
  const ls = check(`
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
export default defineProgram({
  name: 's',
  endpoints: { ep: Calculator.exp() },
  main({ ep }) {
    const idle = ep.send('Ready');
    idle.send('Bye');
  },
});
`);
  assert.deepEqual(ls.map((l) => l.split(' ')[1]), ['SING5002'], ls.join('\n'));
  assert.match(ls[0] ?? '', /Calculator in state Idle does not allow sending Bye on idle \(the exporter may send nothing here\)/);
});

test('SING5002 look-alikes: an allowed send, and a program\'s own send method', () => {
  assert.deepEqual(check(client(`    const ready = await calc.expect('Ready');
    ready.ep.send('Bye');
    return 0;`)), []);
  const ls = check(client(`    const box = { send(tag: 'x'): void { void tag; } };
    box.send('x');
    calc.close();
    return 0;`));
  assert.deepEqual(ls, []);
  const own = check(client(`    const box = { send(tag: 'x'): void { void tag; } };
    box.send('z' as string as 'q');
    calc.close();`));
  assert.deepEqual(own.map((l) => l.split(' ')[1]), ['SING1001'], own.join('\n'));
});

test('SING5003: expect, a case label and a tag test for a message that cannot arrive', () => {
  const ls = check(client(`    const r = await calc.expect('Sum');
    void r;
    const m2 = await calc.receive();
    switch (m2.tag) {
      case 'Ready': m2.ep.send('Bye'); return 0;
      case 'Sum': return 3;
      case '$closed': return 1;
    }`));
  const got = only(ls, 'SING5003');
  assert.equal(got.length, 2, ls.join('\n'));
  assert.equal(ls.length, 2, ls.join('\n'));
  assert.match(got[0] ?? '', /main\.ts:11:\d+ SING5003 Sum cannot arrive on calc: in Calculator state Start, the importer may receive only Ready/);
  assert.match(got[1] ?? '', /case 'Sum' cannot match: receive on calc \(Calculator, state Start\) is one of Ready, \$closed here/);
  const cmp = check(client(`${BUSY}
    if (m.tag === 'Ready') return 3;
    if (m.tag === 'Sum') m.ep.send('Bye');
    return 0;`));
  assert.deepEqual(cmp.map((l) => l.split(' ')[1]), ['SING5003'], cmp.join('\n'));
  assert.match(cmp[0] ?? '', /m cannot be Ready here/);
});

test('SING5003 look-alikes: expect and cases the state can deliver', () => {
  assert.deepEqual(check(client(`    const r = await calc.expect('Ready');
    const m = await r.ep.send('Add', { a: 1, b: 1 }).receive();
    if (m.tag !== 'Sum') return 1;
    m.ep.send('Bye');
    return 0;`)), []);
});

test('SING5004: sending after the conversation ended', () => {
  const ls = check(client(`    const r = await calc.expect('Ready');
    const done = r.ep.send('Bye');
    done.send('Bye');
    return 0;`));
  assert.deepEqual(ls.map((l) => l.split(' ')[1]), ['SING5004'], ls.join('\n'));
  assert.match(ls[0] ?? '', /done may not send Bye: its Calculator conversation is finished \(state \$end\)/);
  // Look-alike: the ended endpoint is only dropped, nothing is sent on it.
  assert.deepEqual(check(client(`    const r = await calc.expect('Ready');
    const done = r.ep.send('Bye');
    void done.state;
    return 0;`)), []);
});

test('SING5005: a payload with a missing, extra or mistyped field, or none at all', () => {
  const ls = check(client(`    const r = await calc.expect('Ready');
    if (params.a === 1) r.ep.send('Add', { a: 1 });
    if (params.a === 2) r.ep.send('Add', { a: 1, b: 2, c: 3 });
    if (params.a === 3) r.ep.send('Add', { a: 'one', b: 2 });
    if (params.a === 4) r.ep.send('Add');
    return 0;`));
  const got = only(ls, 'SING5005');
  assert.equal(got.length, 4, ls.join('\n'));
  assert.equal(ls.length, 4, ls.join('\n'));
  for (const l of got) assert.match(l, /Add takes \{ a: i32, b: i32 \} \(r\.ep, Calculator in state Idle\)/);
  assert.deepEqual(got.map((l) => l.split(':')[1]), ['12', '13', '14', '15']);
});

test('SING5005 look-alike: a type error inside a correct payload stays the program\'s own', () => {
  const ls = check(client(`    const r = await calc.expect('Ready');
    const s: string = 'x';
    r.ep.send('Add', { a: Math.max(1, s), b: 2 }).close();
    return 0;`));
  assert.deepEqual(ls.map((l) => l.split(' ')[1]), ['SING1001'], ls.join('\n'));
  // An unknown name as the whole payload starts where the payload does, and is still not a
  // protocol error.
  const named = check(client(`    const r = await calc.expect('Ready');
    r.ep.send('Add', nowhere).close();
    return 0;`));
  assert.deepEqual(named.map((l) => l.split(' ')[1]), ['SING1001'], named.join('\n'));
  assert.match(named[0] ?? '', /Cannot find name 'nowhere'/);
});

test('a contract declared in the program is named by its declaration', () => {
  const ls = check(`
import { defineProgram, contract, inn, out, END, i32 } from 'sing/runtime';
const Ping = contract('Ping', {
  messages: { Go: inn({ n: i32 }), Done: out() },
  initial: 'A',
  states: { A: { Go: 'B' }, B: { Done: END } },
});
export default defineProgram({
  name: 'own',
  endpoints: { ep: Ping.imp() },
  async main({ ep }) {
    const m = await ep.send('Go', { n: 1 }).receive();
    switch (m.tag) { case 'Done': return 0; }
    return 1;
  },
});
`);
  assert.deepEqual(ls.map((l) => l.split(' ')[1]), ['SING5001'], ls.join('\n'));
  assert.match(ls[0] ?? '', /receive on ep\.send\(\.\.\.\) \(Ping, state B\) does not handle \$closed/);
});

test('a listener\'s messages are named after the provider contract', () => {
  const ls = check(`
import { defineProgram } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
export default defineProgram({
  name: 'svc',
  exports: { calc: Calculator.exp('/service/calc') },
  async main({ calc }) {
    const m = await calc.receive();
    switch (m.tag) { case 'Connect': m.ep.send('Accept').close(); m.client.close(); return 0; }
    return 1;
  },
});
`);
  assert.deepEqual(ls.map((l) => l.split(' ')[1]), ['SING5001'], ls.join('\n'));
  assert.match(ls[0] ?? '', /receive on calc \(Provider\.Calculator, state Ready\) does not handle \$closed/);
});
