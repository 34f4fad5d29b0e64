// The work of the allocation-heavy benchmark program (main.ts): one item builds rows of objects,
// strings, small arrays and a closure each, a Map over them, a joined and split string, a filtered
// copy as JSON and a small buffer, then drops it all. It calls a few of the builtins Sing meters
// (map, filter, slice, join, split, JSON.stringify, the ArrayBuffer constructor), on inputs under
// the metering threshold, as most code does. bench/fuel.ts also runs it as host code, in two
// locked-down workers with and without the metered builtins, to price their wrappers.
// Rules: it names no global but Map, JSON and DataView (the buffer constructor is passed in, so
// the host can hand it either one), and creates no named closure (tsx would wrap each in a call).

export interface Row {
  readonly id: number;
  readonly name: string;
  readonly tags: string[];
  readonly score: () => number;
}

const ROWS = 64;

function scorer(id: number): () => number {
  return () => id * 2;
}

/** One item of work; returns a number that depends on all of it. */
export function work(i: number, Buffer: ArrayBufferConstructor): number {
  const rows: Row[] = [];
  for (let j = 0; j < ROWS; j++) {
    const id = i * ROWS + j;
    const name = 'item-' + id;
    rows.push({ id, name, tags: ['t' + (id & 15), name.slice(5)], score: scorer(id) });
  }
  const names = rows.map((r) => r.name).join(',');
  const parts = names.split(',');
  const index = new Map<string, Row>();
  for (const r of rows) index.set(r.name, r);
  let s = 0;
  for (const p of parts) {
    const r = index.get(p);
    if (r !== undefined) s += r.score() + r.tags.length;
  }
  const picked = rows.filter((r) => (r.id & 3) === 0).slice(1);
  s += JSON.stringify(picked.map((r) => ({ id: r.id, tags: r.tags }))).length;
  const view = new DataView(new Buffer(64));
  view.setFloat64(8, s);
  return (s + view.getUint8(8)) | 0;
}
