// The exchange heap's benchmark: request/reply carrying a block of 4 B … 64 KiB between two SIPs
// (moved, never copied), next to the same through worker_threads with the buffer copied and with
// it transferred, plus the cost of an allocation and a free, text (`char[] in ExHeap`) of 4
// and 65,536 characters moved the same way, and a tree (a record holding sixteen texts) moved whole
// next to one block and to a worker copying the same texts (structured clone both ways).
// Rules: every figure is measured in this run, alternating each Sing figure with its peers round
// by round; progress goes to stderr; the caller prints the table or the JSON object.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Kernel, compileImage } from '../src/index.ts';
import { Pkt, Result, TextPkt, TreePkt } from './programs/contracts.ts';
import { formatTable, median, progress } from './measure.ts';

export const SIZES = [4, 1024, 4096, 16384, 65536] as const;
/** Text lengths, in UTF-16 code units. */
export const TEXT_CHARS = [4, 65536] as const;
/** The tree: sixteen texts of this many code units under one record (seventeen blocks). */
export const TREE_TEXTS = 16;
export const TREE_CHARS = 16384;

export interface ExheapOptions { readonly quick: boolean }

export interface ExheapResult {
  exheapRequestReplyNs: Record<string, number>;
  workerCopyRequestReplyNs: Record<string, number>;
  workerTransferRequestReplyNs: Record<string, number>;
  allocFreeNs: number;
  /** Request/reply carrying a text block, by its length in characters. */
  textMoveNs: Record<string, number>;
  /** Request/reply carrying the tree (TREE_TEXTS texts of TREE_CHARS under one record). */
  treeMoveNs: number;
  treeBlocks: number;
  treeChars: number;
  /** Request/reply carrying one block (a 4-character text), measured alternately with the tree. */
  oneBlockMoveNs: number;
  /** The same texts as an object, structured-cloned to an echoing worker and back. */
  treeCloneWorkerNs: number;
  ratios: { flat64KiBOver4B: number; workerCopyOverSip64KiB: number; workerTransferOverSip64KiB: number; text64KiOver4: number; treeOverOneBlock: number; treeCloneWorkerOverTree: number };
  targets: { flatWithin1_2x: boolean; atLeast100xFasterThanCopy: boolean; textFlatWithin1_2x: boolean; treeWithin16xOneBlock: boolean; treeAtLeast100xFasterThanClone: boolean };
}

const root = join(dirname(fileURLToPath(import.meta.url)), 'programs');

async function reported(k: Kernel, program: string, params: Record<string, number>, extra: Record<string, unknown> = {}): Promise<number> {
  const r = k.hostChannel(Result);
  const s = k.spawn(program, { params, endpoints: { result: r.exp, ...extra } });
  const m = await r.imp.receive();
  const status = await s.join();
  if (m.tag !== 'Done' || status.code !== 0) throw new Error(`bench: ${program} did not finish cleanly: ${JSON.stringify(status)}`);
  return m.ns;
}

async function textRoundTrip(k: Kernel, chars: number, n: number): Promise<number> {
  const e = k.hostChannel(TextPkt);
  k.spawn('textecho', { endpoints: { ep: e.exp } });
  return reported(k, 'textping', { n, chars }, { ep: e.imp });
}

async function treeRoundTrip(k: Kernel, n: number): Promise<number> {
  const e = k.hostChannel(TreePkt);
  k.spawn('treeecho', { endpoints: { ep: e.exp } });
  return reported(k, 'treeping', { n, chars: TREE_CHARS }, { ep: e.imp });
}

async function sipRoundTrip(k: Kernel, size: number, n: number): Promise<number> {
  const e = k.hostChannel(Pkt);
  k.spawn('blockecho', { endpoints: { ep: e.exp } });
  return reported(k, 'blockping', { n, size }, { ep: e.imp });
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', (m) => workerData.transfer ? parentPort.postMessage(m, [m]) : parentPort.postMessage(m));
parentPort.postMessage('ready');
`;

/** Round trip of `payload` (an ArrayBuffer when transferred) to an echoing worker, copied
 * (structured clone) or transferred both ways; one message outstanding at a time. */
async function workerRoundTrip(payload: unknown, transfer: boolean, n: number): Promise<number> {
  const w = new Worker(WORKER, { eval: true, execArgv: [], workerData: { transfer } });
  try {
    let reply: ((m: unknown) => void) | null = null;
    w.on('message', (m) => { const r = reply; reply = null; r?.(m); });
    const failed = new Promise<never>((_, reject) => { w.once('error', reject); });
    failed.catch(() => undefined);
    const next = (): Promise<unknown> => Promise.race([new Promise<unknown>((r) => { reply = r; }), failed]);
    let ready = next();
    await ready;
    let buf = payload;
    const once = async (): Promise<void> => {
      ready = next();
      if (transfer) w.postMessage(buf, [buf as ArrayBuffer]);
      else w.postMessage(buf);
      const back = await ready;
      if (transfer) buf = back;
    };
    for (let i = 0; i < Math.min(200, n); i++) await once(); // warm-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await once();
    return Number(process.hrtime.bigint() - t0) / n;
  } finally {
    await w.terminate();
  }
}

export async function runExheap(opts: ExheapOptions): Promise<ExheapResult> {
  const q = opts.quick;
  const rounds = q ? 2 : 4;
  progress('exheap: compiling benchmark programs');
  const k = new Kernel({ console: () => undefined });
  for (const name of ['blockping', 'blockecho', 'allocfree', 'textping', 'textecho', 'treeping', 'treeecho']) k.install(await compileImage(name, { root, entry: `${name}/main.ts` }));
  await sipRoundTrip(k, 4, 50_000); // warm-up

  const sip: Record<string, number[]> = {};
  const copy: Record<string, number[]> = {};
  const move: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const size of SIZES) {
      const s = await sipRoundTrip(k, size, q ? 100_000 : 300_000);
      const c = await workerRoundTrip(new ArrayBuffer(size), false, q ? 2_000 : 5_000);
      const t = await workerRoundTrip(new ArrayBuffer(size), true, q ? 2_000 : 5_000);
      (sip[size] ??= []).push(s);
      (copy[size] ??= []).push(c);
      (move[size] ??= []).push(t);
      progress(`  round ${r + 1}/${rounds}, ${size} B: sip ${s.toFixed(0)} ns, worker copy ${c.toFixed(0)} ns, worker transfer ${t.toFixed(0)} ns`);
    }
  }
  const text: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const chars of TEXT_CHARS) {
      const t = await textRoundTrip(k, chars, q ? 100_000 : 300_000);
      (text[chars] ??= []).push(t);
      progress(`  round ${r + 1}/${rounds}, text of ${chars} characters: ${t.toFixed(0)} ns`);
    }
  }
  const texts = Object.fromEntries(Array.from({ length: TREE_TEXTS }, (_, i) => [`t${i}`, `t${i}`.padEnd(TREE_CHARS, '.')]));
  const tree: number[] = [];
  const one: number[] = [];
  const clone: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = await treeRoundTrip(k, q ? 50_000 : 150_000);
    const o = await textRoundTrip(k, 4, q ? 100_000 : 300_000);
    const c = await workerRoundTrip(texts, false, q ? 1_000 : 3_000);
    tree.push(t);
    one.push(o);
    clone.push(c);
    progress(`  round ${r + 1}/${rounds}, tree of ${TREE_TEXTS + 1} blocks: ${t.toFixed(0)} ns, one block ${o.toFixed(0)} ns, worker clone ${c.toFixed(0)} ns`);
  }
  progress('exheap: alloc + free');
  const af: number[] = [];
  for (let r = 0; r < rounds; r++) af.push(await reported(k, 'allocfree', { n: q ? 500_000 : 2_000_000 }));
  k.shutdown();

  const med = (o: Record<string, number[]>): Record<string, number> => Object.fromEntries(SIZES.map((s) => [String(s), median(o[s] ?? [])]));
  const exheapRequestReplyNs = med(sip);
  const workerCopyRequestReplyNs = med(copy);
  const workerTransferRequestReplyNs = med(move);
  const at = (o: Record<string, number>, s: number): number => o[String(s)] as number;
  const textMoveNs = Object.fromEntries(TEXT_CHARS.map((c) => [String(c), median(text[c] ?? [])]));
  const ratios = {
    flat64KiBOver4B: at(exheapRequestReplyNs, 65536) / at(exheapRequestReplyNs, 4),
    workerCopyOverSip64KiB: at(workerCopyRequestReplyNs, 65536) / at(exheapRequestReplyNs, 65536),
    workerTransferOverSip64KiB: at(workerTransferRequestReplyNs, 65536) / at(exheapRequestReplyNs, 65536),
    text64KiOver4: at(textMoveNs, 65536) / at(textMoveNs, 4),
    treeOverOneBlock: median(tree) / median(one),
    treeCloneWorkerOverTree: median(clone) / median(tree),
  };
  return {
    exheapRequestReplyNs, workerCopyRequestReplyNs, workerTransferRequestReplyNs,
    allocFreeNs: median(af),
    textMoveNs,
    treeMoveNs: median(tree),
    treeBlocks: TREE_TEXTS + 1,
    treeChars: TREE_CHARS,
    oneBlockMoveNs: median(one),
    treeCloneWorkerNs: median(clone),
    ratios,
    targets: {
      flatWithin1_2x: ratios.flat64KiBOver4B <= 1.2, atLeast100xFasterThanCopy: ratios.workerCopyOverSip64KiB >= 100, textFlatWithin1_2x: ratios.text64KiOver4 <= 1.2,
      treeWithin16xOneBlock: ratios.treeOverOneBlock <= 16, treeAtLeast100xFasterThanClone: ratios.treeCloneWorkerOverTree >= 100,
    },
  };
}

/** The table `sing bench exheap` prints, with its notes. */
export function exheapTable(t: ExheapResult): string {
  const ns = (x: number | undefined): string => (x === undefined ? '-' : x >= 1e4 ? `${(x / 1000).toFixed(1)} us` : `${x.toFixed(0)} ns`);
  let out = formatTable(SIZES.map((s) => ({
    block: s >= 1024 ? `${s / 1024} KiB` : `${s} B`,
    'sing (moved)': ns(t.exheapRequestReplyNs[String(s)]),
    'worker (copied)': ns(t.workerCopyRequestReplyNs[String(s)]),
    'worker (transferred)': ns(t.workerTransferRequestReplyNs[String(s)]),
    'copy / sing': `${((t.workerCopyRequestReplyNs[String(s)] ?? 0) / (t.exheapRequestReplyNs[String(s)] ?? 1)).toFixed(0)}x`,
  }))) + '\n';
  out += (`alloc + free (64 B): ${ns(t.allocFreeNs)}\n`);
  out += (`64 KiB / 4 B round trip: ${t.ratios.flat64KiBOver4B.toFixed(2)}x (target <= 1.2x: ${t.targets.flatWithin1_2x ? 'met' : 'NOT met'}); `
    + `worker copy / sing at 64 KiB: ${t.ratios.workerCopyOverSip64KiB.toFixed(0)}x (target >= 100x: ${t.targets.atLeast100xFasterThanCopy ? 'met' : 'NOT met'})\n`);
  out += (`text (char[] in ExHeap) round trip: 4 characters ${ns(t.textMoveNs['4'])}, 65,536 characters ${ns(t.textMoveNs['65536'])}: `
    + `${t.ratios.text64KiOver4.toFixed(2)}x (target <= 1.2x: ${t.targets.textFlatWithin1_2x ? 'met' : 'NOT met'})\n`);
  out += (`tree of ${t.treeBlocks} blocks (16 texts of ${t.treeChars} characters) round trip: ${ns(t.treeMoveNs)}; one block ${ns(t.oneBlockMoveNs)}: `
    + `${t.ratios.treeOverOneBlock.toFixed(1)}x (target <= 16x: ${t.targets.treeWithin16xOneBlock ? 'met' : 'NOT met'}); `
    + `worker cloning the same texts ${ns(t.treeCloneWorkerNs)}: ${t.ratios.treeCloneWorkerOverTree.toFixed(0)}x slower (target >= 100x: ${t.targets.treeAtLeast100xFasterThanClone ? 'met' : 'NOT met'})\n`);
  return out;
}
