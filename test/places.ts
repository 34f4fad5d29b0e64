// Where a suite's programs run: the kernel domain itself, or one worker or process domain opened
// over the booted kernel with the same programs, whose console lines join the kernel's. The
// conformance suites (domain-conformance, domain-recursive) run once per kind through this.
import { openDomain, type Domain } from '../src/domains/domain-host.ts';
import type { ExitStatus } from '../src/runtime/abi.ts';
import { image, within, type Booted, type Source } from './kit.ts';

export type PlaceKind = 'kernel' | 'worker' | 'process';
export const PLACE_KINDS: readonly PlaceKind[] = ['kernel', 'worker', 'process'];

export interface Place {
  run(program: string, opts?: { params?: Record<string, unknown>; endpoints?: Record<string, unknown> }): { join(): PromiseLike<ExitStatus> };
  /** The domain, for a worker or process place (terminate it after the suite). */
  readonly domain: Domain | null;
}

export async function placeIn(kind: PlaceKind, b: Booted, programs: Readonly<Record<string, Source>>): Promise<Place> {
  if (kind === 'kernel') return { run: (p, o) => b.k.spawn(p, o as never), domain: null };
  const images = await Promise.all(Object.entries(programs).map(([n, s]) => image(n, s)));
  const d = openDomain(b.k, kind, images, { name: kind, console: (l) => { b.lines.push({ ...l }); } });
  await within(d.ready, `the ${kind} domain`, 30000);
  return { run: (p, o) => d.spawn(p, o as never), domain: d };
}

/** Waits for a process's exit status, naming it if it does not come. */
export const status = async (p: { join(): PromiseLike<ExitStatus> }, what: string): Promise<ExitStatus> => within(p.join(), what, 20000);
