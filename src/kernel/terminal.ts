// The host's terminal, as the kernel lends it to the console driver (`abi.openTerminal(key)`): the
// keys a person types (or a script's text) in, text out to the screen. This is the kernel's trusted
// host I/O for the terminal, the sibling of block-devices.ts and sockets.ts; nothing else in Sing
// reads the keyboard.
// Rules for callers: the host gives the kernel a TerminalHost (KernelOptions.terminal), which calls
// the `deliver` function it is given with each piece of input and with null once the input has
// ended. The kernel calls `open` for a driver process that declares `{ kind: 'terminal' }` under
// the key (the resource table makes it exclusive), and `ended` when the process ends.
// Invariants: input is never lost between drivers: what arrives while no read waits is kept (up to
// MAX_KEPT characters; beyond that the oldest goes, as a terminal's type-ahead buffer would), a
// read is handed at most one line, and a driver that dies with a read waiting leaves the input to
// the next one; at most one handle is
// open at a time; a closed handle's reads and writes throw E_TERMINAL_CLOSED.
import { Pending, pendingState } from '../channels/pending.ts';
import { harden } from '../lib/harden.ts';
import type { HostResource } from '../runtime/program.ts';
import type { TerminalPort } from '../runtime/abi.ts';
import { KernelError } from './error.ts';
import type { Process } from './process.ts';
import { fromHostIo } from './scheduler.ts';

/** What the host gives the kernel: where input comes from and where text goes. */
export interface TerminalHost {
  /** Whether a person types (keys one by one, escape sequences) rather than a script. */
  readonly interactive: boolean;
  /** Called once, with the function that takes each piece of input (null: the input ended). */
  input(deliver: (text: string | null) => void): void;
  write(text: string): void;
}

const TOKEN: unique symbol = Symbol('terminal');
const MAX_KEPT = 64 * 1024;
const MAX_WRITE = 64 * 1024;

export class Terminals {
  readonly #host: TerminalHost | undefined;
  #kept = '';
  #ended = false;
  #reader: { readonly p: Process; readonly w: Pending<string | null> } | null = null;
  #holder: { readonly p: Process; h: TerminalHandle } | null = null;

  constructor(host: TerminalHost | undefined) {
    this.#host = host;
    host?.input((text) => { fromHostIo(Terminals.#arrived, this, text); });
  }

  static #arrived(t: Terminals, text: string | null): void {
    if (text === null) t.#ended = true;
    else {
      t.#kept += text;
      if (t.#kept.length > MAX_KEPT) t.#kept = t.#kept.slice(t.#kept.length - MAX_KEPT);
    }
    const r = t.#reader;
    if (r === null) return;
    t.#reader = null;
    if (r.p.alive) t.#hand(r.w);
  }

  #hand(w: Pending<string | null>): void {
    if (this.#kept !== '') {
      // A line at a time (up to and with its end, CR, LF or CR LF): what a driver has not been
      // handed stays here, so a driver that dies loses at most the line it was given.
      const k = this.#kept;
      const cr = k.indexOf('\r');
      const lf = k.indexOf('\n');
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      const cut = end < 0 ? k.length : k.startsWith('\r\n', end) ? end + 2 : end + 1;
      this.#kept = k.slice(cut);
      w.settle(k.slice(0, cut));
    } else if (this.#ended) {
      w.settle(null);
    }
  }

  open(p: Process, r: HostResource | undefined, key: string): TerminalPort {
    const where = `${p.label}: openTerminal(${JSON.stringify(String(key))})`;
    if (p.manifest?.category !== 'driver') throw new KernelError('E_NOT_DRIVER', `${where}: only a program of the driver category may open the terminal (its manifest says ${p.manifest?.category ?? 'application'})`);
    if (r === undefined || r.kind !== 'terminal') throw new KernelError('E_RESOURCE', `${where}: the manifest declares no host terminal resource ({ kind: 'terminal' }) of that name`);
    if (this.#host === undefined) throw new KernelError('E_NO_TERMINAL', `${where}: this system has no terminal (it runs headless); the host gives one with KernelOptions.terminal`);
    if (this.#holder !== null) throw new KernelError('E_TERMINAL_BUSY', `${where}: the terminal is open already; close it first`);
    const h = new TerminalHandle(TOKEN, this, p, this.#host.interactive);
    this.#holder = { p, h };
    return h;
  }

  read(p: Process, h: TerminalHandle): Pending<string | null> {
    this.#check(p, h, 'read()');
    if (this.#reader !== null) throw new KernelError('E_TERMINAL_BUSY', `${p.label}: terminal read(): a read is waiting already; one at a time`);
    const w = new Pending<string | null>();
    this.#hand(w);
    if (pendingState(w) === 0) this.#reader = { p, w }; // nothing kept and the input goes on
    return w;
  }

  write(p: Process, h: TerminalHandle, text: unknown): void {
    this.#check(p, h, 'write()');
    if (typeof text !== 'string') throw new TypeError(`${p.label}: terminal write(): expected text, got ${typeof text}`);
    if (text.length > MAX_WRITE) throw new RangeError(`${p.label}: terminal write(): ${text.length} characters; at most ${MAX_WRITE} a call`);
    this.#host?.write(text);
  }

  close(p: Process, h: TerminalHandle): void {
    if (this.#holder?.h !== h) return;
    this.#holder = null;
    if (this.#reader?.p === p) this.#reader = null;
  }

  /** The process ended: its terminal is free for the next driver, with any input still kept. */
  ended(p: Process): void {
    if (this.#holder?.p === p) this.#holder = null;
    if (this.#reader?.p === p) this.#reader = null;
  }

  #check(p: Process, h: TerminalHandle, what: string): void {
    if (this.#holder?.h !== h || this.#holder.p !== p) throw new KernelError('E_TERMINAL_CLOSED', `${p.label}: terminal ${what}: the terminal is not open for this process (closed, or opened by another)`);
  }
}

/** What a driver holds for the open terminal. */
class TerminalHandle implements TerminalPort {
  readonly #t: Terminals;
  readonly #p: Process;
  readonly interactive: boolean;
  constructor(token: typeof TOKEN, t: Terminals, p: Process, interactive: boolean) {
    if (token !== TOKEN) throw new TypeError('a terminal handle is made by the kernel');
    this.#t = t;
    this.#p = p;
    this.interactive = interactive;
    Object.freeze(this);
  }
  read(): PromiseLike<string | null> { return this.#t.read(this.#p, this); }
  write(text: string): void { this.#t.write(this.#p, this, text); }
  close(): void { this.#t.close(this.#p, this); }
}
harden(TerminalHandle);
