// Regular expressions in linear time: no pattern a program writes or builds can hold the kernel.
// Two halves:
//  1. V8's fallback. Importing this module sets V8's flags (process-wide: every worker domain's
//     isolate shares them; process domains get them on their command line, `LINEAR_REGEXP_V8_FLAGS`)
//     so that a regular expression that backtracks more than `BACKTRACKS_BEFORE_FALLBACK` times in
//     one match is finished by V8's breadth-first engine, in time linear in its input. V8 reads
//     them when it compiles a regular expression (at its first run), so they are set at import,
//     before SES and long before any program.
//  2. Refusal of what that engine cannot run (backreferences, lookaround, the i/u/v/d flags and
//     counts above 16; see src/lib/linear-regexp.ts). A program's literals are judged at install
//     (the verifier's SING2018). Patterns built at run time are judged where the engine would
//     build them, and refused with `RegExpRefusedError` (a SyntaxError, code E_REGEXP):
//       - `new RegExp(s)`, `RegExp(s)`, `new (/x/.constructor)(s)`, subclasses: SES's RegExp
//         constructors (lockdown makes one for the host, one shared by compartments) call the
//         constructor SES captured when it loaded. This module puts a checking constructor on the
//         global while SES loads, so that is the one captured (and puts the original back in
//         `enableLinearRegExp`). A regular expression made from another one is refused only when
//         it is worse than its source: new flags that take a runnable pattern off the linear
//         engine (`new RegExp(/a+/, 'i')`); one already off it (a host's) may be copied.
//       - `String.prototype.match`, `matchAll`, `search` with a string (or a non-RegExp) build a
//         regular expression with the engine's own constructor: their wrappers build it here.
//       - `RegExp.prototype[Symbol.split]` and `[Symbol.matchAll]` build one through the species
//         constructor, which is the engine's own when `constructor` or its species is undefined,
//         with flags read from the receiver. A real regular expression without an own
//         `constructor` goes straight to the engine's method (its species is the shared, checking
//         constructor, whatever flags it shows); for anything else the wrappers resolve species
//         and flags once, build the copy here and hand the engine a relay that returns it.
//     The host (the kernel, TypeScript in the installer) keeps every pattern: `new RegExp` through
//     the host's global constructor is not checked. Host code that calls `RegExp(s)` without `new`,
//     or `match`/`matchAll`/`search` with a string, after lockdown, gets the programs' rules.
// Rules for callers: import this module before 'ses' (src/lib/harden.ts does, as its first
// import), and call `enableLinearRegExp()` once, before lockdown (ensureLockdown does). It throws
// E_REGEXP_SETUP when SES was loaded first (its captured constructor would check nothing), and
// checks after lockdown that the shared constructor reaches the check (failing loudly if not).
// The verdicts are cached per pattern and flags (4,096 entries, patterns up to 1 KiB). Asking V8
// for its own verdict (src/lib/linear-regexp.ts) turns on `--enable-experimental-regexp-engine`,
// which only makes the `l` (linear) flag writable; a pattern with it runs on the linear engine.
// Invariants: every check reads a value the program controls once and hands the engine only what
// it read (strings it made, objects whose reads cannot change: a fresh regular expression, or a
// relay object of its own), so no getter can show the check one pattern and the engine another.
// Wrappers keep their originals' names and lengths, and pass calls through unchanged before
// `enableLinearRegExp` and for the patterns they do not build.
import v8 from 'node:v8';
import { types } from 'node:util';
import { SingError } from '../lib/error.ts';
import { describeProblem, linearProblem, type LinearProblem } from '../lib/linear-regexp.ts';

/** Backtracks in one match before V8 hands it to the linear engine (V8's default: 50,000). The
 * work before the fallback is bounded by about this many passes over the input (a pattern that
 * backtracks once per start position, `/\s+$/` on a run of spaces, falls back only after this
 * many); the linear engine itself is some 40 times slower than the backtracking one on ordinary
 * scans. 10,000 keeps ordinary patterns on texts up to several KB on the fast engine, and the
 * worst case about 15 us per input character (docs/design-notes.md §14 has the measurements). */
export const BACKTRACKS_BEFORE_FALLBACK = 10000;

/** The V8 flags, for a process's command line (child processes do not inherit `setFlagsFromString`). */
export const LINEAR_REGEXP_V8_FLAGS: readonly string[] = Object.freeze([
  '--enable-experimental-regexp-engine-on-excessive-backtracks',
  `--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_FALLBACK}`,
]);

for (const f of LINEAR_REGEXP_V8_FLAGS) v8.setFlagsFromString(f);

/** A pattern a program built that the linear engine cannot run. A SyntaxError, as an invalid
 * pattern's error is, so code that handles bad patterns handles these. */
export class RegExpRefusedError extends SyntaxError {
  readonly code = 'E_REGEXP';
  constructor(source: string, flags: string, problem: LinearProblem) {
    super(describeProblem(source, flags, problem));
    this.name = 'RegExpRefusedError';
  }
}

type Fn = (...a: unknown[]) => unknown;
const { apply, construct, getPrototypeOf, defineProperty } = Reflect;
const hasOwn = Object.hasOwn;
const Original = RegExp;
const RegExpProto = Original.prototype;
const host = globalThis as unknown as { RegExp: unknown; lockdown?: unknown; harden?: (x: unknown) => unknown };
/** SES was loaded before this module: the constructor it captured is the engine's own. */
const sesFirst = typeof host.lockdown === 'function';

function getter(key: string): Fn {
  const g = Object.getOwnPropertyDescriptor(RegExpProto, key)?.get;
  if (g === undefined) throw new SingError('E_REGEXP_SETUP', `RegExp.prototype.${key} has no getter`);
  return g as Fn;
}
const sourceOf = getter('source');
/** The flags of a real regular expression, from its internal slots (no property it could shadow). */
const FLAG_GETTERS: readonly (readonly [string, Fn])[] = ([['d', 'hasIndices'], ['g', 'global'], ['i', 'ignoreCase'], ['m', 'multiline'], ['s', 'dotAll'],
  ['u', 'unicode'], ['v', 'unicodeSets'], ['y', 'sticky']] as const).flatMap(([f, key]) => (Object.getOwnPropertyDescriptor(RegExpProto, key)?.get === undefined ? [] : [[f, getter(key)] as const]));
function ownFlags(rx: RegExp): string {
  let out = '';
  for (const [f, g] of FLAG_GETTERS) if (apply(g, rx, []) === true) out += f;
  return out;
}

let armed = false;
let enabled = false;
let errorHardened = false;

// ---- The verdict, cached --------------------------------------------------------------------------

const verdicts = new Map<string, LinearProblem | null>();
const CACHE_MAX = 4096;
const CACHE_SOURCE_MAX = 1024;

/** The problem with a pattern, if any (cached by flags and source, unambiguously). */
export function regexpProblem(source: string, flags: string): LinearProblem | undefined {
  const key = `${flags.length}:${flags}${source}`;
  const hit = verdicts.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const p = linearProblem(source, flags);
  if (source.length <= CACHE_SOURCE_MAX) {
    if (verdicts.size >= CACHE_MAX) verdicts.clear();
    verdicts.set(key, p ?? null);
  }
  return p;
}

function refuse(source: string, flags: string, p: LinearProblem): never {
  if (!errorHardened && Object.isFrozen(RegExpProto) && typeof host.harden === 'function') {
    host.harden(RegExpRefusedError); // its prototype reaches programs with the error
    errorHardened = true;
  }
  throw new RegExpRefusedError(source, flags, p);
}

/** `ToString`, which throws for symbols as the engine's does. */
function str(x: unknown): string {
  return `${x as string}`;
}

/** A pattern and flags resolved as the RegExp constructor resolves them, each program-visible
 * value read once, checked, and built from the strings read. */
function build(pattern: unknown, flags: unknown, newTarget: Fn | undefined): RegExp {
  let source: string;
  let f: string;
  let from: RegExp | undefined; // a real regular expression it is made from
  if (types.isRegExp(pattern)) {
    from = pattern as RegExp;
    source = apply(sourceOf, from, []) as string;
    f = flags === undefined ? ownFlags(from) : str(flags);
  } else {
    let isRegExpLike = false;
    if ((typeof pattern === 'object' && pattern !== null) || typeof pattern === 'function') {
      const m = (pattern as Record<symbol, unknown>)[Symbol.match];
      isRegExpLike = m !== undefined && Boolean(m);
    }
    let p: unknown = pattern;
    let fl: unknown = flags;
    if (isRegExpLike) {
      p = (pattern as { source?: unknown }).source;
      if (flags === undefined) fl = (pattern as { flags?: unknown }).flags;
    }
    source = p === undefined ? '' : str(p);
    f = fl === undefined ? '' : str(fl);
  }
  const problem = regexpProblem(source, f);
  // Copying a regular expression that is already off the linear engine adds nothing.
  if (problem !== undefined && (from === undefined || (flags !== undefined && regexpProblem(source, ownFlags(from)) === undefined))) refuse(source, f, problem);
  return construct(Original, [source, f], newTarget ?? Original) as RegExp;
}

// ---- The constructor SES captures ---------------------------------------------------------------

/** Stands in for the engine's RegExp while SES loads; afterwards reached only through SES's
 * constructors (host and shared). */
const Shim = function RegExp(this: unknown, pattern?: unknown, flags?: unknown): RegExp {
  const nt = new.target as Fn | undefined;
  const self = nt === (Shim as unknown);
  if (!armed || (nt !== undefined && nt === host.RegExp)) {
    // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
    return nt === undefined ? apply(Original, undefined, arguments) as RegExp : construct(Original, arguments, self ? Original : nt) as RegExp;
  }
  return build(pattern, flags, self ? undefined : nt);
};
defineProperty(Shim, 'prototype', { value: RegExpProto, writable: false, enumerable: false, configurable: false });
defineProperty(Shim, 'length', { value: 2 });
const species = Object.getOwnPropertyDescriptor(Original, Symbol.species);
if (species !== undefined) defineProperty(Shim, Symbol.species, species);
if (!sesFirst) host.RegExp = Shim;

// ---- Wrappers for the other ways to build one ------------------------------------------------------

function isObject(x: unknown): x is object {
  return (typeof x === 'object' && x !== null) || typeof x === 'function';
}

/** A real regular expression whose reads of `key` go to the frozen prototype: the engine reads
 * the same value every time. With `key` 'constructor', the species constructor the engine's
 * @@split and @@matchAll find for it is the shared one, which checks what it builds (flags the
 * program shadowed included). */
function plain(x: object, key: PropertyKey): boolean {
  return types.isRegExp(x) && getPrototypeOf(x) === RegExpProto && !hasOwn(x, key);
}

/** An object with one method, `key`, that calls `m` on `target`: the engine reads the method from
 * it, not from a program's object whose getter could answer differently the second time. */
function relayMethod(key: symbol, m: unknown, target: unknown): object {
  return { [key](this: unknown, s: unknown): unknown { return apply(m as Fn, target, [s]); } };
}

/** An object the engine's @@split/@@matchAll reads a species constructor and flags from: the
 * constructor returns `made`, which was built and checked here. */
function relaySpecies(made: object, flags: string, lastIndex?: unknown): object {
  const C = function (): object { return made; };
  return { constructor: { [Symbol.species]: C }, flags, lastIndex };
}

/** SpeciesConstructor(o, default), each property read once. A species that is no constructor is
 * returned as it is: constructing it throws the TypeError the engine would. */
function speciesOf(o: object, fallback: Fn): Fn {
  const C = (o as { constructor?: unknown }).constructor;
  if (C === undefined) return fallback;
  if (!isObject(C)) throw new TypeError('object.constructor is not an object');
  const S = (C as Record<symbol, unknown>)[Symbol.species];
  return S === undefined || S === null ? fallback : S as Fn;
}

/** What `String.prototype.match`/`search` (flags '') and `matchAll` (flags 'g') should be handed
 * for `regexp`: itself when the engine's reads of it are stable, a relay to its own method, or a
 * regular expression built (and checked) here from its text. */
function argumentFor(regexp: unknown, key: symbol, flags: string): unknown {
  if (regexp === undefined || regexp === null) return regexp;
  if (isObject(regexp)) {
    if (plain(regexp, key)) return regexp;
    const m = (regexp as Record<symbol, unknown>)[key];
    if (m !== undefined && m !== null) return relayMethod(key, m, regexp);
  }
  return build(str(regexp), flags, undefined);
}

const S = String.prototype as unknown as Record<string, Fn>;
const R = RegExpProto as unknown as Record<symbol, Fn>;

function wrap(holder: object, key: string | symbol, f: Fn): void {
  const original = (holder as Record<string | symbol, unknown>)[key] as Fn;
  defineProperty(f, 'length', { value: original.length });
  defineProperty(holder, key, { value: f });
}

function installWrappers(): void {
  const match = S['match'] as Fn;
  const search = S['search'] as Fn;
  const matchAll = S['matchAll'] as Fn;
  const split = R[Symbol.split] as Fn;
  const rxMatchAll = R[Symbol.matchAll] as Fn;
  wrap(String.prototype, 'match', {
    match(this: unknown, regexp?: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
      if (!armed || this === null || this === undefined) return apply(match, this, arguments);
      return apply(match, this, [argumentFor(regexp, Symbol.match, '')]);
    },
  }.match);
  wrap(String.prototype, 'search', {
    search(this: unknown, regexp?: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
      if (!armed || this === null || this === undefined) return apply(search, this, arguments);
      return apply(search, this, [argumentFor(regexp, Symbol.search, '')]);
    },
  }.search);
  wrap(String.prototype, 'matchAll', {
    matchAll(this: unknown, regexp?: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
      if (!armed || this === null || this === undefined) return apply(matchAll, this, arguments);
      if (!isObject(regexp) || plain(regexp, Symbol.matchAll)) return apply(matchAll, this, [argumentFor(regexp, Symbol.matchAll, 'g')]);
      // A program's object: the engine's non-global check, done here on what it reads once.
      const m = (regexp as Record<symbol, unknown>)[Symbol.match];
      if (m !== undefined ? Boolean(m) : types.isRegExp(regexp)) {
        const flags = (regexp as { flags?: unknown }).flags;
        if (flags === undefined || flags === null || !str(flags).includes('g')) throw new TypeError('String.prototype.matchAll called with a non-global RegExp argument');
      }
      return apply(matchAll, this, [argumentFor(regexp, Symbol.matchAll, 'g')]);
    },
  }.matchAll);
  wrap(RegExpProto, Symbol.split, {
    [Symbol.split](this: unknown, string?: unknown, limit?: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
      if (!armed || !isObject(this) || plain(this, 'constructor')) return apply(split, this, arguments);
      const s = str(string);
      const C = speciesOf(this, Original as unknown as Fn);
      const flags = str((this as { flags?: unknown }).flags);
      const newFlags = flags.includes('y') ? flags : `${flags}y`;
      const splitter = C === (Original as unknown) ? build(this, newFlags, undefined) : construct(C, [this, newFlags]) as object;
      return apply(split, relaySpecies(splitter, flags), [s, limit]);
    },
  }[Symbol.split]);
  wrap(RegExpProto, Symbol.matchAll, {
    [Symbol.matchAll](this: unknown, string?: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params -- pass the arguments exactly as given
      if (!armed || !isObject(this) || plain(this, 'constructor')) return apply(rxMatchAll, this, arguments);
      const s = str(string);
      const C = speciesOf(this, Original as unknown as Fn);
      const flags = str((this as { flags?: unknown }).flags);
      const matcher = C === (Original as unknown) ? build(this, flags, undefined) : construct(C, [this, flags]) as object;
      return apply(rxMatchAll, relaySpecies(matcher, flags, (this as { lastIndex?: unknown }).lastIndex), [s]);
    },
  }[Symbol.matchAll]);
}

/** Turns the checks on (idempotent). Call before lockdown: it wraps shared prototypes. */
export function enableLinearRegExp(): void {
  if (enabled) return;
  enabled = true;
  if (sesFirst) {
    throw new SingError('E_REGEXP_SETUP', 'SES was loaded before src/kernel/regexp.ts: the RegExp constructor it captured would build any pattern; import regexp.ts before \'ses\'');
  }
  if (host.RegExp === Shim) host.RegExp = Original;
  installWrappers();
  armed = true;
  // After lockdown (the caller's next step), the constructor compartments share must refuse.
  queueMicrotask(verifySetup);
}

function verifySetup(): void {
  if (!Object.isFrozen(RegExpProto)) return; // not locked down (yet): nothing shared to check
  const Shared = (RegExpProto as { constructor: unknown }).constructor as new (s: string) => RegExp;
  try {
    new Shared('(?=x)');
  } catch (e) {
    if (e instanceof RegExpRefusedError) return;
    throw e;
  }
  throw new SingError('E_REGEXP_SETUP', 'the RegExp constructor compartments share builds patterns the linear engine cannot run: SES captured the engine\'s own constructor');
}

/** For tests: whether the checks are on. */
export function linearRegExpEnabled(): boolean {
  return armed;
}
