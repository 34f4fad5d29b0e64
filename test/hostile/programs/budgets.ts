// Hostile programs for issue #12 (source text; see programs/bounded.ts for how they are built):
// memory that grows fast or slowly (arrays, strings, maps, sets, objects, closures, promise
// chains, typed arrays), every metered builtin called with huge sizes, slow builtins in loops, and
// mixtures. Each is expected to end with the reason its entry in EXPECTED gives.
// Rules: PROGRAMS pass the install-time verifier (programs-pass-the-verifier.test.ts checks them
// all); UNVERIFIED do not (they name a global the programs' type library lacks) and are compiled
// without it. A program whose end on today's kernel differs from EXPECTED is listed in KNOWN_GAPS
// with why (its expectation stays honest); memory-and-time-budgets-hold.test.ts runs the rest.
// Sizes are chosen so that one limit clearly comes first, whatever the machine: a single call is
// either far over the budget by what it will allocate (refused before it runs) or small enough to
// end well within a turn, its results kept across turns until the budget is passed (what a builtin
// returns that cannot be sized beforehand is measured after); memory programs yield every few
// milliseconds, so that only the fuel programs hold a turn past limits.turnMs.

/** A program whose main runs `body` (with `abi` and `console` in scope) and returns 0. */
function program(name: string, body: string, extra = '', prelude = ''): string {
  return `
import { defineProgram } from 'sing/runtime';${prelude}
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

/** TextEncoder is a compartment global, but the programs' type library (ES2022, no DOM) does not
 * declare it, and the verifier refuses an ambient declaration of a value (SING2017), a cast of
 * globalThis (SING2011) and @ts-expect-error (SING1003): a verified program cannot name it. The
 * programs that use it declare it and are in UNVERIFIED (compiled without the verifier). */
const TEXT = `
declare class TextEncoder { encode(s: string): Uint8Array }`;

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
  // JSON.parse of a text of 64 Mi characters (built by doubling, a rope that costs little until
  // JSON.parse flattens it).
  json: program('json', `let t = '1,'; while (t.length < 2 ** 26) t = t + t; t = '[' + t + '1]'; console.log(String(t.length)); const v = JSON.parse(t) as number[]; console.log(String(v.length));`),
  // indexOf over a 64 MiB string in a loop: each call is slow, the loop is charged per call.
  scan: program('scan', `const s = 'a'.repeat(2 ** 22) + 'a'.repeat(2 ** 22); let n = 0; for (;;) { n += s.indexOf('b'); }`),
  // Sorting a million numbers, again and again, in one turn.
  sorting: program('sorting', `const a: number[] = []; for (let i = 0; i < 1000000; i++) a.push((i * 7919) % 1000003); for (;;) { a.sort((x, y) => x - y); a.reverse(); }`),
  // ---- More memory growth, fast and slow ----
  // A Set of distinct strings, grown a thousand members a turn.
  setgrow: program('setgrow', `const s = new Set<string>(); for (let i = 0; ; i++) { s.add('member-' + i); if (i % 1000 === 0) await abi.yield(); }`),
  // One object given ever more keys (a dictionary-mode object).
  manykeys: program('manykeys', `const o: Record<string, number> = {}; for (let i = 0; ; i++) { o['key' + i] = i; if (i % 1000 === 0) await abi.yield(); }`),
  // One promise chain that never settles, a link per step: its head's resolver is kept (used in
  // the loop), so every link stays reachable from it.
  chain: program('chain', `let settle: (x: number) => void = () => undefined; let p: Promise<number> = new Promise<number>((r) => { settle = r; }); for (let i = 0; ; i++) { p = p.then((x) => x + i); if (i % 1000 === 0) { if (i < 0) settle(i); await abi.yield(); } }`),
  // Closures that each capture the one before (a linked list of scopes).
  closurechain: program('closurechain', `let f = (): number => 0; for (let i = 0; ; i++) { const g = f; const pad = [i, i, i, i]; f = () => g() + pad.length; if (i % 1000 === 0) await abi.yield(); }`),
  // Fast: half a megabyte of numbers a step, 1 MiB a turn (a turn stays well under turnMs).
  fastarrays: program('fastarrays', `const keep: number[][] = []; for (;;) { const row: number[] = []; for (let j = 0; j < 65536; j++) row.push(j); keep.push(row); if (keep.length % 2 === 0) await abi.yield(); }`),
  // Slow: 128 KiB a turn, sleeping a millisecond between turns (hundreds of turns to its budget).
  slowleak: program('slowleak', `const keep: number[][] = []; for (let i = 0; ; i++) { const row: number[] = []; for (let j = 0; j < 16384; j++) row.push(i + j); keep.push(row); await abi.sleep(1); }`),
  // A string grown by concatenation (a rope of small pieces), yielding now and then.
  stringcat: program('stringcat', `let s = ''; for (let i = 0; ; i++) { s += 'piece' + i + ';'; if (i % 2000 === 0) await abi.yield(); if (s.length < 0) return 1; }`),
  // Typed arrays under the metering threshold (4,000 bytes each, outside the heap), 256 a turn.
  smalltyped: program('smalltyped', `const keep: Uint8Array[] = []; for (;;) { for (let j = 0; j < 256; j++) keep.push(new Uint8Array(4000)); await abi.yield(); }`),
  // Copies of a 1 MiB typed array (slice makes a new buffer outside the heap), one a turn.
  slicekept: program('slicekept', `const src = new Uint8Array(1 << 20); const keep: Uint8Array[] = []; for (;;) { keep.push(src.slice()); await abi.yield(); }`),
  // Copies of an 8 MiB array by spreading (syntax, charged by the compiled code), one a turn.
  spread: program('spread', `const a = new Array<number>(1 << 18).fill(1); await abi.yield(); const keep: number[][] = []; for (;;) { keep.push([...a]); await abi.yield(); }`),
  // One spread of a 16 Mi-character string: an array of 16 Mi one-character strings (128 MiB).
  spreadbomb: program('spreadbomb', `const s = 'x'.repeat(1 << 24); const a = [...s]; console.log(String(a.length));`),

  // ---- Metered builtins with huge sizes ----
  // Array.from of an array-like with 2^27 elements.
  arrayfrom: program('arrayfrom', `const a = Array.from({ length: 2 ** 27 }); console.log(String(a.length));`),
  // Array.from of a 32 MiB typed array: 2^25 numbers.
  fromtyped: program('fromtyped', `const a = Array.from(new Uint8Array(1 << 25)); console.log(String(a.length));`),
  // join of a sparse array of 2^26 (V8 makes it a dictionary: no memory yet) with a 4-character
  // separator (256 Mi characters).
  join: program('join', `const s = new Array<number>(2 ** 26).join('abcd'); console.log(String(s.length));`),
  // The default sort (it compares numbers as strings) of two million numbers, again and again.
  sortdefault: program('sortdefault', `const a: number[] = []; for (let i = 0; i < (1 << 21); i++) a.push((i * 7919) % 1000003); for (;;) { a.sort(); a.reverse(); }`),
  // concat doubling an array of a million, keeping each.
  concat: program('concat', `let a: number[] = new Array<number>(1 << 20).fill(1); const keep = [a]; for (;;) { a = a.concat(a); keep.push(a); await abi.yield(); }`),
  // flat of eight references to a 2 Mi array (16 Mi elements, 128 MiB in one call), kept.
  flat: program('flat', `const a = new Array<number>(1 << 21).fill(1); const parts = [a, a, a, a, a, a, a, a]; const keep: number[][] = []; for (;;) { keep.push(parts.flat()); await abi.yield(); }`),
  // padEnd to a quarter gigabyte.
  padend: program('padend', `const s = 'x'.padEnd(2 ** 28, 'yz'); console.log(String(s.length));`),
  // replaceAll turning 128 Ki characters into 8 Mi, each result kept (its size is known only after).
  replaceall: program('replaceall', `const s = 'a'.repeat(1 << 17); const r = 'b'.repeat(64); const keep: string[] = []; for (;;) { keep.push(s.replaceAll('a', r)); await abi.yield(); }`),
  // split of a 512 Ki-character string into 256 Ki pieces, each result kept (its size is known only after).
  split: program('split', `const s = 'ab,'.repeat(1 << 18); const keep: string[][] = []; for (;;) { keep.push(s.split(',')); await abi.yield(); }`),
  // JSON.parse of 1 Mi characters (half a million numbers), again and again, kept.
  jsonparse: program('jsonparse', `const t = '[' + '7,'.repeat((1 << 19) - 1) + '7]'; const keep: unknown[] = []; for (;;) { keep.push(JSON.parse(t)); await abi.yield(); }`),
  // JSON.stringify of 65,536 strings of 64 characters (4 Mi characters out), kept.
  stringify: program('stringify', `const a = new Array<string>(1 << 16).fill('abcdefgh'.repeat(8)); const keep: string[] = []; for (;;) { keep.push(JSON.stringify(a)); await abi.yield(); }`),
  // Typed-array set from a million-element array, in a loop.
  typedset: program('typedset', `const big = new Uint8Array(1 << 20); const src = new Array<number>(1 << 20).fill(7); for (;;) big.set(src);`),
  // Typed-array fill of 32 MiB, in a loop.
  typedfill: program('typedfill', `const a = new Uint8Array(1 << 25); for (;;) a.fill(1);`),
  // new ArrayBuffer of 2 GiB.
  arraybuffer: program('arraybuffer', `const b = new ArrayBuffer(2 ** 31); console.log(String(b.byteLength));`),
  // A resizable ArrayBuffer whose maximum is 4 GiB (what it may grow to is what it is charged).
  resizable: program('resizable', `const b = Reflect.construct(ArrayBuffer, [16, { maxByteLength: 2 ** 32 }]) as ArrayBuffer; console.log(String(b.byteLength));`),
  // Object.keys of a 131,072-element array (as many index strings), kept.
  objectkeys: program('objectkeys', `const a = new Array<number>(1 << 17).fill(0); const keep: string[][] = []; for (;;) { keep.push(Object.keys(a)); await abi.yield(); }`),
  // Object.getOwnPropertyNames of the same array: the same work as Object.keys, under another name.
  ownnames: program('ownnames', `const a: number[] = []; for (let k = 0; k < 64; k++) { for (let i = 0; i < 65536; i++) a.push(0); await abi.yield(); } const keep: string[][] = []; for (;;) { keep.push(Object.getOwnPropertyNames(a)); await abi.yield(); }`),

  // Object.assign of a 65,536-element array onto a fresh object (engine loop, not metered), kept.
  assign: program('assign', `const a = new Array<number>(1 << 16).fill(1); const keep: object[] = []; for (;;) { keep.push(Object.assign({}, a)); await abi.yield(); }`),
  // encodeURIComponent of 512 Ki two-byte characters (3 Mi characters out; not metered), kept.
  uri: program('uri', `const s = '\\u00e9'.repeat(1 << 19); const keep: string[] = []; for (;;) { keep.push(encodeURIComponent(s)); await abi.yield(); }`),
  // A Set made from a 65,536-element array in one constructor call (not metered), kept.
  setfrom: program('setfrom', `const a: number[] = []; for (let i = 0; i < (1 << 16); i++) a.push(i); const keep: Set<number>[] = []; for (;;) { keep.push(new Set(a)); await abi.yield(); }`),
  // new Array(2 ** 25): V8 makes it with 256 MiB of holes at once (not sparse, not metered), kept.
  holes: program('holes', `const keep: number[][] = []; for (;;) { keep.push(new Array<number>(1 << 25)); await abi.yield(); }`),
  // Promise.all over a million values: a million promises and reactions from one call, kept.
  promiseall: program('promiseall', `const a = new Array<number>(1 << 20).fill(1); await abi.yield(); const keep: Promise<number[]>[] = []; for (;;) { keep.push(Promise.all(a)); await abi.yield(); }`),

  // ---- Slow builtins in loops ----
  // includes over a million-element array that never holds the value.
  includes: program('includes', `const a = new Array<number>(1 << 20).fill(0); let n = 0; for (;;) { if (a.includes(1)) n++; }`),
  // search (metered) of a 4 Mi-character string for a character it lacks.
  search: program('search', `const s = 'a'.repeat(1 << 22); let n = 0; for (;;) { n += s.search(/b/); }`),
  // RegExp test over the same string: linear, but each call scans four million characters.
  retest: program('retest', `const s = 'a'.repeat(1 << 22); let n = 0; for (;;) { if (/b/.test(s)) n++; }`),

  // ---- Mixtures ----
  // Leaks slowly (64 KiB a turn) and spins briefly (a few hundred thousand checks) every turn.
  leakspin: program('leakspin', `const keep: number[][] = []; for (let i = 0; ; i++) { const row: number[] = []; for (let j = 0; j < 8192; j++) row.push(j); keep.push(row); let x = 0; for (let j = 0; j < 200000; j++) x += j & 7; if (x < 0) return 1; await abi.yield(); }`),
  // Allocates a 16 MiB buffer, fills it in 64 KiB chunks a turn apart, then allocates the next.
  chunkfill: program('chunkfill', `const keep: Uint8Array[] = []; for (;;) { const b = new Uint8Array(16 << 20); keep.push(b); for (let at = 0; at < b.length; at += 1 << 16) { b.fill(7, at, at + (1 << 16)); await abi.yield(); } }`),
  // Behaves for a hundred turns, then bombs in one call.
  latebomb: program('latebomb', `for (let i = 0; i < 100; i++) await abi.yield(); const a = new Array<number>(2 ** 27).fill(1); console.log(String(a.length));`),
  // A map of upper-cased 8 KiB strings (a metered builtin's result each), 16 a turn.
  upper: program('upper', `const m = new Map<number, string>(); const s = 'q'.repeat(8192); for (let i = 0; ; i++) { m.set(i, s.toUpperCase() + i); if (i % 16 === 0) await abi.yield(); }`),
  // 1 Mi-character strings from repeat kept, in one turn. V8 builds a repeat as a rope (little
  // memory), but each call is charged a unit of fuel per character: the turn's fuel runs out first.
  repeatkept: program('repeatkept', `const keep: string[] = []; for (let i = 0; ; i++) keep.push('r'.repeat(1 << 20) + i);`),
  // Filled 512 KiB arrays kept, 2 MiB a turn (a fast bomb through a metered builtin).
  fillkept: program('fillkept', `const keep: number[][] = []; for (let i = 1; ; i++) { keep.push(new Array<number>(1 << 16).fill(i + 0.5)); if (i % 4 === 0) await abi.yield(); }`),

  // A trusted program may be given a larger budget; within it, it allocates and exits cleanly.
  bigbudget: program('bigbudget', `const keep: number[][] = []; for (let i = 0; i < 40; i++) { keep.push(new Array(250000).fill(i)); await abi.yield(); } console.log('held ' + String(keep.length));`, `
  trusted: true,
  resources: { memory: '512MiB' },`),
  // An untrusted program may not ask for more than the system's default budget.
  greedy: program('greedy', `console.log('never');`, `
  resources: { memory: '1GiB' },`),
} as const;

/** Programs the verifier refuses (they name TextEncoder, see TEXT), for a kernel that must hold
 * against a program installed some other way (compiled by a host with compileImage). */
export const UNVERIFIED = {
  // TextEncoder results (new buffers outside the heap) of a 1 Mi-character string, one a turn.
  encodekept: program('encodekept', `const s = 'e'.repeat(1 << 20); const enc = new TextEncoder(); const keep: Uint8Array[] = []; for (;;) { keep.push(enc.encode(s)); await abi.yield(); }`, '', TEXT),
  // TextEncoder.encode of 32 Mi two-byte characters (64 MiB of UTF-8).
  encode: program('encode', `const s = '\\u00e9'.repeat(1 << 25); const b = new TextEncoder().encode(s); console.log(String(b.length));`, '', TEXT),
} as const;

const MEMORY = ['memory', 'E_MEMORY'] as const;
const FUEL = ['fuel', 'E_FUEL'] as const;

/** Each hostile program's end, as docs/design-notes.md §13 says it should be: [reason, error
 * code]. Memory over the budget ends a program with `memory`; a turn that holds the thread past
 * limits.turnMs (or spends its fuel) ends it with `fuel`. (bigbudget and greedy have tests of
 * their own.) */
export const EXPECTED: Readonly<Record<string, readonly [string, string]>> = {
  // Memory growth, fast and slow.
  rows: MEMORY, mapgrow: MEMORY, closures: MEMORY, doubling: MEMORY, promises: MEMORY, buffers: MEMORY,
  setgrow: MEMORY, manykeys: MEMORY, chain: MEMORY, closurechain: MEMORY, fastarrays: MEMORY, slowleak: MEMORY,
  stringcat: MEMORY, smalltyped: MEMORY, slicekept: MEMORY, spread: MEMORY, spreadbomb: MEMORY, encodekept: MEMORY,
  // Metered builtins with huge sizes.
  fill: MEMORY, u8: MEMORY, repeat: MEMORY, pad: MEMORY, json: MEMORY, arrayfrom: MEMORY, fromtyped: MEMORY,
  join: MEMORY, sortdefault: FUEL, concat: MEMORY, flat: MEMORY, padend: MEMORY, replaceall: MEMORY, split: MEMORY,
  jsonparse: MEMORY, stringify: MEMORY, typedset: FUEL, typedfill: FUEL, arraybuffer: MEMORY, resizable: MEMORY,
  objectkeys: MEMORY, ownnames: MEMORY, holes: MEMORY, encode: MEMORY, assign: MEMORY, uri: MEMORY, setfrom: MEMORY, promiseall: MEMORY,
  // Slow builtins in loops.
  scan: FUEL, sorting: FUEL, includes: FUEL, search: FUEL, retest: FUEL,
  // Mixtures.
  leakspin: MEMORY, chunkfill: MEMORY, latebomb: MEMORY, upper: MEMORY, repeatkept: FUEL, fillkept: MEMORY,
};

/** Programs that the kernel as it is does not end as EXPECTED and §13 say (measured on the
 * development machine, Node 20.20, with the neighbours of neighbours.ts): a different end, or the
 * right end only after holding far more memory, or the thread far longer, than the notes promise
 * (so that the test's limits would fail now and then). The test does not run them: each is a fix
 * to make in the kernel, after which it moves back to being run. */
export const KNOWN_GAPS: Readonly<Record<string, string>> = {
};
