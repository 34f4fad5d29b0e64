// The channel layer with recursive contracts: an endpoint of a contract moved over a channel of the
// same contract (or of a contract of its group) arrives working; one of the wrong contract, side or
// state is a protocol violation of the sender, checked at run time (a program built without the
// type checker can try it), and nothing moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compiledOf, contract, contracts, endpointOf, inn, out, END } from '../contracts/contract.ts';
import type { CompiledContract } from '../contracts/compiler.ts';
import { i32 } from '../contracts/field.ts';
import { openChannel, type EndpointCore, type EndpointHandle, type Msg } from './endpoint.ts';
import { ProtocolViolation } from './error.ts';
import type { Owner } from './owner.ts';
import { TestOwner } from '../exheap/test-owner.ts';

class FakeOwner extends TestOwner implements Owner {
  ownedHead: EndpointCore | null = null;
  endpoints = 0;
  alive = true;
  timer(ms: number, fire: () => void): () => void {
    const t = setTimeout(fire, ms);
    return () => clearTimeout(t);
  }
}
let nextPid = 1000;
const owner = (label: string): FakeOwner => new FakeOwner(nextPid++, label);

const poolDef = () => ({
  messages: { Add: inn(), Added: out({ pool: endpointOf('CPool', 'imp', 'Ready') }), Work: inn({ n: i32 }), Done: out({ n: i32 }), Bye: inn() },
  initial: 'Ready',
  states: { Ready: { Add: 'Adding', Work: 'Working', Bye: END }, Adding: { Added: 'Ready' }, Working: { Done: 'Ready' } },
} as const);
const Pool = contract('CPool', poolDef());
const Other = contract('COther', {
  messages: { Work: inn({ n: i32 }), Done: out({ n: i32 }) },
  initial: 'Ready',
  states: { Ready: { Work: 'Working' }, Working: { Done: 'Ready' } },
});
const { CDir, CFile } = contracts({
  CDir: {
    messages: { Open: inn(), Opened: out({ file: endpointOf('CFile', 'imp', 'Start') }) },
    initial: 'Start',
    states: { Start: { Open: 'Busy' }, Busy: { Opened: 'Start' } },
  },
  CFile: {
    messages: { Parent: inn(), ParentIs: out({ dir: endpointOf('CDir', 'imp', 'Start') }) },
    initial: 'Start',
    states: { Start: { Parent: 'P' }, P: { ParentIs: 'Start' } },
  },
});

const cc = (c: unknown): CompiledContract => compiledOf(c) ?? assert.fail('not a contract');
const field = (m: unknown, f: string): EndpointHandle => (m as Msg)[f] as EndpointHandle;

/** A pool channel (client holds imp, server exp), already in Adding on the server's side. */
async function adding(): Promise<{ client: FakeOwner; server: FakeOwner; imp: EndpointHandle; exp: EndpointHandle }> {
  const client = owner('client');
  const server = owner('server');
  const [imp, exp] = openChannel(cc(Pool), client, server);
  imp.send('Add');
  assert.equal((await exp.receive()).tag, 'Add');
  return { client, server, imp, exp };
}

test('a pool hands out a pool of its own kind, which works like the first', async () => {
  const { client, server, imp, exp } = await adding();
  const [childImp, childExp] = openChannel(cc(Pool), server, server);
  exp.send('Added', { pool: childImp });
  const m = await imp.receive();
  assert.equal(m.tag, 'Added');
  const child = field(m, 'pool');
  assert.equal(child.contract, 'CPool');
  assert.equal(child.state, 'Ready');
  child.send('Work', { n: 41 });
  const w = await childExp.receive();
  assert.equal(w.tag === 'Work' ? (w as Msg)['n'] : -1, 41);
  childExp.send('Done', { n: 42 });
  assert.equal(((await child.receive()) as Msg)['n'], 42);
  assert.deepEqual([client.violations, server.violations], [[], []]);
});

for (const [what, make, pattern] of [
  ['in another state', (s: FakeOwner) => { const [i] = openChannel(cc(Pool), s, s); i.send('Work', { n: 1 }); return i; }, /field pool of Added must be CPool\.imp in state Ready, got .*Working/],
  ['of the other side', (s: FakeOwner) => openChannel(cc(Pool), s, s)[1], /field pool of Added must be CPool\.imp in state Ready, got .*exp/],
  ['of another contract with the same state', (s: FakeOwner) => openChannel(cc(Other), s, s)[0], /field pool of Added must be CPool\.imp in state Ready, got .*COther/],
  ['of a group\'s member', (s: FakeOwner) => openChannel(cc(CFile), s, s)[0], /must be CPool\.imp in state Ready/],
] as const) {
  test(`hostile: an endpoint ${what} where the contract's own is expected is a protocol violation; nothing moves`, async () => {
    const { client, server, imp, exp } = await adding();
    const wrong = make(server);
    const before = wrong.state;
    assert.throws(() => exp.send('Added', { pool: wrong }), (e: unknown) => e instanceof ProtocolViolation && pattern.test(e.message));
    assert.equal(server.violations.length, 1, 'the sender is ended');
    assert.deepEqual(client.violations, []);
    assert.equal(wrong.state, before, 'the endpoint did not move');
    assert.equal(imp.state, 'Adding');
  });
}

test('a contract alone and the same contract defined in a group share a fingerprint, so their endpoints are interchangeable', async () => {
  const { PoolAgain } = { PoolAgain: contracts({ CPool: poolDef(), CLeaf: { messages: { Q: inn(), A: out() }, initial: 'S', states: { S: { Q: 'T' }, T: { A: 'S' } } } }).CPool };
  assert.notEqual(PoolAgain, Pool);
  const { client, server, imp, exp } = await adding();
  const [twin] = openChannel(cc(PoolAgain), server, server);
  exp.send('Added', { pool: twin });
  assert.equal((await imp.receive()).tag, 'Added');
  assert.deepEqual([client.violations, server.violations], [[], []]);
});

test('contracts of one group carry each other\'s endpoints; a member in the other\'s place is refused', async () => {
  const a = owner('a');
  const b = owner('b');
  const [dirImp, dirExp] = openChannel(cc(CDir), a, b);
  dirImp.send('Open');
  await dirExp.receive();
  // A directory endpoint where a file's is expected: refused.
  assert.throws(() => dirExp.send('Opened', { file: openChannel(cc(CDir), b, b)[0] }), /field file of Opened must be CFile\.imp in state Start/);
  assert.equal(b.violations.length, 1);

  const c = owner('c');
  const [dImp, dExp] = openChannel(cc(CDir), a, c);
  dImp.send('Open');
  await dExp.receive();
  const [fImp, fExp] = openChannel(cc(CFile), c, c);
  dExp.send('Opened', { file: fImp });
  const file = field(await dImp.receive(), 'file');
  file.send('Parent');
  assert.equal((await fExp.receive()).tag, 'Parent');
  fExp.send('ParentIs', { dir: openChannel(cc(CDir), c, c)[0] });
  const parent = field(await file.receive(), 'dir');
  assert.deepEqual([parent.contract, parent.state], ['CDir', 'Start']);
  assert.deepEqual([a.violations, c.violations], [[], []]);
});
