// The benchmarks `sing bench NAME` runs, one entry each: the command parses the options once
// (`--json`, `--quick`, and table1's `--sips`) and prints either the entry's table or its result
// as one JSON object; it knows nothing of any benchmark's figures.
// Rules for callers: `run` measures and resolves to the result (the JSON object) and its table;
// it may throw, and the command then exits 1 with the message. An entry with `heapMb` needs
// `gc()` and that much heap: the command re-runs node with those flags first.
// Invariants: each benchmark's module is imported only when it runs (`sing help` stays fast).
export interface BenchOptions {
  readonly quick: boolean;
  /** Idle SIPs for table1's memory figure. */
  readonly sips: number;
}

export interface BenchEntry {
  /** Takes `--sips N`. */
  readonly sips?: boolean;
  /** Re-run node with --expose-gc and this heap size (MB) before measuring. */
  readonly heapMb?: (o: BenchOptions) => number;
  run(o: BenchOptions): Promise<{ readonly result: unknown; readonly table: string }>;
}

export const BENCHES: Readonly<Record<string, BenchEntry>> = {
  table1: {
    sips: true,
    heapMb: (o) => Math.max(4096, Math.ceil((o.sips * 4096) / 1e6) + 2048),
    async run(o) {
      const { runTable1, table1Table } = await import('./table1.ts');
      const t = await runTable1({ quick: o.quick, sips: o.sips });
      return { result: t, table: table1Table(t) };
    },
  },
  exheap: {
    async run(o) {
      const { runExheap, exheapTable } = await import('./exheap.ts');
      const t = await runExheap({ quick: o.quick });
      return { result: t, table: exheapTable(t) };
    },
  },
  fuel: {
    async run(o) {
      const { runFuel, fuelTable } = await import('./fuel.ts');
      const t = await runFuel({ quick: o.quick });
      return { result: t, table: fuelTable(t) };
    },
  },
  install: {
    async run(o) {
      const { runInstall, installTable } = await import('./install.ts');
      const t = await runInstall({ quick: o.quick });
      return { result: t, table: installTable(t) };
    },
  },
  domains: {
    async run(o) {
      const { runDomains, domainsTable } = await import('./domains.ts');
      const t = await runDomains({ quick: o.quick });
      return { result: t, table: domainsTable(t) };
    },
  },
  fs: {
    async run(o) {
      const { runFs, fsTable } = await import('./fs.ts');
      const t = await runFs({ quick: o.quick });
      return { result: t, table: fsTable(t) };
    },
  },
  web: {
    async run(o) {
      const { runWeb, webTable } = await import('./web.ts');
      const t = await runWeb({ quick: o.quick });
      return { result: t, table: webTable(t) };
    },
  },
};
