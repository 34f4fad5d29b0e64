import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, findTransition, type CompiledContract, type StateNode } from './compiler.ts';
import { contract, compiledOf, inn, out, END, ContractError, type Contract } from './contract.ts';
import { array, enumOf, i32, record, str } from './field.ts';
import type { Snapshot } from './intern.ts';

// The DSL's types reject most broken contracts at compile time; these tests feed them in at run
// time, as an untyped caller (a program built without the type checker) could.
const untyped = contract as unknown as (name: string, def: unknown) => Contract;

function cc(c: unknown): CompiledContract {
  const r = compiledOf(c);
  assert.ok(r !== undefined, 'contract() must register a compiled form');
  return r;
}

/** Asserts that `contract(name, def)` throws a ContractError for `name` whose text matches every pattern. */
function rejects(name: string, def: unknown, ...patterns: RegExp[]): void {
  assert.throws(() => untyped(name, def), (e: unknown) => {
    assert.ok(e instanceof ContractError, `expected a ContractError, got ${String(e)}`);
    assert.equal(e.code, 'E_CONTRACT');
    assert.equal(e.contract, name);
    assert.ok(e.message.startsWith(`contract ${name}: `), `the message names the contract: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

function snap(name: string, def: Omit<Snapshot, 'name'>): Snapshot {
  return { name, ...def };
}

// ---------------------------------------------------------------------------------------------
// Rejections

test('a state naming an undeclared message is rejected, naming the state and the message', () => {
  rejects('CUndeclMsg', { messages: { A: inn(), B: out() }, initial: 'S', states: { S: { A: 'T' }, T: { Nope: 'S' } } },
    /state T/, /message Nope is not declared/);
});

test('a transition to an undeclared state is rejected, naming the state, message and target', () => {
  rejects('CUndeclTarget', { messages: { A: inn(), B: out() }, initial: 'S', states: { S: { A: 'Nowhere' } } },
    /state S/, /A leads to Nowhere, which is not declared/);
});

test('an unreachable state is an error for the DSL, naming the state and the initial state', () => {
  rejects('CUnreachable', {
    messages: { A: inn(), B: out() },
    initial: 'S',
    states: { S: { A: 'T' }, T: { B: 'S' }, Lost: { A: 'S' } },
  }, /state Lost cannot be reached from S/);
});

test('unreachable states are only a warning when the compiler is asked for warnings', () => {
  const c = compile(snap('CUnreachableWarn', {
    messages: { A: inn(), B: out() },
    initial: 'S',
    states: { S: { A: 'T' }, T: { B: 'S' }, Lost: { A: 'S' } },
  }), { unreachable: 'warning' });
  assert.ok(c.warnings.some((w) => /state Lost cannot be reached from S/.test(w)), c.warnings.join('\n'));
});

test('a one-direction self-loop is rejected with the cycle named (in direction)', () => {
  rejects('CSelfLoopIn', { messages: { Ping: inn() }, initial: 'Idle', states: { Idle: { Ping: 'Idle' } } },
    /cycle Idle -Ping-> Idle has only in messages/, /the importer could send forever/, /no queue bound/);
});

test('a one-direction self-loop is rejected with the cycle named (out direction)', () => {
  rejects('CSelfLoopOut', {
    messages: { Hello: inn(), Tick: out() },
    initial: 'Start',
    states: { Start: { Hello: 'Streaming' }, Streaming: { Tick: 'Streaming' } },
  }, /cycle Streaming -Tick-> Streaming has only out messages/, /the exporter could send forever/);
});

test('a longer one-direction cycle is rejected with every step named', () => {
  rejects('CLongCycleOut', {
    messages: { X: out(), Y: out(), Z: out(), Bye: inn() },
    initial: 'A',
    states: { A: { X: 'B' }, B: { Y: 'C' }, C: { Z: 'A', Bye: END } },
  }, /cycle A -X-> B -Y-> C -Z-> A has only out messages/);
  rejects('CLongCycleIn', {
    messages: { P: inn(), Q: inn(), Done: out() },
    initial: 'A',
    states: { A: { P: 'B' }, B: { Q: 'A', Done: END } },
  }, /cycle A -P-> B -Q-> A has only in messages/);
});

test('a one-direction cycle is rejected even when a two-direction cycle shares its states', () => {
  rejects('CHiddenCycle', {
    messages: { X: inn(), Y: inn(), Z: out() },
    initial: 'A',
    states: { A: { X: 'B' }, B: { Y: 'A', Z: 'A' } },
  }, /cycle A -X-> B -Y-> A has only in messages/);
});

test('cycles with a message in each direction are accepted', () => {
  const c = contract('CPingPong', {
    messages: { Ping: inn(), Pong: out() },
    initial: 'Idle',
    states: { Idle: { Ping: 'Busy' }, Busy: { Pong: 'Idle' } },
  });
  assert.equal(cc(c).name, 'CPingPong');
});

test('the initial state must be a declared state (and not END)', () => {
  rejects('CNoInitial', { messages: { A: inn() }, initial: 'Nope', states: { S: { A: END } } },
    /the initial state Nope is not declared/);
  rejects('CEndInitial', { messages: { A: inn() }, initial: END, states: { S: { A: END } } },
    /the initial state \$end is not declared/);
});

test('END is reserved: it cannot be declared as a state', () => {
  // The DSL refuses it already as a name ($ is not an identifier character)...
  rejects('CEndState', { messages: { A: inn() }, initial: 'S', states: { S: { A: END }, [END]: {} } }, /\$end/);
  // ...and the compiler, which tools call directly on snapshots, refuses it by rule.
  assert.throws(
    () => compile(snap('CEndStateRaw', { messages: { A: inn() }, initial: 'S', states: { S: { A: END }, [END]: {} } }), { unreachable: 'error' }),
    (e: unknown) => e instanceof ContractError && e.contract === 'CEndStateRaw' && /\$end is reserved for the end state/.test(e.message),
  );
});

// ---------------------------------------------------------------------------------------------
// Queue bounds

test('request/reply has a bound of 1 in each direction', () => {
  const c = cc(contract('CReqRep', {
    messages: { Req: inn({ q: str }), Rep: out({ a: str }) },
    initial: 'Idle',
    states: { Idle: { Req: 'Busy' }, Busy: { Rep: 'Idle' } },
  }));
  assert.deepEqual({ ...c.bounds }, { in: 1, out: 1 });
  assert.deepEqual(c.mixed, []);
  assert.deepEqual(c.warnings, []);
});

test('a chain of three in messages before an out gives an in-bound of 3', () => {
  const c = cc(contract('CChain3', {
    messages: { I1: inn(), I2: inn(), I3: inn(), O1: out() },
    initial: 'A',
    states: { A: { I1: 'B' }, B: { I2: 'C' }, C: { I3: 'D' }, D: { O1: 'A' } },
  }));
  assert.deepEqual({ ...c.bounds }, { in: 3, out: 1 });
});

test('the bound is the longest run over every branch, and runs may end at END', () => {
  const c = cc(contract('CBranches', {
    messages: { I1: inn(), I2: inn(), I3: inn(), I4: inn(), O1: out(), O2: out() },
    initial: 'A',
    states: {
      A: { I1: 'B', I2: 'D' },
      B: { I3: 'C' },
      C: { I4: 'D' },
      D: { O1: 'E' },
      E: { O2: 'A' },
    },
  }));
  // in: A -I1-> B -I3-> C -I4-> D (3); out: D -O1-> E -O2-> A (2); no state is mixed.
  assert.deepEqual(c.mixed, []);
  assert.deepEqual({ ...c.bounds }, { in: 3, out: 2 });

  const d = cc(contract('CToEnd', {
    messages: { Hello: inn(), Bye: inn() },
    initial: 'A',
    states: { A: { Hello: 'B' }, B: { Bye: END } },
  }));
  assert.deepEqual({ ...d.bounds }, { in: 2, out: 0 });
});

test('a mixed state is warned about and adds 1 to each bound', () => {
  const c = cc(contract('CMixed', {
    messages: { A: inn(), B: out(), C: inn() },
    initial: 'S',
    states: { S: { A: 'T', B: 'T' }, T: { C: END } },
  }));
  assert.deepEqual(c.mixed, ['S']);
  assert.ok(c.warnings.some((w) => /state S offers sends to both sides/.test(w)), c.warnings.join('\n'));
  // Without the mixed state: in = S -A-> T -C-> END (2), out = S -B-> T (1).
  assert.deepEqual({ ...c.bounds }, { in: 3, out: 2 });
});

test('a message no state uses is warned about, not rejected', () => {
  const c = cc(contract('CUnused', {
    messages: { Req: inn(), Rep: out(), Spare: out() },
    initial: 'Idle',
    states: { Idle: { Req: 'Busy' }, Busy: { Rep: 'Idle' } },
  }));
  assert.deepEqual(c.warnings, ['message Spare is declared but no state uses it']);
  assert.ok(c.byTag['Spare'] !== undefined, 'an unused message is still compiled');
});

// ---------------------------------------------------------------------------------------------
// Tables

test('states are dense with END last; nodes and transitions are linked for each side', () => {
  const c = cc(contract('CTables', {
    messages: { Add: inn({ a: i32 }), Mul: inn({ a: i32 }), Res: out({ v: i32 }), Bye: inn() },
    initial: 'Idle',
    states: { Idle: { Add: 'Busy', Mul: 'Busy', Bye: END }, Busy: { Res: 'Idle' } },
  }));
  assert.deepEqual(c.states, ['Idle', 'Busy', END]);
  assert.equal(c.initial, 0);
  assert.equal(c.end, 2);
  assert.deepEqual(c.messages.map((m) => `${m.dir} ${m.tag}`), ['in Add', 'in Mul', 'out Res', 'in Bye']);

  const imp = c.impNodes;
  const exp = c.expNodes;
  assert.equal(imp.length, 3);
  assert.deepEqual(imp.map((n: StateNode) => [n.index, n.name]), [[0, 'Idle'], [1, 'Busy'], [2, END]]);

  // The importer sends Add, Mul, Bye from Idle, linked in declaration order.
  const tags: string[] = [];
  for (let t = imp[0]?.send ?? null; t !== null; t = t.link) tags.push(t.msg.tag);
  assert.deepEqual(tags, ['Add', 'Mul', 'Bye']);
  // The exporter sends nothing from Idle; the importer nothing from Busy; nobody from END.
  assert.equal(exp[0]?.send, null);
  assert.equal(imp[1]?.send, null);
  assert.equal(imp[2]?.send, null);
  assert.equal(exp[2]?.send, null);

  const add = findTransition(imp[0] as StateNode, 'Add');
  assert.ok(add !== null);
  assert.equal(add.msg, c.byTag['Add']);
  assert.equal(add.from, 0);
  assert.equal(add.next, 1);
  assert.equal(add.to, imp[1], "the sender's node after sending");
  assert.equal(add.peerFrom, exp[0], "the receiver's node before receiving");
  assert.equal(add.peerTo, exp[1], "the receiver's node after receiving");
  assert.equal(findTransition(imp[0] as StateNode, 'Res'), null, 'the importer cannot send an out message');
  assert.equal(findTransition(imp[0] as StateNode, 'toString'), null);

  const res = findTransition(exp[1] as StateNode, 'Res');
  assert.ok(res !== null);
  assert.equal(res.to, exp[0]);
  assert.equal(res.peerFrom, imp[1]);
  assert.equal(res.peerTo, imp[0]);

  const bye = findTransition(imp[0] as StateNode, 'Bye');
  assert.equal(bye?.to, imp[2]);

  // The per-state tables list the same transitions.
  assert.deepEqual(c.impSend[0]?.map((t) => t.msg.tag), ['Add', 'Mul', 'Bye']);
  assert.deepEqual(c.expRecv[0]?.map((t) => t.msg.tag), ['Add', 'Mul', 'Bye']);
  assert.deepEqual(c.expSend[1]?.map((t) => t.msg.tag), ['Res']);
  assert.deepEqual(c.impRecv[1]?.map((t) => t.msg.tag), ['Res']);
  assert.deepEqual(c.impSend[2], []);

  assert.ok(Object.isFrozen(c) && Object.isFrozen(add) && Object.isFrozen(imp[0]) && Object.isFrozen(c.byTag));
});

test('compiled messages build the receiver object and return null on a bad payload', () => {
  const c = cc(contract('CBuild', {
    messages: { Put: inn({ n: i32, s: str, r: record({ x: i32 }), xs: array(i32, 2) }), Ok: out() },
    initial: 'Idle',
    states: { Idle: { Put: 'Busy' }, Busy: { Ok: 'Idle' } },
  }));
  const put = c.byTag['Put'];
  const ok = c.byTag['Ok'];
  assert.ok(put !== undefined && ok !== undefined);
  const r = { x: 1 };
  const xs = [1, 2];
  const m = put.build({ n: 1, s: 'a', r, xs, extra: true });
  assert.ok(m !== null);
  assert.deepEqual({ ...m }, { tag: 'Put', ep: undefined, n: 1, s: 'a', r: { x: 1 }, xs: [1, 2] });
  assert.notEqual(m['r'], r, 'records are copied');
  assert.notEqual(m['xs'], xs, 'arrays are copied');
  assert.equal(put.build({ n: 1.5, s: 'a', r, xs }), null);
  assert.equal(put.build({ n: 1, s: 'a', r: { x: 'no' }, xs }), null);
  assert.equal(put.build({ n: 1, s: 'a', r, xs: [1, 2, 3] }), null);
  assert.equal(put.build({ s: 'a', r, xs }), null);
  assert.equal(put.build(null), null);
  assert.equal(put.build('Put'), null);
  assert.deepEqual({ ...(ok.build(undefined) ?? {}) }, { tag: 'Ok', ep: undefined });
});

// ---------------------------------------------------------------------------------------------
// Fingerprints

const baseDef = {
  messages: { Req: inn({ n: i32, xs: array(str, 4) }), Rep: out({ v: i32 }), Bye: inn() },
  initial: 'Idle',
  states: { Idle: { Req: 'Busy', Bye: END }, Busy: { Rep: 'Idle' } },
};

test('identical contracts have equal fingerprints', () => {
  const a = compile(snap('CFp', baseDef), { unreachable: 'error' });
  const b = compile(snap('CFp', structuredCloneDef()), { unreachable: 'error' });
  assert.notEqual(a, b);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.equal(cc(untyped('CFpDsl', baseDef)).fingerprint, cc(untyped('CFpDsl', structuredCloneDef())).fingerprint);
});

/** The same definition as baseDef, rebuilt from fresh objects (field types are shared singletons or rebuilt). */
function structuredCloneDef(): typeof baseDef {
  return {
    messages: { Req: inn({ n: i32, xs: array(str, 4) }), Rep: out({ v: i32 }), Bye: inn() },
    initial: 'Idle',
    states: { Idle: { Req: 'Busy', Bye: END }, Busy: { Rep: 'Idle' } },
  };
}

test('fingerprints differ when anything differs', () => {
  const fp = (name: string, def: Omit<Snapshot, 'name'>): string => compile(snap(name, def), { unreachable: 'error' }).fingerprint;
  const base = fp('CFp', baseDef);
  const variants: [string, string][] = [
    ['name', fp('CFp2', baseDef)],
    ['direction', fp('CFp', { ...baseDef, messages: { ...baseDef.messages, Bye: out() } })],
    ['message tag', fp('CFp', {
      ...baseDef,
      messages: { Req: baseDef.messages.Req, Rep: baseDef.messages.Rep, Quit: inn() },
      states: { Idle: { Req: 'Busy', Quit: END }, Busy: { Rep: 'Idle' } },
    })],
    ['field name', fp('CFp', { ...baseDef, messages: { ...baseDef.messages, Rep: out({ w: i32 }) } })],
    ['field type', fp('CFp', { ...baseDef, messages: { ...baseDef.messages, Rep: out({ v: str }) } })],
    ['array length', fp('CFp', { ...baseDef, messages: { ...baseDef.messages, Req: inn({ n: i32, xs: array(str, 5) }) } })],
    ['extra field', fp('CFp', { ...baseDef, messages: { ...baseDef.messages, Rep: out({ v: i32, w: i32 }) } })],
    ['initial', fp('CFp', { ...baseDef, initial: 'Busy' })],
    ['target', fp('CFp', { ...baseDef, states: { Idle: { Req: 'Busy', Bye: 'Busy' }, Busy: { Rep: 'Idle' } } })],
    ['state name', fp('CFp', { ...baseDef, states: { Idle: { Req: 'Working', Bye: END }, Working: { Rep: 'Idle' } } })],
    ['transition', fp('CFp', { ...baseDef, states: { Idle: { Req: 'Busy' }, Busy: { Rep: 'Idle', Bye: END } } })],
  ];
  for (const [what, v] of variants) assert.notEqual(v, base, `a different ${what} must change the fingerprint`);
  assert.equal(new Set(variants.map(([, v]) => v)).size, variants.length, 'the variants are pairwise distinct');
});

test('fingerprints differ for enum fields with different value sets', () => {
  const fp = (name: string, def: Omit<Snapshot, 'name'>): string => compile(snap(name, def), { unreachable: 'error' }).fingerprint;
  const one = fp('CFpEnum', { messages: { M: inn({ v: enumOf('a|b') }) }, initial: 'S', states: { S: { M: END } } });
  const two = fp('CFpEnum', { messages: { M: inn({ v: enumOf('a', 'b') }) }, initial: 'S', states: { S: { M: END } } });
  assert.notEqual(one, two);
});
