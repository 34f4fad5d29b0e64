// The router: the parent kernel's table of its protection domains, for what crosses between them
// and outlives a domain — exchange-heap weight on its way home, and the contracts names travel by.
// Rules for callers (domain hosts): `attach` a domain when it starts, `detach` it when it ends;
// route every release through `release`. One router per parent kernel (`routerOf`).
// Invariants (worker domains share the arena; see heap.ts on weights):
// - `into[d]` is the weight of other homes' regions that went into domain d and has not come back
//   or been released by d: when d dies, that weight is released for it, as its heap would have.
// - `out[d]` is the weight of d's own regions held outside d. When d dies its partition stays
//   reserved (other domains may still read those blocks) until `out[d]` is back to zero.
import type { WireBlock } from '../exheap/heap.ts';
import type { Kernel } from '../kernel/index.ts';
import { ContractRegistry } from './contract-registry.ts';
import type { Ledger } from './carrier.ts';

/** What the router needs of a live domain. */
export interface RoutedDomain {
  readonly id: number;
  /** Gives weight back to one of the domain's regions. */
  released(region: number, weight: number): void;
}

interface Entry {
  domain: RoutedDomain | null; // null once it has ended
  readonly partition: number | null; // base of its partition in the parent's arena
  readonly into: Map<string, number>;
  out: number;
}

export class Router {
  readonly #kernel: Kernel;
  readonly #domains = new Map<number, Entry>();
  #next = 1;
  #contracts: ContractRegistry | null = null;
  #contractsOf = '';

  constructor(kernel: Kernel) {
    this.#kernel = kernel;
    kernel.heap.onRelease = (home, region, weight) => { this.release(home, region, weight); };
  }

  /** The contracts names travel by (from the installed manifests; rebuilt when they change). */
  get contracts(): ContractRegistry {
    const programs = this.#kernel.programs().join('\0');
    if (this.#contracts === null || programs !== this.#contractsOf) {
      this.#contracts = ContractRegistry.fromKernel(this.#kernel);
      this.#contractsOf = programs;
    }
    return this.#contracts;
  }

  /** A fresh domain id. */
  nextId(): number { return this.#next++; }

  attach(d: RoutedDomain, partition: number | null): Ledger {
    const e: Entry = { domain: d, partition, into: new Map(), out: 0 };
    this.#domains.set(d.id, e);
    const key = (w: WireBlock): string => `${w.home}:${w.region}`;
    return {
      into: (w) => {
        if (w.home === d.id) e.out -= w.weight;
        else e.into.set(key(w), (e.into.get(key(w)) ?? 0) + w.weight);
      },
      outOf: (w) => {
        if (w.home === d.id) { e.out += w.weight; return; }
        this.#lessInto(e, key(w), w.weight);
      },
    };
  }

  #lessInto(e: Entry, k: string, weight: number): void {
    const left = (e.into.get(k) ?? 0) - weight;
    if (left > 0) e.into.set(k, left);
    else e.into.delete(k);
  }

  /** Weight for `home`'s region, freed by domain `from` (0: the parent itself). */
  release(home: number, region: number, weight: number, from = 0): void {
    if (from !== 0) {
      const src = this.#domains.get(from);
      if (src !== undefined) this.#lessInto(src, `${home}:${region}`, weight);
    }
    if (home === 0) { this.#kernel.heap.released(region, weight); return; }
    const e = this.#domains.get(home);
    if (e === undefined) return;
    e.out -= weight;
    if (e.domain !== null) e.domain.released(region, weight);
    else this.#reclaim(home, e);
  }

  /** A domain ended: what it held goes home, and its partition too once nothing of it is out. */
  detach(id: number): void {
    const e = this.#domains.get(id);
    if (e === undefined || e.domain === null) return;
    e.domain = null;
    for (const [k, weight] of [...e.into]) {
      const [home, region] = k.split(':').map(Number) as [number, number];
      this.release(home, region, weight, id);
    }
    this.#reclaim(id, e);
  }

  #reclaim(id: number, e: Entry): void {
    if (e.domain !== null || e.out > 0) return;
    this.#domains.delete(id);
    if (e.partition !== null) this.#kernel.heap.unreserve(e.partition);
  }
}

const routers = new WeakMap<Kernel, Router>();

/** The parent kernel's router, made on first use. */
export function routerOf(k: Kernel): Router {
  let r = routers.get(k);
  if (r === undefined) routers.set(k, (r = new Router(k)));
  return r;
}
