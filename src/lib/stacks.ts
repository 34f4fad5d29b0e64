// Stacks: how every error's `.stack` text is written in a realm that runs programs, so that no
// error a program can observe names a host path.
// V8 builds `.stack` lazily, the first time it is read, by calling the realm's original Error
// constructor's `prepareStackTrace` with the frames it captured when the error was made. After
// SES lockdown that constructor is no longer `globalThis.Error`, but V8 (through Node) still
// calls its hook, for errors made anywhere: kernel code, Node internals, program code.
// `installStackFormatter` (called once, by ensureLockdown, right after lockdown and before
// anything freezes the original Error) puts `prepareStack` there and makes it permanent.
//
// What a stack shows:
//  - Program frames (code evaluated from a sealed image, whose source carries
//    `//# sourceURL=sing:<image>`, see `imageSourceUrl`) stay, with their image line and column.
//  - Frames without any script (engine builtins such as `Array.map`) stay when no other frame is
//    in their run; every run that holds any other frame (Sing's sources, Node internals,
//    node_modules, the host's files, SES's evaluator) becomes one `    at <kernel>` line.
//  - This *program view* is used for an error when any of its frames is a program's, when a
//    program is the one reading `.stack` (a program frame is on the reading stack), or while
//    kernel code formats values for a program (`asProgramView`). Otherwise (a host error, read
//    by the host) the stack is the host's: every frame with its place, mapped through source
//    maps when Node has them, so kernel bugs stay debuggable.
//  - With SING_HOST_STACKS=1 in the environment every stack is the host's, program-touched or
//    not: for debugging the kernel, never for running programs one does not trust.
// Rules for callers: kernel code must not read `.stack` of an error it will hand to a program
// before the program does (the text is fixed at the first read); read it inside `asProgramView`
// if it must. Formatting never runs program code: the header is built from own data properties
// (no getters, no Proxy traps), frames come from V8's CallSite methods, which run no JavaScript.
// Invariants: `prepareStack` never throws on account of the error it formats (a RangeError from
// running out of stack is the exception: it propagates to whoever read `.stack`).
import { findSourceMap } from 'node:module';
import { types } from 'node:util';

/** The part of V8's CallSite this module reads. */
export interface Frame {
  getFunctionName(): string | null;
  getTypeName(): string | null;
  getScriptNameOrSourceURL(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  isEval(): boolean;
  isToplevel(): boolean;
  isConstructor(): boolean;
  isAsync(): boolean;
  isNative(): boolean;
  toString(): string;
}

/** The sourceURL scheme of program code. */
export const PROGRAM_URL = 'sing:';
/** The line that stands for a run of frames a program may not see. */
export const HIDDEN_FRAMES = '    at <kernel>';

/** The `//# sourceURL` line to append to an image's code before evaluating it. */
export function imageSourceUrl(imageName: string): string {
  return `\n//# sourceURL=${PROGRAM_URL}${encodeURIComponent(imageName)}\n`;
}

let hostStacks = false;
let programView = 0;
let installed = false;
let reading = false;
let captureHere: ((holder: object) => void) | undefined;

/** Runs `fn` with every stack first read during it written in the program view (for kernel code
 * that formats values on a program's behalf, such as the console). */
export function asProgramView<T>(fn: () => T): T {
  programView++;
  try {
    return fn();
  } finally {
    programView--;
  }
}

/** Installs the formatter on the realm's original Error constructor (taken before lockdown). */
export function installStackFormatter(original: ErrorConstructor, env: Readonly<Record<string, string | undefined>>): void {
  if (installed) return;
  installed = true;
  hostStacks = env['SING_HOST_STACKS'] === '1';
  const capture = original.captureStackTrace;
  captureHere = (holder) => { capture(holder); };
  Object.defineProperty(original, 'prepareStackTrace', {
    value: (error: unknown, frames: readonly Frame[]) => prepareStack(error, frames),
    writable: false,
    enumerable: false,
    configurable: false,
  });
}

function isProgramFrame(f: Frame): boolean {
  const url = f.getScriptNameOrSourceURL();
  return f.isEval() && typeof url === 'string' && url.startsWith(PROGRAM_URL);
}

function isBuiltinFrame(f: Frame): boolean {
  const url = f.getScriptNameOrSourceURL();
  return !f.isEval() && (url === undefined || url === null || url === '');
}

/** True when a program is reading `.stack` now: a program frame is on the current stack. While
 * V8 formats one stack it formats any other with its own default (no hook), so the text below
 * is V8's, in which a program frame shows its `sing:` sourceURL. A match on anything else only
 * makes the stack more discreet. */
function programIsReading(): boolean {
  if (captureHere === undefined || reading) return false;
  reading = true; // called outside V8's formatting (a test), the read below comes back here
  try {
    const holder: { stack?: unknown } = {};
    captureHere(holder);
    const text = holder.stack;
    return typeof text === 'string' && (text.includes(`(${PROGRAM_URL}`) || text.includes(`at ${PROGRAM_URL}`));
  } finally {
    reading = false;
  }
}

let wantProgram = false;

/** Frames of the metering machinery itself, skipped when looking for who called a builtin. */
const METER_FILES = ['/lib/metered-builtins.', '/lib/metered-constructors.', '/kernel/memory-budgets.', '/lib/stacks.'];

/** The image name of the program whose code called the builtin being metered: the first frame
 * on the stack, past the metering machinery's own and the engine's builtins, when it is a
 * program's; null when it is the kernel's or the host's (kernel code a program called is not
 * charged, so that a charge never ends a process halfway through a kernel operation). Costs a
 * stack capture (microseconds): for large calls only. */
export function programCaller(): string | null {
  if (captureHere === undefined) return null;
  wantProgram = true;
  try {
    const holder: { stack?: unknown } = {};
    captureHere(holder);
    const v = holder.stack;
    return typeof v === 'string' && v !== '' ? v : null;
  } finally {
    wantProgram = false;
  }
}

/** V8's prepareStackTrace: the header line, then the frames in the view that applies (or, for
 * `innermostProgram`, the program's name). */
export function prepareStack(error: unknown, frames: readonly Frame[]): string {
  if (wantProgram) {
    wantProgram = false;
    for (const f of frames) {
      const url = f.getScriptNameOrSourceURL();
      if (isProgramFrame(f)) {
        try { return decodeURIComponent((url ?? PROGRAM_URL).slice(PROGRAM_URL.length)); } catch { return ''; }
      }
      if (isBuiltinFrame(f) || (typeof url === 'string' && METER_FILES.some((m) => url.includes(m)))) continue;
      return '';
    }
    return '';
  }
  const head = errorHeader(error);
  if (hostStacks) return head + hostFrames(frames);
  const program = programView > 0 || frames.some(isProgramFrame) || programIsReading();
  return head + (program ? programFrames(frames) : hostFrames(frames));
}

/** The frames as a program sees them (see the header). */
export function programFrames(frames: readonly Frame[]): string {
  let out = '';
  let run: string[] = [];
  let hidden = false;
  const flush = (): void => {
    if (hidden) out += `\n${HIDDEN_FRAMES}`;
    else for (const line of run) out += `\n${line}`;
    run = [];
    hidden = false;
  };
  for (const f of frames) {
    if (isProgramFrame(f)) {
      flush();
      out += `\n    at ${frameText(f, `${f.getScriptNameOrSourceURL() ?? PROGRAM_URL}:${f.getLineNumber() ?? 0}:${f.getColumnNumber() ?? 0}`)}`;
    } else if (isBuiltinFrame(f)) {
      run.push(`    at ${frameText(f, f.isNative() ? 'native' : '<anonymous>')}`);
    } else {
      hidden = true;
    }
  }
  flush();
  return out;
}

/** `async new Type.name (where)`, built from the frame's parts (never from the script's own
 * name, which for evaluated code would show the evaluator's host path). */
function frameText(f: Frame, where: string): string {
  const fn = f.getFunctionName();
  let name = fn === null || fn === '' ? '<anonymous>' : fn;
  if (!f.isToplevel() && !f.isConstructor()) {
    const type = f.getTypeName();
    if (type !== null && type !== '' && !name.startsWith(`${type}.`)) name = `${type}.${name}`;
  }
  const prefix = `${f.isAsync() ? 'async ' : ''}${f.isConstructor() ? 'new ' : ''}`;
  return `${prefix}${name} (${where})`;
}

/** Every frame with its place, mapped through Node's source maps where there is one (the
 * transpiled sources' positions mean little). */
export function hostFrames(frames: readonly Frame[]): string {
  let out = '';
  for (const f of frames) out += `\n    at ${mapped(f)}`;
  return out;
}

function mapped(f: Frame): string {
  const text = String(f);
  const url = f.getScriptNameOrSourceURL();
  const line = f.getLineNumber();
  const col = f.getColumnNumber();
  if (f.isEval() || typeof url !== 'string' || url === '' || line === null || col === null) return text;
  try {
    const entry = findSourceMap(url)?.findEntry(line - 1, col - 1);
    if (entry === undefined || !('originalSource' in entry) || typeof entry.originalSource !== 'string') return text;
    const at = `${url}:${line}:${col}`;
    const to = `${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    const i = text.lastIndexOf(at);
    return i < 0 ? text : `${text.slice(0, i)}${to}${text.slice(i + at.length)}`;
  } catch (e) {
    if (e instanceof RangeError) throw e;
    return text;
  }
}

/** `Name: message` from data properties only: `message` must be the error's own, `name` is
 * looked up the prototype chain (stopping at a Proxy; the engine's error prototypes by identity).
 * Nothing of the error runs. */
export function errorHeader(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Error';
  if (types.isProxy(error)) return 'Error';
  const message = dataString(error, 'message');
  let name: string | undefined;
  let o: object | null = error;
  for (let i = 0; o !== null && i < 64 && name === undefined; i++) {
    if (types.isProxy(o)) break;
    name = dataString(o, 'name') ?? NATIVE_NAMES.get(o);
    o = Object.getPrototypeOf(o) as object | null;
  }
  const n = name ?? 'Error';
  return message === undefined || message === '' ? n : n === '' ? message : `${n}: ${message}`;
}

/** The engine's error prototypes and their names. SES's lockdown turns their `name` data
 * properties into accessors (its override taming), so they are known by identity instead. */
const NATIVE_NAMES: ReadonlyMap<object, string> = new Map<object, string>(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError].map((c) => [c.prototype, c.name]),
);

function dataString(o: object, key: string): string | undefined {
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d !== undefined && 'value' in d && typeof d.value === 'string' ? d.value : undefined;
}
