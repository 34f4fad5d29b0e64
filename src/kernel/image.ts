// Images: sealed program code, and how the kernel evaluates it.
// Rules for callers: an ImageSource comes from the image compiler (src/install); `loadImage`
// evaluates it once in a fresh SES Compartment whose global object holds only the safe shared
// intrinsics (no evaluators), binds the listed free globals once, and returns the per-process
// factory. Each process calls the factory afresh, so module state is private to the instance.
// Invariants: the compartment's global object is frozen after evaluation, so two instances of
// one image cannot talk through it; an image whose hash does not match its code is refused.
// The code is evaluated with a `sing:<name>` sourceURL appended (after the hash check), which is
// how stack formatting tells program frames from the kernel's (src/lib/stacks.ts).
import { ensureLockdown, harden } from '../lib/harden.ts';
import { SingError } from '../lib/error.ts';
import { imageSourceUrl } from '../lib/stacks.ts';
import { imageHash, type ImageSource } from './image-source.ts';
import { meteredGlobals } from '../lib/metered-constructors.ts';
import { heapMeter } from './heap-meter.ts';

export { imageHash, type ImageSource };

/**
 * The guard inserted by the image compiler: one per process, the `__sing$g` every check in its
 * image calls. Emitted by src/install/seal.ts (and fuel.ts for `f`/`o`), implemented by
 * src/kernel/guard.ts.
 *
 * | letter | what the compiled code does with it                          | emitted at                   |
 * |--------|--------------------------------------------------------------|------------------------------|
 * | d      | reads it: true once the process is dead (skips `finally`)    | every finally block          |
 * | f      | counts it down: the turn's CPU fuel                          | function entries, loops      |
 * | o()    | calls it when `f` goes negative: kill, or end for fuel       | same                         |
 * | x(e)   | first statement of a catch: rethrows the kill, fails on overflow | every catch clause       |
 * | co()   | runs a compiled async function as a kernel coroutine         | eligible async functions     |
 * | r(ep)  | `await ep.receive()` in a coroutine: parks on the endpoint   | coroutine awaits of receive  |
 * | w(x)   | `await x` in a native async function: resumed by the scheduler | native awaits              |
 * | a(v)   | wraps that await's result: checks for death on resumption    | native awaits                |
 * | i(e)   | the iterable of a `for await`: each step through `w`         | for await loops              |
 */
export interface GuardObject {
  d: boolean;
  f: number;
  o(): void;
  u(n: number): boolean;
  s<T>(x: T, object?: 1): T;
  a<T>(v: T): T;
  w(v: unknown): Promise<unknown>;
  i(iterable: unknown): AsyncIterable<unknown>;
  x(e: unknown): void;
  r(ep: unknown): unknown;
  co(body: (...a: unknown[]) => Generator<unknown, unknown, unknown>, self: unknown, args?: ArrayLike<unknown>): Promise<unknown>;
}
/** Runs the module once for one process and returns its default export. */
export type Factory = (guard: GuardObject) => unknown;

export interface Image {
  readonly name: string;
  readonly hash: string;
  readonly factory: Factory;
  /** The script V8 compiled the image's code as: how the heap meter tells its memory from the
   * rest (undefined without an inspector; then its memory is not measured). */
  readonly scriptId: string | undefined;
}

export class ImageError extends SingError {
  constructor(name: string, message: string) { super('E_IMAGE', `image ${name}: ${message}`); }
}

const REMOVED = ['eval', 'Function', 'Compartment', 'lockdown'];


function freshCompartment(): Compartment {
  ensureLockdown();
  harden(meteredGlobals());
  const c = new Compartment();
  for (const n of REMOVED) delete (c.globalThis as Record<string, unknown>)[n];
  return c;
}

let globalNames: ReadonlySet<string> | undefined;
/** The global names an image may bind (the same for every compartment). */
export function compartmentGlobals(): ReadonlySet<string> {
  globalNames ??= new Set(Object.getOwnPropertyNames(freshCompartment().globalThis));
  return globalNames;
}

export function loadImage(src: ImageSource, runtime: object): Image {
  if (imageHash(src.code, src.globals) !== src.hash) throw new ImageError(src.name, `hash mismatch: the image was altered after it was sealed`);
  const c = freshCompartment();
  const g = c.globalThis as Record<string, unknown>;
  const metered = meteredGlobals();
  const values = src.globals.map((n) => {
    if (!Object.hasOwn(g, n)) throw new ImageError(src.name, `binds global ${n}, which this kernel does not offer`);
    return Object.hasOwn(metered, n) ? metered[n] : g[n];
  });
  let outer: unknown;
  try {
    outer = c.evaluate(src.code + imageSourceUrl(src.name));
  } catch (e) {
    throw new ImageError(src.name, `evaluation failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  harden(c.globalThis);
  if (typeof outer !== 'function') throw new ImageError(src.name, 'the code is not an image wrapper');
  const factory = (outer as (...a: unknown[]) => unknown)(...values, runtime);
  if (typeof factory !== 'function') throw new ImageError(src.name, 'the image wrapper did not return a factory');
  return Object.freeze({ name: src.name, hash: src.hash, factory: factory as Factory, scriptId: heapMeter.scriptOf(outer as () => unknown) });
}
