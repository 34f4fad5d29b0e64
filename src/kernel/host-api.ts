// The kernel's host-facing types: how a host configures a kernel (KernelOptions), what it hears of
// processes (KernelEvent) and what it holds for a process it spawned (Spawned). Kept apart from
// kernel.ts, which implements them, so that the kernel's file stays about the kernel's work.
// Rules for callers: hosts import these through src/kernel/index.ts; programs never see them.
import type { Partition } from '../exheap/heap.ts';
import type { ExitStatus, ProcessState } from '../runtime/abi.ts';
import type { Clock } from './clock.ts';
import type { ConsoleSink } from './console.ts';
import type { KernelLimits } from './limits.ts';
import type { NamingOptions } from './naming.ts';
import type { ResourceProbe } from './resources.ts';
import type { NetOptions } from './sockets.ts';
import type { TerminalHost } from './terminal.ts';

export interface KernelOptions {
  readonly clock?: Clock;
  readonly console?: ConsoleSink;
  /** Bytes in the exchange heap's arena (default 32 MiB), or, for a kernel inside a worker
   * protection domain, its partition of the arena it shares with its parent. */
  readonly exchangeHeap?: number | Partition;
  /** Says whether a declared host resource is available (see resources.ts). */
  readonly resources?: ResourceProbe;
  /** Bounds on processes, endpoints, quotas and the console (limits.ts); defaults for the rest. */
  readonly limits?: Partial<KernelLimits>;
  /** Naming conventions (naming.ts): `allowMultiple` lists the families (`/dev/disk`) in which a
   * manifest export of a taken member (`/dev/disk0`) takes the lowest free one instead;
   * DEFAULT_ALLOW_MULTIPLE (`/dev/disk`, `/dev/ramdisk`) when not given. */
  readonly naming?: NamingOptions;
  /** TCP sockets (sockets.ts): the host address listeners listen on (127.0.0.1 by default), and
   * the received bytes kept per socket for a slow reader before it is paused (64 KiB). */
  readonly net?: NetOptions;
  /** The system's host bindings, per program (`{ disk: { disk0: 'disks/disk0.img' } }`): applied
   * whenever that program is created without bindings of its own, by the host or by a program (a
   * supervisor restarting a driver). A spawn's own `host` replaces them. */
  /** The host's terminal, lent to the console driver (terminal.ts); none: the system is headless. */
  readonly terminal?: TerminalHost;
  readonly hostBindings?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export type KernelEvent =
  | { readonly type: 'create' | 'start'; readonly pid: number; readonly ppid: number; readonly program: string }
  | { readonly type: 'exit'; readonly pid: number; readonly ppid: number; readonly program: string; readonly status: ExitStatus };

/** What the host holds for a process it spawned. */
export interface Spawned {
  readonly pid: number;
  readonly program: string;
  readonly state: ProcessState;
  join(): Promise<ExitStatus>;
  stop(): void;
  /** The exact names the process provides now, in the order it registered them: its manifest's
   * exports (a member of an allowMultiple family as numbered, `/dev/disk1` when `/dev/disk0` was
   * taken) and what it registered itself; not its mounts. Empty before its first turn (exports are
   * registered as it begins) and once it has ended. */
  names(): string[];
}
