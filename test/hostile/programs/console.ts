// Hostile programs for the console (source text; the test kit compiles each with contracts.ts and
// probe.ts beside it, and programs-pass-the-verifier.test.ts asks the verifier about every one).

/** Logs values whose every getter, trap and conversion hook would register a mark (through the
 * ABI, so it shows even if it ran in kernel code) and note itself; then prints what ran. */
export const LOUDVALUES = `
import { defineProgram } from 'sing/runtime';
import { marker } from './probe.ts';
export default defineProgram({
  name: 'loudvalues',
  console: true,
  main({ abi, console }) {
    const mark = marker(abi);
    const ran: string[] = [];
    const note = (what: string): boolean => { ran.push(what); mark(what); return false; };
    const getters = { get secret(): number { note('getter'); return 1; }, set secret(_v: number) { note('setter'); } };
    const tagged = { get [Symbol.toStringTag](): string { note('toStringTag'); return 'Tag'; } };
    class Sneaky { get inherited(): number { note('inherited'); return 2; } }
    const hooks = {
      toJSON: (): number => { note('toJSON'); return 1; },
      toString: (): string => { note('toString'); return 'x'; },
      valueOf: (): number => { note('valueOf'); return 1; },
      [Symbol.toPrimitive]: (): number => { note('toPrimitive'); return 1; },
    };
    const target = { a: 1 };
    const handler: ProxyHandler<{ a: number }> = {
      get: (t, k): unknown => { note('get'); const v: unknown = k === 'a' ? t.a : undefined; return v; },
      set: () => note('set'),
      has: () => note('has'),
      deleteProperty: () => note('deleteProperty'),
      ownKeys: (t) => { note('ownKeys'); return Reflect.ownKeys(t); },
      getOwnPropertyDescriptor: (t, k) => { note('getOwnPropertyDescriptor'); return Reflect.getOwnPropertyDescriptor(t, k); },
      defineProperty: () => note('defineProperty'),
      getPrototypeOf: (t) => { note('getPrototypeOf'); return Reflect.getPrototypeOf(t); },
      setPrototypeOf: () => note('setPrototypeOf'),
      isExtensible: (t) => { note('isExtensible'); return Reflect.isExtensible(t); },
      preventExtensions: () => note('preventExtensions'),
    };
    const proxy = new Proxy(target, handler);
    const fnProxy = new Proxy((): number => 1, {
      apply: () => { note('apply'); return 0; },
      getPrototypeOf: () => { note('fn getPrototypeOf'); return null; },
      getOwnPropertyDescriptor: () => { note('fn getOwnPropertyDescriptor'); return undefined; },
    });
    const onProxy = Object.create(proxy) as object;
    const arr = [1, 2, 3];
    Object.defineProperty(arr, 1, { get: () => { note('index'); return 0; }, enumerable: true });
    const err = new RangeError('quiet');
    Object.defineProperty(err, 'message', { get: () => { note('message'); return 'loud'; } });
    class LoudError extends Error {
      constructor(m: string) { super(m); Object.defineProperty(this, 'name', { get: () => { note('name'); return 'Loud'; } }); }
    }
    class SneakyMap extends Map<string, number> {
      override get size(): number { note('size'); return 0; }
      override entries(): MapIterator<[string, number]> { note('entries'); return super.entries(); }
    }
    const deep: { next: unknown } = { next: null };
    let at = deep;
    for (let i = 0; i < 10000; i++) { const n = { next: null }; at.next = n; at = n; }
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    console.log(getters, tagged, new Sneaky(), hooks, proxy, fnProxy, onProxy);
    console.log(arr, err, new LoudError('e'), new SneakyMap([['k', 1]]), deep, cycle);
    console.log(new Array(2000000).fill(7), new Uint8Array(5000));
    console.log('ran ' + JSON.stringify(ran));
    return 0;
  },
});
`;

/** A 16 MiB line, a structure full of long strings, then a short line. */
export const LONGLINE = `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'longline',
  console: true,
  main({ console }) {
    const big = 'x'.repeat(16 * 1024 * 1024);
    console.log(big);
    console.log('head', big, 'tail');
    console.error({ list: Array.from({ length: 5000 }, (_, i) => 'item ' + String(i) + ' ' + 'y'.repeat(200)) });
    console.log('short');
    return 0;
  },
});
`;

/** Writes \`n\` numbered lines as fast as it can, sleeps \`pause\` ms of kernel time, writes
 * \`after\`, and (when \`then\` > 0) writes \`then\` more lines and returns at once. */
export const FLOOD = `
import { defineProgram, i32 } from 'sing/runtime';
export default defineProgram({
  name: 'flood',
  console: true,
  parameters: { n: i32, pause: i32, then: i32 },
  async main({ abi, console, params }) {
    for (let i = 0; i < params.n; i++) console.log('line ' + String(i));
    await abi.sleep(params.pause);
    console.log('after');
    for (let i = 0; i < params.then; i++) console.log('more ' + String(i));
    return 0;
  },
});
`;

export const PROGRAMS: Record<string, string> = { loudvalues: LOUDVALUES, longline: LONGLINE, flood: FLOOD };
