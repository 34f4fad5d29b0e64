// Rule 4 (linearity) unit tests: small in-memory programs run through the rule alone, each
// asserting the exact (code, line) pairs it reports. The shipped example and benchmark programs are
// checked by the full verifier in test/verifier-corpus.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declared, verifySource } from '../../test/verifier-kit.ts';
import type { Diagnostic } from './index.ts';
import { linearityRule } from './linearity.ts';

function run(src: string): Diagnostic[] {
  return verifySource(src, { rules: [linearityRule], declared: declared() });
}

/** `CODE line` for each diagnostic, sorted. */
function found(src: string): string[] {
  return run(src).map((d) => `${d.code} ${d.line}`);
}

/** The 1-based line of the first line containing `needle` (searching from the line of `after`). */
function at(src: string, needle: string, after?: string): number {
  const ls = src.split('\n');
  const from = after === undefined ? 0 : ls.findIndex((l) => l.includes(after));
  const i = ls.findIndex((l, j) => j >= from && l.includes(needle));
  assert.ok(i >= 0, `no line contains ${needle}`);
  return i + 1;
}

const HEAD = `import { defineProgram, contract, inn, out, END, i32, bytes, select, type Imp, type Exp, type Bytes, type Abi } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
import { BlockDrop } from 'sing/contracts/blocks';
export const Pkt = contract('Pkt', {
  messages: { Data: inn({ b: bytes }), Back: out({ b: bytes }) },
  initial: 'Idle',
  states: { Idle: { Data: 'Busy' }, Busy: { Back: 'Idle' } },
});
type Calc = Imp<typeof Calculator, 'Idle'>;
`;

/** A program whose main gets `calc` (a Calculator import), `drop` (a BlockDrop import end), abi, console. */
function prog(body: string, helpers = ''): string {
  return `${HEAD}${helpers}
export default defineProgram({
  name: 't',
  imports: { calc: Calculator.imp('/service/calc') },
  endpoints: { drop: BlockDrop.imp(), pkt: Pkt.exp() },
  resources: { exchangeHeap: '64KiB' },
  console: true,
  async main({ calc, drop, pkt, abi, console }) {
${body}
  },
});
`;
}

describe('linearity: use after move (SING4001)', () => {
  it('reports an endpoint used again after send, naming the move and the successor', () => {
    const src = prog(`    const r = await calc.expect('Ready');
    const ep = r.ep;
    const busy = ep.send('Add', { a: 1, b: 2 });
    ep.send('Bye');
    busy.close();
    return 0;`);
    const ds = run(src);
    assert.deepEqual(ds.map((d) => `${d.code} ${d.line}`), [`SING4001 ${at(src, "ep.send('Bye')")}`]);
    const m = ds[0]?.message ?? '';
    assert.match(m, /^ep was moved by send\('Add'\) at \d+:\d+ and used again here/);
    assert.match(m, /Calculator endpoint at its next state: use the endpoint send returned/);
  });

  it('reports use after close', () => {
    const src = prog(`    const r = await calc.expect('Ready');
    r.ep.close();
    r.ep.send('Bye');
    return 0;`);
    assert.deepEqual(found(src), [`SING4001 ${at(src, "r.ep.send('Bye')")}`]);
    assert.match(run(src)[0]?.message ?? '', /moved by close\(\).*endpoint is closed/);
  });

  it('reports a double free, once per move', () => {
    const src = prog(`    const b = abi.alloc(16);
    b.free();
    b.free();
    const c = abi.alloc(16);
    c.free();
    console.log(c.length);
    c.free();
    return 0;`);
    assert.deepEqual(found(src), [`SING4001 ${at(src, 'b.free()', 'b.free()') + 1}`, `SING4001 ${at(src, 'c.length')}`]);
    assert.match(run(src)[0]?.message ?? '', /^b was moved by free\(\) at \d+:\d+ and used again here: the block is freed/);
  });

  it('reports use after passing to spawn, and after moving into a payload', () => {
    const src = prog(`    const b = abi.alloc(16);
    const full = drop.send('Put', { data: b });
    b.set(0, 1);
    abi.spawn(serve, full);
    full.close();
    return 0;`, `async function serve(ep: Imp<typeof BlockDrop, 'Full'>): Promise<void> { await ep.receive(); }\n`);
    const ds = run(src).filter((d) => d.line > 12);
    assert.deepEqual(ds.map((d) => `${d.code} ${d.line}`), [`SING4001 ${at(src, 'b.set(0, 1)')}`, `SING4001 ${at(src, 'full.close()')}`]);
    assert.match(ds[0]?.message ?? '', /payload of send\('Put'\)/);
    assert.match(ds[1]?.message ?? '', /passing it to spawn/);
  });

  it('reports use after split, but not the halves', () => {
    const src = prog(`    const b = abi.alloc(16);
    const [h, t] = b.split(8);
    h.free();
    t.free();
    b.free();
    return 0;`);
    assert.deepEqual(found(src), [`SING4001 ${at(src, 'b.free()')}`]);
  });

  it('reports a variable used after it was moved into another', () => {
    const src = prog(`    const b = abi.alloc(16);
    const c = b;
    b.free();
    c.free();
    return 0;`);
    assert.deepEqual(found(src), [`SING4001 ${at(src, 'b.free()')}`]);
    assert.match(run(src)[0]?.message ?? '', /assignment to c/);
  });
});

describe('linearity: branches and loops (SING4002, SING4001 across iterations)', () => {
  it('reports a value moved on one branch and used after the join', () => {
    const src = prog(`    const b = abi.alloc(16);
    if (abi.now() > 5) b.free();
    b.set(0, 1);
    b.free();
    return 0;`);
    assert.deepEqual(found(src), [`SING4002 ${at(src, 'b.set(0, 1)')}`]);
    assert.match(run(src)[0]?.message ?? '', /may have been moved \(by free\(\) at \d+:\d+ on one branch\)/);
  });

  it('accepts a value moved on every branch of an if/else and a switch', () => {
    const src = prog(`    const b = abi.alloc(16);
    if (abi.now() > 5) b.free(); else drop.send('Put', { data: b }).close();
    const m = await calc.receive();
    switch (m.tag) {
      case 'Ready': m.ep.send('Bye'); break;
      case '$closed': break;
    }
    return 0;`);
    assert.deepEqual(found(src), []);
  });

  it('reports a value moved inside a loop without re-assignment, "in the previous iteration"', () => {
    const src = prog(`    const b = abi.alloc(16);
    for (let i = 0; i < 3; i++) {
      b.free();
    }
    return 0;`);
    assert.deepEqual(found(src), [`SING4001 ${at(src, 'b.free()')}`]);
    assert.match(run(src)[0]?.message ?? '', /in the previous iteration of the loop/);
  });

  it('accepts a loop that re-assigns the endpoint it moves (the serve loop)', () => {
    const src = prog(`    abi.spawn(serve, pkt);
    return 0;`, `async function serve(ep: Exp<typeof Pkt>): Promise<void> {
  let idle = ep;
  for (;;) {
    const m = await idle.receive();
    switch (m.tag) {
      case 'Data': idle = m.ep.send('Back', { b: m.b }); break;
      case '$closed': return;
    }
  }
}
`);
    assert.deepEqual(found(src), []);
  });

  it('reports a loop body that leaks the message it received when it continues', () => {
    const src = prog(`    abi.spawn(serve, pkt);
    return 0;`, `async function serve(ep: Exp<typeof Pkt>): Promise<void> {
  let idle = ep;
  while (true) {
    const m = await idle.receive();
    if (m.tag === '$closed') return;
    idle = m.ep.send('Back', { b: abi0() });
  }
}
declare function abi0(): Bytes;
`);
    // m.b is never moved: it is still owned when the loop body's block ends.
    assert.deepEqual(found(src), [`SING4005 ${at(src, '  }', 'abi0()')}`]);
  });

  it('understands break, continue and labels', () => {
    const src = prog(`    let idle = pkt;
    outer: for (;;) {
      const m = await idle.receive();
      if (m.tag === '$closed') break outer;
      if (m.b.length === 0) { idle = m.ep.send('Back', { b: m.b }); continue; }
      idle = m.ep.send('Back', { b: m.b });
    }
    return 0;`);
    assert.deepEqual(found(src), []);
  });

  it('treats try/catch conservatively: a use in catch of what try moved is "maybe"; throw paths do not leak', () => {
    const src = prog(`    const b = abi.alloc(16);
    try {
      b.free();
    } catch {
      b.free();
    }
    const c = abi.alloc(8);
    if (c.length > 4) throw new Error('too big');
    c.free();
    return 0;`);
    assert.deepEqual(found(src), [`SING4002 ${at(src, 'b.free()', '} catch')}`]);
  });
});

describe('linearity: capture by a closure (SING4003)', () => {
  it('reports an endpoint captured by an arrow function', () => {
    const src = prog(`    const r = await calc.expect('Ready');
    const ep = r.ep;
    abi.spawn(() => { ep.send('Bye'); });
    return 0;`);
    // The capture, and ep still owned by main (the closure does not count as a move).
    assert.deepEqual(found(src), [`SING4003 ${at(src, "ep.send('Bye')")}`, `SING4005 ${at(src, 'return 0')}`]);
    assert.match(run(src)[0]?.message ?? '', /^ep \(endpoint of Calculator in state Idle\) of main is captured by an arrow function.*pass it as an argument/);
  });

  it('reports a block captured by a nested function declaration', () => {
    const src = prog(`    const b = abi.alloc(4);
    function fill(): void { b.set(0, 1); }
    fill();
    b.free();
    return 0;`);
    assert.deepEqual(found(src), [`SING4003 ${at(src, 'b.set(0, 1)')}`]);
    assert.match(run(src)[0]?.message ?? '', /nested function fill/);
  });

  it('accepts passing the value as an argument instead', () => {
    const src = prog(`    const b = abi.alloc(4);
    abi.spawn((x: Bytes) => { x.free(); }, b);
    return 0;`);
    assert.deepEqual(found(src), []);
  });
});

describe('linearity: plain containers (SING4004)', () => {
  it('reports push into an array, an array literal, map.set and set.add', () => {
    const src = prog(`    const a = abi.alloc(4);
    const b = abi.alloc(4);
    const c = abi.alloc(4);
    const list: Bytes[] = [];
    list.push(a);
    const m = new Map<string, Bytes>();
    m.set('b', b);
    const pair = [c];
    console.log(pair.length, list.length, m.size);
    return 0;`);
    assert.deepEqual(found(src), [`SING4004 ${at(src, 'list.push(a)')}`, `SING4004 ${at(src, "m.set('b', b)")}`, `SING4004 ${at(src, 'const pair')}`]);
    assert.match(run(src)[0]?.message ?? '', /endpoints and blocks cannot live in plain arrays, maps or fields/);
  });

  it('reports assignment to an object property or this.field, and an object literal held in a variable', () => {
    const src = prog(`    const r = await calc.expect('Ready');
    const holder: { ep?: Calc } = {};
    holder.ep = r.ep;
    const b = abi.alloc(4);
    const o = { b };
    console.log(o, holder);
    return 0;`, `class Keeper { ep: Calc | undefined; keep(ep: Calc): void { this.ep = ep; } }
export const keeper = new Keeper();
`);
    assert.deepEqual(found(src), [`SING4004 ${at(src, 'this.ep = ep')}`, `SING4004 ${at(src, 'holder.ep = r.ep')}`, `SING4004 ${at(src, 'const o = { b }')}`]);
  });

  it('accepts object literals that are call arguments (payloads, create options) and returned records', () => {
    const src = prog(`    const { imp, exp } = abi.channel(BlockDrop);
    const child = abi.create('consumer', { endpoints: { drop: exp } });
    abi.start(child);
    const data = abi.alloc(8);
    const full = imp.send('Put', { data });
    const m = await full.receive();
    if (m.tag === 'Got') console.log(m.checksum);
    const r = await calc.expect('Ready');
    const got = await add(r.ep, 1, 2);
    if (got === null) return 1;
    got.calc.send('Bye');
    return got.sum;`, `async function add(c: Calc, a: number, b: number): Promise<{ sum: number; calc: Calc } | null> {
  const m = await c.send('Add', { a, b }).receive();
  return m.tag === 'Sum' ? { sum: m.value, calc: m.ep } : null;
}
`);
    assert.deepEqual(found(src), []);
  });
});

describe('linearity: still owned at exit, and dropped values (SING4005)', () => {
  it('reports an endpoint leaked when a helper returns, at the return and at the end of the body', () => {
    const src = prog(`    const r = await calc.expect('Ready');
    await hold(r.ep, abi);
    return 0;`, `async function hold(ep: Calc, abi: Abi): Promise<void> {
  if (abi.now() > 10) return;
  ep.send('Bye');
}
async function open(abi: Abi): Promise<void> {
  const { imp, exp } = abi.channel(Calculator);
  await abi.bind('/service/calc', exp);
  console0(imp.state);
}
declare function console0(s: string): void;
`);
    const ds = run(src);
    assert.deepEqual(ds.map((d) => `${d.code} ${d.line}`), [`SING4005 ${at(src, 'if (abi.now() > 10) return;')}`, `SING4005 ${at(src, '}', 'console0(imp.state)')}`]);
    assert.match(ds[0]?.message ?? '', /^ep \(endpoint of Calculator in state Idle\) is still owned when hold returns: close it, free it, send it or return it/);
    assert.match(ds[1]?.message ?? '', /^imp \(endpoint of Calculator in state Start\) is still owned when open returns/);
  });

  it('reports a discarded send result and a discarded received message', () => {
    const src = prog(`    const r = await calc.expect('Ready');
    r.ep.send('Add', { a: 1, b: 2 });
    const m = await pkt.receive();
    if (m.tag === '$closed') return 1;
    m.b.free();
    await m.ep.send('Back', { b: abi.alloc(4) }).receive();
    return 0;`);
    const ds = run(src);
    assert.deepEqual(ds.map((d) => `${d.code} ${d.line}`), [`SING4005 ${at(src, "r.ep.send('Add'")}`, `SING4005 ${at(src, 'await m.ep.send')}`]);
    assert.match(ds[0]?.message ?? '', /endpoint of Calculator in state Busy\) is dropped/);
  });

  it('reports a block allocated and never freed, and one allocated and discarded', () => {
    const src = prog(`    const b = abi.alloc(16);
    b.set(0, 1);
    abi.alloc(8);
    return 0;`);
    assert.deepEqual(found(src), [`SING4005 ${at(src, 'abi.alloc(8)')}`, `SING4005 ${at(src, 'return 0')}`]);
    assert.match(run(src)[1]?.message ?? '', /^b \(block Bytes\) is still owned when main returns/);
  });

  it('reports a value that may still be owned on one path, and an owned value overwritten', () => {
    const src = prog(`    let b = abi.alloc(16);
    if (abi.now() > 3) b.free();
    b = abi.alloc(4);
    b.free();
    return 0;`);
    assert.deepEqual(found(src), [`SING4005 ${at(src, 'b = abi.alloc(4)')}`]);
    assert.match(run(src)[0]?.message ?? '', /perhaps still owned when it is overwritten/);
  });

  it('does not report main\'s own context endpoints at main\'s exits', () => {
    const src = prog(`    if (abi.now() > 3) return 1;
    const r = await calc.expect('Ready');
    r.ep.send('Bye');
    return 0;`);
    assert.deepEqual(found(src), []);
  });

  it('reports the endpoints a destructuring leaves behind', () => {
    const src = prog(`    const { exp } = abi.channel(Calculator);
    exp.close();
    return 0;`);
    assert.deepEqual(found(src), [`SING4005 ${at(src, 'const { exp }')}`]);
  });
});

describe('linearity: narrowing', () => {
  it('owns only what the narrowed message carries ($closed carries nothing)', () => {
    const src = prog(`    const m = await drop.send('Put', { data: abi.alloc(4) }).receive();
    if (m.tag !== 'Got') return 1;
    console.log(m.checksum);
    const n = await pkt.receive();
    switch (n.tag) {
      case 'Data': n.b.free(); n.ep.send('Back', { b: abi.alloc(1) }).close(); return 0;
      case '$closed': return 2;
    }`);
    assert.deepEqual(found(src), []);
  });

  it('understands null checks on a linear local', () => {
    const src = prog(`    const c = await connect(abi);
    if (c === null) return 1;
    c.send('Bye');
    const d = await connect(abi);
    if (d) d.send('Bye');
    return 0;`, `async function connect(abi: Abi): Promise<Calc | null> {
  const { imp, exp } = abi.channel(Calculator);
  const r = await abi.bind('/service/calc', exp);
  if (!r.ok) { imp.close(); return null; }
  const m = await imp.receive();
  return m.tag === 'Ready' ? m.ep : null;
}
`);
    assert.deepEqual(found(src), []);
  });

  it('lets select borrow its endpoints, and treats abi.exit as the end of the path', () => {
    const src = prog(`    const r = await calc.expect('Ready');
    const s = await select([r.ep, pkt]);
    console.log(s.index);
    if (s.index === 0) abi.exit(3);
    r.ep.send('Bye');
    return 0;`);
    assert.deepEqual(found(src), []);
  });
});

describe('linearity: holders, borrows and main\'s context', () => {
  it('tracks ctx.x when main takes its context whole, and moves a message bound to another name', () => {
    const src = `${HEAD}
export default defineProgram({
  name: 't',
  imports: { calc: Calculator.imp('/service/calc') },
  async main(ctx) {
    const r = await ctx.calc.expect('Ready');
    const m = r;
    r.ep.send('Bye');
    ctx.calc.close();
    m.ep.send('Bye');
    return 0;
  },
});
`;
    assert.deepEqual(found(src), [`SING4001 ${at(src, "r.ep.send('Bye')")}`, `SING4001 ${at(src, 'ctx.calc.close()')}`]);
    assert.match(run(src)[0]?.message ?? '', /assignment to m/);
  });

  it('treats a view as borrowed: neither owned nor dropped', () => {
    const src = prog(`    const b = abi.alloc(16);
    const v = b.view(0, 4);
    console.log(v.length, b.view(4).readText());
    b.free();
    return 0;`);
    assert.deepEqual(found(src), []);
  });

  it('treats the source of copyFrom as borrowed: still owned, and leaked if not freed', () => {
    const ok = prog(`    const a = abi.alloc(16);
    const b = abi.alloc(16);
    b.copyFrom(a, 0, 8, 0);
    b.copyFrom(a);
    a.free();
    b.free();
    return 0;`);
    assert.deepEqual(found(ok), []);
    const leak = prog(`    const a = abi.alloc(16);
    const b = abi.alloc(16);
    b.copyFrom(a);
    b.free();
    return 0;`);
    assert.deepEqual(found(leak).map((d) => d.split(' ')[0]), ['SING4005']);
  });

  it('does not make a class instance a carrier of what was (wrongly) stored in it', () => {
    const src = prog(`    const r = await calc.expect('Ready');
    const k = new Keeper();
    k.keep(r.ep);
    return 0;`, `class Keeper { ep: Calc | undefined; keep(ep: Calc): void { this.ep = ep; } }
`);
    assert.deepEqual(found(src), [`SING4004 ${at(src, 'this.ep = ep')}`]);
  });

  it('walks for-of and do-while loops that re-assign the endpoint', () => {
    const src = prog(`    const r = await calc.expect('Ready');
    let idle = r.ep;
    for (const x of [1, 2]) {
      const m = await idle.send('Add', { a: x, b: x }).receive();
      if (m.tag === '$closed') return 1;
      idle = m.ep;
    }
    let n = 0;
    do {
      const m = await idle.send('Add', { a: n, b: 1 }).receive();
      if (m.tag !== 'Sum') return 2;
      n = m.value;
      idle = m.ep;
    } while (n < 3);
    idle.send('Bye');
    return 0;`);
    assert.deepEqual(found(src), []);
  });
});

describe('linearity: trees of blocks (put moves in, take moves out, open lends)', () => {
  const TREE = `const Leaf = exLayout({ n: 'i32', name: exPtr(text) });
`;
  const tprog = (body: string): string => prog(body, TREE).replace("type Abi } from 'sing/runtime';", "type Abi, exLayout, exPtr, text } from 'sing/runtime';");

  it('reports a block used after it was stored into a record, naming both places', () => {
    const src = tprog(`    const r = abi.allocRecord(Leaf);
    const t = abi.allocText('x');
    r.put('name', t);
    console.log(t.readString());
    r.free();
    return 0;`);
    assert.deepEqual(found(src), [`SING4001 ${at(src, 't.readString()')}`]);
    assert.match(run(src)[0]?.message ?? '', /^t was moved by storing it into r\.name at \d+:\d+ and used again here/);
  });

  it('owns what take returns, and lends what open returns', () => {
    const src = tprog(`    const r = abi.allocRecord(Leaf);
    r.put('name', abi.allocText('x'));
    const lent = r.open('name');
    if (lent !== null) console.log(lent.readString());
    const t = r.take('name');
    if (t !== null) t.free();
    r.free();
    return 0;`);
    assert.deepEqual(found(src), []);
  });

  it('reports a taken block that is never freed or sent', () => {
    const src = tprog(`    const r = abi.allocRecord(Leaf);
    const t = r.take('name');
    r.free();
    return t === null ? 0 : 1;`);
    assert.deepEqual(found(src).map((f) => f.split(' ')[0]), ['SING4005']);
  });
});
