// Compile-time tests of recursive contracts' types: a field made by `endpointOf('Name', ...)` is
// typed as an endpoint of the member Name of the contract's group (or of the contract itself), in
// the state named, on both the sending and the receiving side. The functions below are never
// called: `npx tsc --noEmit -p .` checks them, and every `@ts-expect-error` must mark a real error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contract, contracts, endpointOf, inn, out, END, type EndpointRef } from './contract.ts';
import { i32, type Infer } from './field.ts';
import type { Endpoint, Exp, Imp, RefTarget } from './view.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Expect<T extends true> = T;

const Pool = contract('TRPool', {
  messages: { Add: inn(), Added: out({ pool: endpointOf('TRPool', 'imp', 'Ready') }), Work: inn({ n: i32 }), Done: out() },
  initial: 'Ready',
  states: { Ready: { Add: 'Adding', Work: 'Working' }, Adding: { Added: 'Ready' }, Working: { Done: 'Ready' } },
});
type P = typeof Pool;

const { TRDir, TRFile } = contracts({
  TRDir: {
    messages: { Open: inn({ n: i32 }), Opened: out({ file: endpointOf('TRFile', 'imp', 'Start') }), Bye: inn() },
    initial: 'Start',
    states: { Start: { Open: 'Busy', Bye: END }, Busy: { Opened: 'Start' } },
  },
  TRFile: {
    messages: { Parent: inn(), ParentIs: out({ dir: endpointOf('TRDir', 'imp', 'Start') }), Read: inn(), Data: out({ x: i32 }) },
    initial: 'Start',
    entries: ['Spare'],
    states: { Start: { Parent: 'P', Read: 'R' }, P: { ParentIs: 'Start' }, R: { Data: 'Start' }, Spare: { Read: 'R' } },
  },
});
type D = typeof TRDir;
type F = typeof TRFile;

const _ref = endpointOf('X', 'imp', 'S');
type _refs = [
  // The field type alone is loose: an endpoint of some contract, in the state named.
  Expect<Equal<typeof _ref, EndpointRef<'X', 'imp', 'S'>>>,
  Expect<Equal<Infer<EndpointRef<'X', 'exp', 'S'>>['side'], 'exp'>>,
  // In a contract it resolves: to the contract itself, or to the group member named.
  Expect<Equal<RefTarget<P, 'TRPool'>, P>>,
  Expect<Equal<RefTarget<D, 'TRFile'>, F>>,
  Expect<Equal<RefTarget<F, 'TRDir'>, D>>,
];

async function _receiveOwn(ep: Imp<P, 'Ready'>): Promise<void> {
  const m = await ep.send('Add').receive();
  if (m.tag !== 'Added') return;
  type _pool = Expect<Equal<typeof m.pool, Endpoint<P, 'imp', 'Ready'>>>;
  const w = m.pool.send('Work', { n: 1 });
  const _s: 'Working' = w.state;
}

function _sendOwn(ep: Exp<P, 'Adding'>, fresh: Imp<P, 'Ready'>, busy: Imp<P, 'Working'>, file: Imp<F, 'Start'>, wrongSide: Exp<P, 'Ready'>): void {
  ep.send('Added', { pool: fresh });
  // @ts-expect-error an endpoint of the same contract in another state
  ep.send('Added', { pool: busy });
  // @ts-expect-error an endpoint of another contract
  ep.send('Added', { pool: file });
  // @ts-expect-error the other side
  ep.send('Added', { pool: wrongSide });
}

async function _acrossTheGroup(d: Imp<D, 'Start'>): Promise<void> {
  const m = await d.send('Open', { n: 1 }).receive();
  if (m.tag !== 'Opened') return;
  type _file = Expect<Equal<typeof m.file, Endpoint<F, 'imp', 'Start'>>>;
  const p = await m.file.send('Parent').receive();
  if (p.tag !== 'ParentIs') return;
  type _dir = Expect<Equal<typeof p.dir, Endpoint<D, 'imp', 'Start'>>>;
  p.dir.send('Bye');
  // @ts-expect-error a file endpoint is not a directory endpoint
  void ({ dir: m.file } satisfies { dir: typeof p.dir });
}

function _badDefinitions(): void {
  contracts({
    TRBad: {
      messages: { A: inn(), B: out() },
      initial: 'S',
      // @ts-expect-error a transition to an undeclared state
      states: { S: { A: 'Nope' }, T: { B: 'S' } },
    },
  });
  contract('TRBad2', {
    messages: { A: inn(), B: out() },
    initial: 'S',
    // @ts-expect-error an entry state that is not declared
    entries: ['Nope'],
    states: { S: { A: 'T' }, T: { B: 'S' } },
  });
}

test('recursive contract types are checked by tsc (this file compiles)', () => {
  assert.equal(Pool.name, 'TRPool');
  assert.equal(TRDir.name, 'TRDir');
  assert.deepEqual(TRFile.entries, ['Spare']);
});
