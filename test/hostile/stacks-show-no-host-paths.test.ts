// Issue #11, point 6: error stacks shown to programs carry no host paths. `stacktrace` catches
// kernel errors of every kind (KernelError, HeapError, name-service errors, RangeError and
// TypeError thrown by kernel code, a rejected join) and one of its own, and prints each `.stack`
// as it read it, and as the console formats the error. None may name a host file, a Node
// internal or a Sing source; the program's own frames stay, under its image's name. It runs
// beside the neighbours (test/hostile/neighbours.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { said, within } from '../kit.ts';
import { neighbours } from './neighbours.ts';
import { PROGRAMS } from './programs/stacks.ts';

/** What a host path looks like in a stack: a URL or absolute path of a file, Node's internals,
 * a dependency, or a position in one of Sing's TypeScript sources. */
const HOST = /file:\/\/|\/work\/|node:internal|node_modules|\.ts:\d|\.js:\d|\.mjs:\d|\.cjs:\d/;

const HEADERS: Readonly<Record<string, RegExp>> = {
  range: /^RangeError: Bytes\.get\(100\): index outside \[0, 16\)/,
  read: /^RangeError: /,
  'split-view': /^HeapError: /,
  create: /^KernelError: .*no-such-program/,
  resource: /^KernelError: /,
  stop: /^KernelError: /,
  register: /^\w*Error: /,
  deregister: /^\w*Error: /,
  vector: /^TypeError: /,
  sleep: /^TypeError: /,
  own: /^Error: mine/,
  join: /^KernelError: /,
};

test('stacktrace: the stack of every kernel error a program catches names no host path', async () => {
  const n = await neighbours(PROGRAMS);
  const s = n.k.spawn('stacktrace');
  const st = await within(s.join(), 'stacktrace to end');
  assert.equal(st.state, 'exited', `it ended ${st.state} (${st.reason}${st.error !== undefined ? `: ${st.error.message}` : ''})`);
  const out = said(n, s.pid);
  assert.deepEqual(out.filter((l) => l.startsWith('no-throw')), [], 'every attempt threw');
  const stacks = new Map(out.filter((l) => l.startsWith('stack ')).map((l) => {
    const [, what, json] = /^stack (\S+) (.*)$/s.exec(l) ?? [];
    return [what as string, JSON.parse(json as string) as string];
  }));
  assert.deepEqual([...stacks.keys()].sort(), Object.keys(HEADERS).sort(), 'a stack for each attempt');
  for (const [what, stack] of stacks) {
    assert.match(stack, HEADERS[what] as RegExp, `${what}: ${stack}`);
    assert.doesNotMatch(stack, HOST, `${what}: the stack a program reads names a host path:\n${stack}`);
    assert.ok(stack.includes('(sing:stacktrace:'), `${what}: the program's own frames stay:\n${stack}`);
  }
  assert.ok(/^ {4}at <kernel>$/m.test(stacks.get('create') ?? ''), 'the kernel\'s frames are one marker');
  // The console renders a caught error through its stack too: the same view.
  const logged = out.filter((l) => l.startsWith('logged '));
  assert.equal(logged.length, Object.keys(HEADERS).length);
  for (const l of logged) assert.doesNotMatch(l, HOST, `what the console printed names a host path:\n${l}`);
  assert.ok(logged.some((l) => l.startsWith('logged create KernelError: ') && l.includes("{ code: 'E_NO_PROGRAM' }")), logged.join('\n'));
  await n.finish();
});
