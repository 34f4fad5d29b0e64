// Issue #11, point 6: the kernel never runs program code while it formats a program's console
// output. `loudvalues` logs values whose getters, Symbol.toStringTag getter, Proxy traps,
// conversion hooks and overridden Map methods would each register a mark through the ABI (so the
// mark shows whichever code ran it) and note themselves; it then prints what ran. It runs beside
// the neighbours (test/hostile/neighbours.ts), whose heartbeat must not notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marks, said, within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { PROGRAMS } from './programs/console.ts';

test('loudvalues: logging getters, Proxies, toStringTag, hooks and huge or deep values runs none of the program\'s code', async () => {
  const n = await neighbours(PROGRAMS);
  const s = n.k.spawn('loudvalues');
  const st = await within(s.join(), 'loudvalues to end');
  assert.equal(st.state, 'exited', `it ended ${st.state} (${st.reason}${st.error !== undefined ? `: ${st.error.message}` : ''})`);
  const out = said(n, s.pid);
  assert.equal(out.length, 4, out.join('\n').slice(0, 2000));
  const [first, second, third, last] = out as [string, string, string, string];
  assert.equal(last, 'ran []', 'no getter, trap or hook ran, in the kernel or anywhere');
  assert.deepEqual(marks(n.k, s.pid), [], 'and none registered a mark through the ABI');
  // What it printed is still readable.
  assert.equal(first, '{ secret: [Getter/Setter] } { [Symbol(Symbol.toStringTag)]: [Getter] } Sneaky {} { toJSON: [Function: toJSON], toString: [Function: toString], '
    + 'valueOf: [Function: valueOf], [Symbol(Symbol.toPrimitive)]: [Function: [Symbol.toPrimitive]] } [Proxy] [Proxy] {}');
  assert.ok(second.startsWith('[ 1, [Getter], 3 ] RangeError\n'), second.slice(0, 200));
  assert.ok(second.includes("Map(1) { 'k' => 1 } { next: { next: { next: { next: [Object] } } } } { self: [Circular] }"), second.slice(-300));
  assert.ok(third.startsWith('[ 7, 7, 7, ') && third.includes('... 1999900 more items ] Uint8Array(5000) [ 0, 0, '), third.slice(0, 300));
  await n.finish();
});
