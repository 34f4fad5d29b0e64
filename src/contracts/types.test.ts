// Compile-time tests of the contract DSL and the typed endpoint views. The functions below are
// never called: `npx tsc --noEmit -p .` checks them, and every `@ts-expect-error` must mark a real
// error (an unused directive is itself an error). One runtime test keeps the file a test file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contract, compiledOf, endpointOf, inn, out, END } from './contract.ts';
import { array, enumOf, i32, record, str, type Infer } from './field.ts';
import type { Closed, Endpoint, Exp, Imp, MessageOf, Next, Received, RecvTags, SendTags } from './view.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Expect<T extends true> = T;

const Calc = contract('TCalc', {
  messages: {
    Ready: out(),
    Add: inn({ a: i32, b: i32 }),
    Sum: out({ value: i32 }),
    Note: out({ text: str, level: enumOf('info', 'warn') }),
    Bye: inn(),
  },
  initial: 'Start',
  states: {
    Start: { Ready: 'Idle' },
    Idle: { Add: 'Busy', Bye: END },
    Busy: { Sum: 'Idle', Note: 'Busy2' },
    Busy2: { Sum: 'Idle' },
  },
});
type C = typeof Calc;

const Outer = contract('TOuter', {
  messages: { Give: inn({ calc: endpointOf(Calc, 'imp', 'Idle') }), Thanks: out() },
  initial: 'Open',
  states: { Open: { Give: 'Given' }, Given: { Thanks: 'Open' } },
});

// ---------------------------------------------------------------------------------------------
// Tags per side and state

type _tags = [
  Expect<Equal<SendTags<C, 'imp', 'Idle'>, 'Add' | 'Bye'>>,
  Expect<Equal<SendTags<C, 'exp', 'Idle'>, never>>,
  Expect<Equal<SendTags<C, 'exp', 'Busy'>, 'Sum' | 'Note'>>,
  Expect<Equal<RecvTags<C, 'imp', 'Busy'>, 'Sum' | 'Note'>>,
  Expect<Equal<RecvTags<C, 'exp', 'Idle'>, 'Add' | 'Bye'>>,
  Expect<Equal<SendTags<C, 'imp', END>, never>>,
  Expect<Equal<SendTags<C, 'exp', END>, never>>,
  Expect<Equal<RecvTags<C, 'imp', END>, never>>,
  Expect<Equal<Next<C, 'Idle', 'Add'>, 'Busy'>>,
  Expect<Equal<Next<C, 'Idle', 'Bye'>, END>>,
  Expect<Equal<Received<C, 'imp', END>, Closed>>,
];

// ---------------------------------------------------------------------------------------------
// Sending

function _sendAllowed(ep: Imp<C, 'Idle'>): void {
  const busy = ep.send('Add', { a: 1, b: 2 });
  const _state: 'Busy' = busy.state;
  type _next = Expect<Equal<typeof busy, Endpoint<C, 'imp', 'Busy'>>>;
  const _done = ep.send('Bye');
  type _doneT = Expect<Equal<typeof _done, Endpoint<C, 'imp', END>>>;
}

function _sendNotAllowedInState(start: Imp<C, 'Start'>, idle: Imp<C, 'Idle'>, busy: Imp<C, 'Busy'>): void {
  // @ts-expect-error Add is not sendable in Start (the importer must receive Ready first)
  start.send('Add', { a: 1, b: 2 });
  // @ts-expect-error Sum is an out message: the importer never sends it
  idle.send('Sum', { value: 1 });
  // @ts-expect-error in Busy the importer may only receive
  busy.send('Bye');
  // @ts-expect-error no such message at all
  idle.send('Multiply', { a: 1, b: 2 });
}

function _sendWrongPayload(ep: Imp<C, 'Idle'>): void {
  // @ts-expect-error a must be a number
  ep.send('Add', { a: '1', b: 2 });
  // @ts-expect-error b is missing
  ep.send('Add', { a: 1 });
  // @ts-expect-error the payload is missing
  ep.send('Add');
  // @ts-expect-error Bye has no fields, so it takes no payload
  ep.send('Bye', {});
  // @ts-expect-error not a payload object
  ep.send('Add', null);
}

function _sendExporter(ep: Exp<C, 'Busy'>): void {
  const _idle = ep.send('Sum', { value: 3 });
  type _idleT = Expect<Equal<typeof _idle, Endpoint<C, 'exp', 'Idle'>>>;
  ep.send('Note', { text: 'hi', level: 'warn' });
  // @ts-expect-error level is an enum of 'info' | 'warn'
  ep.send('Note', { text: 'hi', level: 'debug' });
  // @ts-expect-error Add is an in message: the exporter never sends it
  ep.send('Add', { a: 1, b: 2 });
}

function _endHasNothingToSend(ep: Imp<C, 'Idle'>, e: Exp<C, END>): void {
  const done = ep.send('Bye');
  // @ts-expect-error END has no sendable messages
  done.send('Bye');
  // @ts-expect-error END has no sendable messages
  done.send('Add', { a: 1, b: 2 });
  // @ts-expect-error nor for the exporter
  e.send('Sum', { value: 1 });
  // Closing is always possible.
  done.close();
}

function _sentEndpointIsTypedAtNextState(ep: Imp<C, 'Idle'>): void {
  const busy = ep.send('Add', { a: 1, b: 2 });
  // @ts-expect-error the endpoint is now in Busy, where the importer cannot send Add again
  busy.send('Add', { a: 3, b: 4 });
  // @ts-expect-error its state is Busy, not Idle
  const _s: 'Idle' = busy.state;
}

// ---------------------------------------------------------------------------------------------
// Receiving

async function _receiveNarrows(ep: Imp<C, 'Busy'>): Promise<void> {
  const m = await ep.receive();
  // @ts-expect-error value exists only once the tag says Sum
  const _early: number = m.value;
  switch (m.tag) {
    case 'Sum': {
      const v: number = m.value;
      const next: Imp<C, 'Idle'> = m.ep;
      // @ts-expect-error Sum has no text field
      const _t: string = m.text;
      void v; void next;
      break;
    }
    case 'Note': {
      const t: string = m.text;
      const lvl: 'info' | 'warn' = m.level;
      type _ep = Expect<Equal<typeof m.ep, Endpoint<C, 'imp', 'Busy2'>>>;
      void t; void lvl;
      break;
    }
    case '$closed': {
      const _ep: undefined = m.ep;
      break;
    }
    default: {
      const _never: never = m;
    }
  }
  // @ts-expect-error the importer in Busy never receives Ready
  if (m.tag === 'Ready') return;
}

async function _exporterReceives(ep: Exp<C, 'Idle'>): Promise<void> {
  const m = await ep.receive();
  if (m.tag === 'Add') {
    const sum: number = m.a + m.b;
    const busy = m.ep;
    busy.send('Sum', { value: sum });
  } else if (m.tag === 'Bye') {
    type _end = Expect<Equal<typeof m.ep, Endpoint<C, 'exp', END>>>;
  }
}

async function _expectIsTyped(ep: Imp<C, 'Busy'>): Promise<void> {
  const m = await ep.expect('Sum');
  type _m = Expect<Equal<typeof m, MessageOf<C, 'imp', 'Busy', 'Sum'>>>;
  const v: number = m.value;
  void v;
  // @ts-expect-error the importer never receives Add
  await ep.expect('Add');
  // @ts-expect-error $closed is not a message one can insist on
  await ep.expect('$closed');
}

async function _endpointFieldsAreTyped(ep: Exp<typeof Outer, 'Open'>, calc: Imp<C, 'Idle'>, wrong: Imp<C, 'Busy'>, imp: Imp<typeof Outer, 'Open'>): Promise<void> {
  imp.send('Give', { calc });
  // @ts-expect-error the field wants Calc.imp in state Idle
  imp.send('Give', { calc: wrong });
  const m = await ep.receive();
  if (m.tag === 'Give') {
    const got: Imp<C, 'Idle'> = m.calc;
    got.send('Add', { a: 1, b: 2 });
  }
}

// ---------------------------------------------------------------------------------------------
// The DSL itself

function _dslRejects(): void {
  contract('TBad1', {
    messages: { A: inn(), B: out() },
    initial: 'S',
    // @ts-expect-error Nope is not a declared message
    states: { S: { A: 'T', Nope: 'S' }, T: { B: 'S' } },
  });
  contract('TBad2', {
    messages: { A: inn(), B: out() },
    initial: 'S',
    // @ts-expect-error Nowhere is not a declared state
    states: { S: { A: 'Nowhere' }, T: { B: 'S' } },
  });
  contract('TBad3', {
    messages: { A: inn() },
    // @ts-expect-error the initial state must be declared
    initial: 'Missing',
    states: { S: { A: END } },
  });
  // @ts-expect-error endpointOf needs a declared state
  endpointOf(Calc, 'imp', 'Nope');
  // @ts-expect-error C.imp() needs a declared state
  Calc.imp('/svc/calc', 'Nope');
}

type _fields = [
  Expect<Equal<Infer<typeof i32>, number>>,
  Expect<Equal<Infer<ReturnType<typeof enumOf<['a', 'b']>>>, 'a' | 'b'>>,
  Expect<Equal<Infer<ReturnType<typeof record<{ x: typeof i32; s: typeof str }>>>, { x: number; s: string }>>,
  Expect<Equal<Infer<ReturnType<typeof array<number>>>, number[]>>,
];

test('the typed contracts used above compile and run', () => {
  const cc = compiledOf(Calc);
  assert.ok(cc !== undefined);
  assert.deepEqual(cc.states, ['Start', 'Idle', 'Busy', 'Busy2', END]);
  const give = compiledOf(Outer)?.byTag['Give'];
  assert.ok(give?.movers !== null && give?.movers.endpoint !== null && give?.movers.next === null, 'Give moves exactly one endpoint');
  assert.equal(Calc.imp().state, 'Start');
  // The compile-time checks above are functions that are never called.
  for (const f of [_sendAllowed, _sendNotAllowedInState, _sendWrongPayload, _sendExporter, _endHasNothingToSend, _sentEndpointIsTypedAtNextState, _receiveNarrows, _exporterReceives, _expectIsTyped, _endpointFieldsAreTyped, _dslRejects]) {
    assert.equal(typeof f, 'function');
  }
});
