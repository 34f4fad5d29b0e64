// Recursive contracts in the DSL: a contract carrying its own endpoints (`endpointOf('Name', ...)`),
// groups of contracts carrying each other's (`contracts({...})`), their fingerprints (defined over
// the group, fingerprint.ts), interning of groups, and entry states. The types are tested in
// recursive-types.test.ts; the channel layer's checks in src/channels/endpoint-recursive.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, compileMembers } from './compiler.ts';
import { contract, contracts, compiledOf, endpointOf, inn, out, END, ContractError, type Contract } from './contract.ts';
import { i32 } from './field.ts';
import type { Snapshot } from './intern.ts';

const untyped = contract as unknown as (name: string, def: unknown) => Contract;
const untypedGroup = contracts as unknown as (defs: unknown) => Record<string, Contract>;
const fp = (c: unknown): string => compiledOf(c)?.fingerprint ?? assert.fail('not a contract');

function contractError(name: string, ...patterns: RegExp[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof ContractError, `expected a ContractError, got ${String(e)}`);
    assert.equal(e.contract, name);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

/** A pool that hands out pools of its own kind (the RDK's transactor: AddTransactor). */
function poolDef() {
  return {
    messages: { Add: inn(), Added: out({ pool: endpointOf('RPool', 'imp', 'Ready') }), Full: out(), Work: inn({ n: i32 }), Done: out() },
    initial: 'Ready',
    states: { Ready: { Add: 'Adding', Work: 'Working' }, Adding: { Added: 'Ready', Full: 'Ready' }, Working: { Done: 'Ready' } },
  } as const;
}

function dirFileDefs(fileState = 'Start') {
  return {
    RDir: {
      messages: { Open: inn({ n: i32 }), Opened: out({ file: endpointOf('RFile', 'imp', fileState) }), Bye: inn() },
      initial: 'Start',
      states: { Start: { Open: 'Busy', Bye: END }, Busy: { Opened: 'Start' } },
    },
    RFile: {
      messages: { Parent: inn(), ParentIs: out({ dir: endpointOf('RDir', 'imp', 'Start') }), Read: inn(), Data: out({ x: i32 }) },
      initial: 'Start',
      states: { Start: { Parent: 'P', Read: 'R' }, P: { ParentIs: 'Start' }, R: { Data: 'Start' } },
    },
  } as const;
}

test('a contract carrying its own endpoint: the reference resolves to the contract itself', () => {
  const Pool = contract('RPool', poolDef());
  const cc = compiledOf(Pool);
  const added = cc?.byTag['Added'];
  assert.equal(added?.movers?.endpoint?.contract, Pool, 'the mover names the contract value');
  assert.deepEqual([added?.movers?.endpoint?.side, added?.movers?.endpoint?.state], ['imp', 'Ready']);
  assert.equal(fp(Pool), 'rec[RPool<in Add();out Added(pool:#0.imp:Ready);out Full();in Work(n:i32);out Done()|Ready|Ready{Add->Adding,Work->Working};Adding{Added->Ready,Full->Ready};Working{Done->Ready}>]');
  assert.equal(contract('RPool', poolDef()), Pool, 'interned like any contract');
});

test('contracts({...}): members carry each other\'s endpoints; each fingerprint is rooted at its member', () => {
  const { RDir, RFile } = contracts(dirFileDefs());
  assert.equal(compiledOf(RDir)?.byTag['Opened']?.movers?.endpoint?.contract, RFile);
  assert.equal(compiledOf(RFile)?.byTag['ParentIs']?.movers?.endpoint?.contract, RDir);
  assert.match(fp(RDir), /^rec\[RDir<[^&]*file:#1\.imp:Start[^&]*>&RFile<[^&]*dir:#0\.imp:Start[^&]*>\]$/);
  assert.match(fp(RFile), /^rec\[RFile<[^&]*dir:#1\.imp:Start[^&]*>&RDir<[^&]*file:#0\.imp:Start[^&]*>\]$/);
  const again = contracts(dirFileDefs());
  assert.equal(again.RDir, RDir, 'a group is interned as a whole');
  assert.ok(Object.isFrozen(again));
  // The same names with another structure are another group, with other fingerprints.
  const other = untypedGroup(dirFileDefs('R'));
  assert.notEqual(other['RDir'], RDir);
  assert.notEqual(fp(other['RDir']), fp(RDir));
});

test('fingerprints do not depend on grouping: a member that reaches no reference back is written plainly', () => {
  const leafDef = { messages: { Q: inn(), A: out() }, initial: 'S', states: { S: { Q: 'T' }, T: { A: 'S' } } } as const;
  const Leaf = contract('RLeaf', leafDef);
  const Alone = contract('RHolder', { messages: { Give: inn({ l: endpointOf(Leaf, 'imp', 'S') }), Ok: out() }, initial: 'S', states: { S: { Give: 'T' }, T: { Ok: 'S' } } });
  const g = untypedGroup({
    RHolder: { messages: { Give: inn({ l: endpointOf('RLeaf', 'imp', 'S') }), Ok: out() }, initial: 'S', states: { S: { Give: 'T' }, T: { Ok: 'S' } } },
    RLeaf: leafDef,
  });
  assert.equal(fp(g['RLeaf']), fp(Leaf));
  assert.equal(fp(g['RHolder']), fp(Alone));
  assert.ok(!fp(Alone).includes('rec['));
  // A recursive member carried by a plain one is embedded by its own fingerprint.
  const Pool = contract('RPool', poolDef());
  const Keeper = contract('RKeeper', { messages: { Keep: inn({ p: endpointOf(Pool, 'exp', 'Ready') }), Ok: out() }, initial: 'S', states: { S: { Keep: 'T' }, T: { Ok: 'S' } } });
  assert.equal(fp(Keeper), `RKeeper<in Keep(p:${fp(Pool)}.exp:Ready);out Ok()|S|S{Keep->T};T{Ok->S}>`);
});

test('fingerprints of a large strongly connected group grow linearly', () => {
  const n = 40;
  const defs: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const fields: Record<string, unknown> = {};
    for (let j = 0; j < n; j += 7) fields[`f${j}`] = endpointOf(`RBig${(i + j + 1) % n}`, 'imp', 'S');
    defs[`RBig${i}`] = { messages: { Q: inn(fields as never), A: out() }, initial: 'S', states: { S: { Q: 'T' }, T: { A: 'S' } } };
  }
  const g = untypedGroup(defs);
  const f0 = fp(g['RBig0']);
  assert.ok(f0.startsWith('rec[RBig0<'));
  assert.equal(f0.split('&').length, n, 'each member written once');
  assert.ok(f0.length < n * 300, `${f0.length} characters`);
});

test('equal fingerprints across separate definitions: the same recursive contract, alone or beside another', () => {
  const Pool = contract('RPool', poolDef());
  const g = untypedGroup({ RPool: poolDef(), RLeaf2: { messages: { Q: inn(), A: out() }, initial: 'S', states: { S: { Q: 'T' }, T: { A: 'S' } } } });
  assert.notEqual(g['RPool'], Pool, 'two definitions, two objects');
  assert.equal(fp(g['RPool']), fp(Pool), 'one structure, one fingerprint');
});

test('a reference to a name outside the definition, or to a missing state, is refused naming both', () => {
  assert.throws(() => untyped('RLone', { messages: { A: inn({ e: endpointOf('ROther', 'imp', 'S') }), B: out() }, initial: 'S', states: { S: { A: 'T' }, T: { B: 'S' } } }),
    contractError('RLone', /message A: field e: endpointOf\('ROther', 'imp', 'S'\) names no contract of this definition \(contract RLone is defined alone\)/));
  assert.throws(() => untyped('RSelf', { messages: { A: inn({ e: endpointOf('RSelf', 'imp', 'Gone') }), B: out() }, initial: 'S', states: { S: { A: 'T' }, T: { B: 'S' } } }),
    contractError('RSelf', /endpointOf\('RSelf', 'imp', 'Gone'\): contract RSelf has no state Gone/));
  assert.throws(() => untypedGroup(dirFileDefs('Nope')), contractError('RDir', /contract RFile has no state Nope/));
  assert.throws(() => endpointOf('bad name', 'imp', 'S'), TypeError);
  assert.throws(() => endpointOf('RSelf', 'both' as 'imp', 'S'), TypeError);
  assert.throws(() => untypedGroup({}), ContractError);
  assert.throws(() => untypedGroup({ 'not a name': dirFileDefs().RDir }), ContractError);
});

test('a group member that breaks a rule fails the whole group, naming the member', () => {
  const defs = dirFileDefs();
  const broken = { ...defs, RFile: { ...defs.RFile, states: { ...defs.RFile.states, Lost: { Read: 'R' } } } };
  assert.throws(() => untypedGroup(broken), contractError('RFile', /state Lost cannot be reached from Start/));
});

test('compileMembers reports each member\'s error in its place', () => {
  const ok: Snapshot = { name: 'RM1', messages: { A: inn({ e: endpointOf('RM2', 'exp', 'S') }), B: out() }, initial: 'S', states: { S: { A: 'T' }, T: { B: 'S' } } };
  const bad: Snapshot = { name: 'RM2', messages: { A: inn() }, initial: 'S', states: { S: { A: 'S' } } };
  const rs = compileMembers([{ snapshot: ok, value: ok }, { snapshot: bad, value: bad }], { unreachable: 'error' });
  assert.ok(!(rs[0] instanceof ContractError));
  assert.ok(rs[1] instanceof ContractError && /only in messages/.test(rs[1].message));
});

test('entry states: other states a channel may start in; reachability counts from them', () => {
  const def = {
    messages: { Ready: out(), Go: inn(), Done: out() },
    initial: 'Start',
    entries: ['Pre'],
    states: { Start: { Go: 'Run' }, Pre: { Ready: 'Start' }, Run: { Done: 'Start' } },
  } as const;
  const C = contract('REntry', def);
  assert.deepEqual(C.entries, ['Pre']);
  assert.deepEqual(compiledOf(C)?.entries, [1]);
  assert.match(fp(C), /\|Start\+Pre\|/);
  assert.equal(contract('REntry', def), C);
  const { entries: _drop, ...without } = def;
  assert.throws(() => untyped('REntry2', without), contractError('REntry2', /state Pre cannot be reached from Start/));
  assert.throws(() => untyped('REntry3', { ...def, entries: ['Nope'] }), contractError('REntry3', /entry state Nope is not declared/));
  assert.throws(() => untyped('REntry4', { ...def, entries: ['Start'] }), contractError('REntry4', /entry state Start is named twice \(or is the initial state\)/));
  assert.throws(() => untyped('REntry5', { ...def, entries: 'Pre' }), contractError('REntry5', /entries must be an array of state names/));
  assert.equal(compile({ name: 'REntry6', ...without }, { unreachable: 'warning' }).warnings.includes('state Pre cannot be reached from Start'), true);
});
