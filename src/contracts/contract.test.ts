import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contract, compiledOf, endpointOf, inn, out, END, ContractError, isEndpointDecl, type Contract } from './contract.ts';
import { array, enumOf, i32, isFieldType, record, str, type FieldType } from './field.ts';

const untyped = contract as unknown as (name: string, def: unknown) => Contract;

function calcDef() {
  return {
    messages: { Ready: out(), Add: inn({ a: i32, b: i32 }), Sum: out({ value: i32 }), Bye: inn() },
    initial: 'Start',
    states: { Start: { Ready: 'Idle' }, Idle: { Add: 'Busy', Bye: END }, Busy: { Sum: 'Idle' } },
  } as const;
}

function contractError(name: string, ...patterns: RegExp[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof ContractError, `expected a ContractError, got ${String(e)}`);
    assert.equal(e.code, 'E_CONTRACT');
    assert.equal(e.contract, name);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

// ---------------------------------------------------------------------------------------------
// Interning

test('identical definitions intern to the same contract object and compiled form', () => {
  const a = contract('KCalc', calcDef());
  const b = contract('KCalc', calcDef());
  assert.equal(a, b);
  assert.equal(compiledOf(a), compiledOf(b));
  assert.ok(Object.isFrozen(a));
  // Field types with the same description are interchangeable (for example, two record() calls).
  const r1 = contract('KRec', { messages: { P: inn({ r: record({ x: i32 }) }) }, initial: 'S', states: { S: { P: END } } });
  const r2 = contract('KRec', { messages: { P: inn({ r: record({ x: i32 }) }) }, initial: 'S', states: { S: { P: END } } });
  assert.equal(r1, r2);
});

test('different definitions with the same name do not intern together', () => {
  const a = contract('KCalc2', calcDef());
  const def = calcDef();
  const b = contract('KCalc2', { ...def, messages: { ...def.messages, Sum: out({ value: str }) } });
  const c = contract('KCalc2', { ...def, states: { ...def.states, Idle: { Add: 'Busy', Bye: 'Start' } } });
  assert.notEqual(a, b);
  assert.notEqual(a, c);
  assert.notEqual(b, c);
  assert.notEqual(compiledOf(a)?.fingerprint, compiledOf(b)?.fingerprint);
  // Each is found again by an identical definition.
  assert.equal(contract('KCalc2', { ...def, messages: { ...def.messages, Sum: out({ value: str }) } }), b);
  assert.equal(contract('KCalc2', calcDef()), a);
  // The same definition under another name is another contract.
  assert.notEqual(contract('KCalc3', calcDef()), a);
});

test('enum fields with different value sets do not intern together', () => {
  const one = contract('KEnum', { messages: { M: inn({ v: enumOf('a|b') }) }, initial: 'S', states: { S: { M: END } } });
  const two = contract('KEnum', { messages: { M: inn({ v: enumOf('a', 'b') }) }, initial: 'S', states: { S: { M: END } } });
  assert.notEqual(one, two);
  assert.notEqual(compiledOf(two)?.byTag['M']?.build({ v: 'a' }), null, 'the second contract accepts its own values');
});

// ---------------------------------------------------------------------------------------------
// Snapshots

test('a definition with getters is read once; later reads and mutations do not reach the contract', () => {
  const states: Record<string, Record<string, string>> = { S: { A: 'T' }, T: { B: 'S' } };
  let reads = 0;
  const def = {
    messages: { A: inn(), B: out() },
    initial: 'S',
    get states() {
      reads++;
      // A second read would see a broken table.
      return reads === 1 ? states : { S: { Nope: 'Nowhere' } };
    },
  };
  const c = untyped('KGetter', def);
  assert.equal(reads, 1);
  assert.notEqual(c.states, states, 'the contract holds a snapshot, not the caller object');
  assert.ok(Object.isFrozen(c.states) && Object.isFrozen(c.states['S']) && Object.isFrozen(c.messages));
  const before = compiledOf(c)?.fingerprint;
  (states['S'] as Record<string, string>)['A'] = 'S';
  (states['T'] as Record<string, string>)['Extra'] = 'S';
  assert.deepEqual({ ...c.states['S'] }, { A: 'T' });
  assert.deepEqual(Object.keys(c.states['T'] ?? {}), ['B']);
  assert.equal(compiledOf(c)?.fingerprint, before);
});

test('a proxy definition has each part read once', () => {
  const reads: string[] = [];
  const target = {
    messages: { A: inn(), B: out() },
    initial: 'S',
    states: { S: { A: 'T' }, T: { B: 'S' } },
  };
  const traced = <T extends object>(where: string, o: T): T => new Proxy(o, {
    get(t, k, r) { reads.push(`${where}.${String(k)}`); return Reflect.get(t, k, r) as unknown; },
  });
  const def = traced('def', { ...target, states: traced('states', target.states) });
  const c = untyped('KProxy', def);
  const count = (k: string): number => reads.filter((r) => r === k).length;
  assert.equal(count('def.messages'), 1);
  assert.equal(count('def.states'), 1);
  assert.equal(count('def.initial'), 1);
  assert.equal(count('states.S'), 1);
  assert.equal(count('states.T'), 1);
  assert.deepEqual(Object.keys(c.states), ['S', 'T']);
});

// ---------------------------------------------------------------------------------------------
// Names and fields

test('reserved field names tag, ep (and then) are rejected', () => {
  for (const f of ['tag', 'ep', 'then']) {
    assert.throws(
      () => untyped(`KReserved_${f}`, { messages: { M: inn({ [f]: i32 }) }, initial: 'S', states: { S: { M: END } } }),
      contractError(`KReserved_${f}`, new RegExp(`message M: field name "${f}" is reserved`)),
    );
  }
});

test('names that are not identifiers are rejected', () => {
  for (const name of ['', '1abc', 'a-b', 'a b', 'a/b', '$x']) {
    assert.throws(() => untyped(name, calcDef()), contractError(name, /the name must be an identifier/));
  }
  assert.throws(() => untyped(42 as unknown as string, calcDef()), (e: unknown) => e instanceof ContractError);
  assert.equal(contract('sing.KDotted', calcDef()).name, 'sing.KDotted', 'dots are allowed in contract names');

  assert.throws(
    () => untyped('KBadMsg', { messages: { 'my-msg': inn() }, initial: 'S', states: { S: { 'my-msg': END } } }),
    contractError('KBadMsg', /message "my-msg": a message name must be an identifier/),
  );
  assert.throws(
    () => untyped('KBadState', { messages: { M: inn() }, initial: 'S', states: { S: { M: 'has space' }, 'has space': {} } }),
    contractError('KBadState', /state "has space": a state name must be an identifier/),
  );
  assert.throws(
    () => untyped('KBadField', { messages: { M: inn({ 'x-y': i32 }) }, initial: 'S', states: { S: { M: END } } }),
    contractError('KBadField', /field name "x-y" is reserved or not an identifier/),
  );
});

test('a field named __proto__ is either rejected or delivered', () => {
  let c: Contract;
  try {
    c = untyped('KProto', { messages: { M: inn({ ['__proto__']: i32 }) }, initial: 'S', states: { S: { M: END } } });
  } catch (e) {
    assert.ok(e instanceof ContractError);
    return; // rejecting the name is a fine fix
  }
  const m = compiledOf(c)?.byTag['M']?.build(JSON.parse('{"__proto__": 5}'));
  assert.ok(m !== null && m !== undefined);
  assert.ok(Object.hasOwn(m, '__proto__'), 'the received message carries the field');
});

test('malformed definitions are rejected with the rule', () => {
  assert.throws(() => untyped('KNotObj', null), contractError('KNotObj', /must be an object/));
  assert.throws(() => untyped('KNoMsgs', { initial: 'S', states: {} }), contractError('KNoMsgs', /messages must be an object/));
  assert.throws(() => untyped('KNoInit', { messages: {}, states: {} }), contractError('KNoInit', /initial must name a state/));
  assert.throws(
    () => untyped('KBadDir', { messages: { M: { dir: 'sideways', fields: {} } }, initial: 'S', states: { S: { M: END } } }),
    contractError('KBadDir', /message M: must be inn\(\.\.\.\) or out\(\.\.\.\)/),
  );
  assert.throws(
    () => untyped('KBadTarget', { messages: { M: inn() }, initial: 'S', states: { S: { M: 7 } } }),
    contractError('KBadTarget', /state S: the target of M must be a state name or END/),
  );
});

test('forged field types are rejected by contract(), record() and array()', () => {
  const forged = { kind: 'i32', describe: 'i32', check: () => true, take: (v: unknown) => v } as const;
  const lookalike = { ...i32 };
  assert.equal(isFieldType(forged), false);
  assert.equal(isFieldType(lookalike), false);
  for (const [name, f] of [['KForged', forged], ['KLookalike', lookalike]] as const) {
    assert.throws(
      () => contract(name, { messages: { M: inn({ x: f as FieldType<number> }) }, initial: 'S', states: { S: { M: END } } }),
      contractError(name, /message M: field x is not a Sing field type/),
    );
  }
  assert.throws(() => record({ x: forged as FieldType<number> }), TypeError);
  assert.throws(() => array(forged as FieldType<number>), TypeError);
  // A genuine field type is accepted in the same position.
  assert.ok(contract('KGenuine', { messages: { M: inn({ x: i32 }) }, initial: 'S', states: { S: { M: END } } }));
});

// ---------------------------------------------------------------------------------------------
// Endpoint declarations

test('C.imp() and C.exp() return the same declaration object on every call', () => {
  const C = contract('KDecl', calcDef());
  const i1 = C.imp();
  assert.equal(C.imp(), i1);
  assert.equal(C.exp(), C.exp());
  assert.notEqual(C.imp(), C.exp());
  // Interned twins share them too.
  assert.equal(contract('KDecl', calcDef()).imp(), i1);
  assert.deepEqual({ ...i1 }, { decl: 'endpoint', contract: C, side: 'imp', state: 'Start', path: undefined });
  assert.ok(Object.isFrozen(i1));
  assert.ok(isEndpointDecl(i1));
  assert.equal(isEndpointDecl({ ...i1 }), false, 'a copied declaration is not a declaration');

  const p = C.exp('/svc/calc');
  assert.equal(p.path, '/svc/calc');
  assert.equal(p.side, 'exp');
  assert.notEqual(C.exp('/svc/calc'), p, 'declarations with a path are made per call');
  assert.equal(C.imp(undefined, 'Idle').state, 'Idle');
  assert.throws(() => C.imp('no-slash'), contractError('KDecl', /path no-slash is not of the form \/a\/b/));
  assert.throws(() => C.imp(undefined, 'Nope' as 'Idle'), contractError('KDecl', /state Nope is not declared/));
});

test('endpointOf makes a sealed endpoint field type; an undeclared state throws', () => {
  const C = contract('KEpOf', calcDef());
  const f = endpointOf(C, 'imp', 'Idle');
  assert.ok(isFieldType(f));
  assert.equal(f.kind, 'endpoint');
  assert.equal(f.check(C.imp()), false, 'endpoints are checked by the channel layer, never by check()');
  assert.equal(f.endpoint.state, 'Idle');
  assert.equal(f.endpoint.side, 'imp');
  assert.equal(f.endpoint.contract, C);
  assert.ok(isEndpointDecl(f.endpoint));
  assert.match(f.describe, /^KEpOf<.*>\.imp:Idle$/);
  assert.throws(() => endpointOf(C, 'imp', 'Nope' as 'Idle'), contractError('KEpOf', /state Nope is not declared/));
  assert.throws(() => endpointOf({ name: 'Fake', messages: {}, initial: 'S', states: { S: {} } }, 'imp', 'S'), TypeError);
  // Endpoint fields cannot nest inside records or arrays.
  assert.throws(() => record({ e: f }), /top-level/);
  assert.throws(() => array(f), /top-level/);
});

test('compiledOf knows only contracts made by contract()', () => {
  const C = contract('KCompiledOf', calcDef());
  assert.equal(compiledOf(C)?.name, 'KCompiledOf');
  assert.equal(compiledOf({ ...C }), undefined);
  assert.equal(compiledOf(null), undefined);
  assert.equal(compiledOf('KCompiledOf'), undefined);
});
