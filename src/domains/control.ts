// The control protocol between a domain host (parent side, domain-host.ts) and the kernel inside
// the domain (domain-main.ts), carried on the connection's mux as channel 0.
// Rules: requests and replies are plain structured-clone data; a link port is named by its mux id;
// each side checks what it receives as outside input (a malformed message is ignored or refused,
// never a crash). A mount travels as a name does (publish, withdraw, refused), marked by its
// contract's fingerprint: several contracts may be mounted at one prefix.
import type { ConsoleSink } from '../kernel/console.ts';
import type { Partition } from '../exheap/heap.ts';
import type { ImageSource } from '../kernel/index.ts';
import type { KernelLimits } from '../kernel/limits.ts';
import type { NamingOptions } from '../kernel/naming.ts';
import type { BindResult, ExitStatus, PeerIdentity } from '../runtime/abi.ts';

/** What a domain starts with. */
export interface DomainInit {
  readonly id: number;
  readonly name: string;
  readonly images: readonly ImageSource[];
  /** Its partition of the shared arena (worker domains), or the size of an arena of its own. */
  readonly heap: Partition | number;
  /** The limits its kernel runs with (the system policy's); the defaults for the rest. */
  readonly limits?: Partial<KernelLimits>;
  /** The parent kernel's naming conventions (its allowMultiple families), for the domain's kernel. */
  readonly naming?: NamingOptions;
}

/** A worker domain's start-up data: its init and the two rings of its pipe (ring-pipe.ts). */
export interface WorkerStart {
  readonly init: DomainInit;
  readonly toWorker: SharedArrayBuffer;
  readonly toParent: SharedArrayBuffer;
  /** The process's spin slots (poller.ts), shared by every thread. */
  readonly spinSlots: SharedArrayBuffer;
}

/** Each ring's size: a few hundred small messages, or a 64 KiB one in pieces without waiting. */
export const RING_BYTES = 1024 * 1024;

export type ToDomain =
  | { readonly op: 'init'; readonly init: DomainInit }
  | { readonly op: 'spawn'; readonly id: number; readonly program: string; readonly params: Record<string, unknown>; readonly ports: Record<string, number>; readonly host?: Readonly<Record<string, string>> }
  | { readonly op: 'release'; readonly region: number; readonly weight: number }
  | { readonly op: 'bound'; readonly req: number; readonly result: BindResult }
  | { readonly op: 'refused'; readonly path: string; readonly reason: string; readonly fingerprint?: string }
  | { readonly op: 'stop' };

export type FromDomain =
  | { readonly op: 'ready' }
  | { readonly op: 'spawned'; readonly id: number; readonly pid?: number; readonly error?: { readonly code: string; readonly message: string } }
  | { readonly op: 'exit'; readonly id: number; readonly status: ExitStatus }
  | { readonly op: 'console'; readonly line: Parameters<ConsoleSink>[0] }
  | { readonly op: 'release'; readonly home: number; readonly region: number; readonly weight: number }
  | { readonly op: 'publish'; readonly path: string; readonly fingerprint: string; readonly port: number; readonly mount?: boolean }
  | { readonly op: 'withdraw'; readonly path: string; readonly fingerprint?: string }
  | { readonly op: 'bind'; readonly req: number; readonly path: string; readonly fingerprint: string; readonly port: number; readonly access: 'read' | 'write' | null; readonly binder: PeerIdentity | null }
  | { readonly op: 'stopped' };

export function isOp(m: unknown): m is { readonly op: string } & Record<string, unknown> {
  return typeof m === 'object' && m !== null && typeof (m as { op?: unknown }).op === 'string';
}
