// A worker domain: SIPs in a worker thread with its own isolate and kernel, for what software
// isolation in one isolate cannot give — a memory cap (`resourceLimits`), and a hard stop of a
// domain that spins where no fuel check reaches (a regular expression, a huge builtin call).
// Rules for callers (hosts): make one with the images it may run, `spawn` programs into it with
// startup endpoints from the parent kernel (kernel-owned ends whose peers are local processes or
// the host), `join` them, `terminate()` it. A channel into the domain is a Link pair: the process
// inside sees an ordinary endpoint, with the same contract checks and `$closed` semantics.
// Invariants: when the worker ends for any reason (exit, out of memory, terminate), every process
// inside it is reported failed (`killed`, E_DOMAIN) and every link into it closes, so the peers in
// the parent see `$closed`; the parent kernel is untouched.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { AnyContract } from '../contracts/contract.ts';
import type { Endpoint, Side } from '../contracts/view.ts';
import type { Kernel, ImageSource, ConsoleSink } from '../kernel/index.ts';
import { SingError } from '../lib/error.ts';
import type { ExitStatus } from '../runtime/abi.ts';
import { portOf, type DomainReply } from './control.ts';
import { Link } from './link.ts';

type AnyEndpoint = Endpoint<AnyContract, Side, string>;

export class DomainError extends SingError {
  constructor(code: string, message: string) { super(code, message); }
}

export interface WorkerDomainOptions {
  readonly name: string;
  /** The worker's heap cap (old generation), in MiB. */
  readonly memoryMb?: number;
  readonly console?: ConsoleSink;
}

export interface DomainProcess {
  readonly program: string;
  /** The pid inside the domain's kernel. */
  readonly pid: Promise<number>;
  join(): Promise<ExitStatus>;
}

interface Pending { program: string; started: (pid: number) => void; refused: (e: Error) => void; exited: (s: ExitStatus) => void; pid: number }

export class WorkerDomain {
  readonly name: string;
  readonly #kernel: Kernel;
  readonly #worker: Worker;
  readonly #ready: Promise<void>;
  readonly #procs = new Map<number, Pending>();
  #nextId = 1;
  #ended: string | null = null;

  constructor(kernel: Kernel, images: readonly ImageSource[], opts: WorkerDomainOptions) {
    this.name = opts.name;
    this.#kernel = kernel;
    this.#worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
      workerData: { images },
      execArgv: [], // not the parent's flags: worker-boot.mjs sets up its own loader
      ...(opts.memoryMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb, maxYoungGenerationSizeMb: Math.max(4, Math.floor(opts.memoryMb / 4)) } } : {}),
    });
    const sink = opts.console;
    this.#ready = new Promise((resolve, reject) => {
      this.#worker.on('message', (r: DomainReply) => {
        if (r.op === 'ready') resolve();
        else if (r.op === 'console') sink?.(r.line);
        else if (r.op === 'spawned') {
          const p = this.#procs.get(r.id);
          if (p === undefined) return;
          if (r.pid !== undefined) { p.pid = r.pid; p.started(r.pid); } else { this.#procs.delete(r.id); p.refused(new DomainError(r.error?.code ?? 'E_DOMAIN', `${this.name}: ${r.error?.message ?? 'spawn failed'}`)); }
        } else if (r.op === 'exit') {
          const p = this.#procs.get(r.id);
          if (p !== undefined) { this.#procs.delete(r.id); p.exited(r.status); }
        }
      });
      const end = (why: string): void => {
        if (this.#ended !== null) return;
        this.#ended = why;
        reject(new DomainError('E_DOMAIN', `${this.name}: ${why}`));
        for (const [id, p] of this.#procs) {
          this.#procs.delete(id);
          p.refused(new DomainError('E_DOMAIN', `${this.name}: ${why}`));
          p.exited(Object.freeze({ pid: p.pid, program: p.program, state: 'failed', code: 1, reason: 'killed', error: Object.freeze({ code: 'E_DOMAIN', message: `domain ${this.name} ended: ${why}` }) }));
        }
      };
      this.#worker.on('error', (e) => { end((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'it ran out of memory' : `it failed: ${e.message}`); });
      this.#worker.on('exit', (code) => { end(`its worker exited (code ${code})`); });
    });
    this.#ready.catch(() => undefined);
  }

  /** Why the domain ended, or null while it runs. */
  get ended(): string | null { return this.#ended; }

  /** Starts `program` inside the domain; `endpoints` are kernel-owned ends in the parent whose
   * peers are the processes (or host code) the new process will talk to. */
  spawn(program: string, opts: { params?: Record<string, unknown>; endpoints?: Record<string, AnyEndpoint> } = {}): DomainProcess {
    if (this.#ended !== null) throw new DomainError('E_DOMAIN', `${this.name}: the domain has ended (${this.#ended})`);
    const m = this.#kernel.manifestOf(program);
    const ports: Record<string, MessagePort> = {};
    const links: Link[] = [];
    for (const [key, ep] of Object.entries(opts.endpoints ?? {})) {
      const decl = m.endpoints.find((e) => e.key === key);
      if (decl === undefined) throw new DomainError('E_ENDPOINTS', `${this.name}: ${program} declares no startup endpoint ${key}`);
      const { port1, port2 } = new MessageChannel();
      links.push(new Link(`${this.name}:${program}.${key}`, ep, decl.cc, portOf(port1)));
      ports[key] = port2;
    }
    const id = this.#nextId++;
    let started!: (pid: number) => void;
    let refused!: (e: Error) => void;
    let exited!: (s: ExitStatus) => void;
    const pid = new Promise<number>((a, b) => { started = a; refused = b; });
    const status = new Promise<ExitStatus>((a) => { exited = a; });
    pid.catch(() => undefined);
    this.#procs.set(id, { program, started, refused, exited, pid: 0 });
    for (const l of links) l.start();
    void this.#ready.then(() => {
      this.#worker.postMessage({ op: 'spawn', id, program, params: opts.params ?? {}, ports }, Object.values(ports));
    }, () => undefined);
    return { program, pid, join: () => status };
  }

  /** Ends the domain at once, whatever its processes are doing. */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }
}
