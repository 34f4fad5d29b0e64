// Hostile programs for issue #12 (source text; see programs/bounded.ts for how they are built):
// memory that grows fast or slowly, builtins called with huge sizes, and a turn that holds the
// thread through slow builtins. Each is expected to end with the reason its name's entry in
// EXPECTED gives.

/** A program whose main runs `body` (with `abi` and `console` in scope) and returns 0. */
function program(name: string, body: string, extra = ''): string {
  return `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: '${name}',
  console: true,${extra}
  async main({ abi, console }) {
    void abi; void console;
    ${body}
    return 0;
  },
});
`;
}

export const PROGRAMS = {
  // Rows of strings pushed for ever, yielding now and then: a slow leak across many turns.
  rows: program('rows', `const rows: string[][] = []; for (let i = 0; ; i++) { rows.push(['row' + i, 'x'.repeat(200) + i]); if (i % 500 === 0) await abi.yield(); }`),
  // A Map grown for ever, one entry per turn-slice.
  mapgrow: program('mapgrow', `const m = new Map<number, number[]>(); for (let i = 0; ; i++) { m.set(i, [i, i + 1, i + 2, i + 3]); if (i % 1000 === 0) await abi.yield(); }`),
  // Closures kept in an array.
  closures: program('closures', `const fs: (() => number)[] = []; for (let i = 0; ; i++) { const big = [i, i, i, i, i, i, i, i]; fs.push(() => big.length); if (i % 1000 === 0) await abi.yield(); }`),
  // A string doubled until it is huge, kept in pieces.
  doubling: program('doubling', `const keep: string[] = []; let s = 'ab'; for (;;) { s = s + s; if (s.length > (1 << 20)) { keep.push(s.slice(1) + '!'); s = 'ab'; } await abi.yield(); }`),
  // Promise chains that are never settled, kept.
  promises: program('promises', `const ps: Promise<number>[] = []; for (let i = 0; ; i++) { ps.push(new Promise<number>(() => undefined).then((x) => x + i)); if (i % 1000 === 0) await abi.yield(); }`),
  // A huge holey array filled in one call.
  fill: program('fill', `const a = new Array(2 ** 27).fill(1); console.log(String(a.length));`),
  // A 2 GiB typed array.
  u8: program('u8', `const a = new Uint8Array(2 ** 31); a.fill(1); console.log(String(a.length));`),
  // Typed arrays of 16 MiB kept, a turn apart.
  buffers: program('buffers', `const keep: Uint8Array[] = []; for (;;) { keep.push(new Uint8Array(16 * 1024 * 1024)); await abi.yield(); }`),
  // String.prototype.repeat of a quarter gigabyte.
  repeat: program('repeat', `const s = 'ab'.repeat(2 ** 27); console.log(String(s.length));`),
  // padStart to a quarter gigabyte.
  pad: program('pad', `const s = 'x'.padStart(2 ** 28, 'y'); console.log(String(s.length));`),
  // JSON.parse of a text of 64 Mi characters.
  json: program('json', `const t = '[' + '1,'.repeat(2 ** 25) + '1]'; console.log(String(t.length)); const v = JSON.parse(t) as number[]; console.log(String(v.length));`),
  // indexOf over a 64 MiB string in a loop: each call is slow, the loop is charged per call.
  scan: program('scan', `const s = 'a'.repeat(2 ** 22) + 'a'.repeat(2 ** 22); let n = 0; for (;;) { n += s.indexOf('b'); }`),
  // Sorting a million numbers, again and again, in one turn.
  sorting: program('sorting', `const a: number[] = []; for (let i = 0; i < 1000000; i++) a.push((i * 7919) % 1000003); for (;;) { a.sort((x, y) => x - y); a.reverse(); }`),
  // A trusted program may be given a larger budget; within it, it allocates and exits cleanly.
  bigbudget: program('bigbudget', `const keep: number[][] = []; for (let i = 0; i < 40; i++) { keep.push(new Array(250000).fill(i)); await abi.yield(); } console.log('held ' + String(keep.length));`, `
  trusted: true,
  resources: { memory: '512MiB' },`),
  // An untrusted program may not ask for more than the system's default budget.
  greedy: program('greedy', `console.log('never');`, `
  resources: { memory: '1GiB' },`),
} as const;

/** Each program's end: [reason, error code]. */
export const EXPECTED: Readonly<Record<string, readonly [string, string]>> = {
  rows: ['memory', 'E_MEMORY'],
  mapgrow: ['memory', 'E_MEMORY'],
  closures: ['memory', 'E_MEMORY'],
  doubling: ['memory', 'E_MEMORY'],
  promises: ['memory', 'E_MEMORY'],
  fill: ['memory', 'E_MEMORY'],
  u8: ['memory', 'E_MEMORY'],
  buffers: ['memory', 'E_MEMORY'],
  repeat: ['memory', 'E_MEMORY'],
  pad: ['memory', 'E_MEMORY'],
  json: ['memory', 'E_MEMORY'],
  scan: ['fuel', 'E_FUEL'],
  sorting: ['fuel', 'E_FUEL'],
};
