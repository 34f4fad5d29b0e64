// `sing demo` (and `npm start`): boots a kernel with a few programs and narrates what happens.
// A calculator service registers /service/calc; a client binds it and adds two numbers; a
// deliberately broken calculator fails mid-conversation, and its client recovers by binding the
// good one. Everything shown comes from the kernel's events and the programs' consoles.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Kernel, compileImage, type KernelEvent } from '../index.ts';
import { checkProgram, formatDiagnostic } from '../verifier/index.ts';

const examples = join(dirname(fileURLToPath(import.meta.url)), '../../examples/demo');

function describeExit(e: Extract<KernelEvent, { type: 'exit' }>): string {
  const s = e.status;
  if (s.state === 'exited') return `exited with code ${s.code}`;
  return `FAILED (${s.reason})${s.error !== undefined ? `: ${s.error.code}: ${s.error.message}` : ''}`;
}

export async function demo(out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const k = new Kernel({ console: ({ pid, program, text }) => out(`    ${program}[${pid}] says: ${text}`) });
  k.observe((e) => {
    if (e.type === 'start') out(`[kernel] started ${e.program} as pid ${e.pid}`);
    if (e.type === 'exit') out(`[kernel] ${e.program}[${e.pid}] ${describeExit(e)}`);
  });
  out('Sing demo: software-isolated processes in one JavaScript heap, talking over contract-checked channels.');
  out('[kernel] installing programs (bundled, sealed and loaded into their own compartments)');
  for (const name of ['calc', 'adder', 'flaky', 'resilient', 'producer', 'consumer']) {
    const img = k.install(await compileImage(name, { root: join(examples, name), entry: 'main.ts' }));
    out(`    ${name.padEnd(10)} image ${img.hash.slice(0, 12)}`);
  }

  out('');
  out('1. A service and a client: calc registers /service/calc; adder binds it by name.');
  const calc = k.spawn('calc');
  const adder = k.spawn('adder', { params: { a: 2, b: 40 } });
  await adder.join();

  out('');
  out('2. Failure isolation: flaky-calc breaks in the middle of a conversation.');
  out('   Its client sees the channel close ($closed), not an exception, and recovers.');
  const flaky = k.spawn('flaky');
  const client = k.spawn('resilient');
  const [fs, cs] = await Promise.all([flaky.join(), client.join()]);

  out('');
  out('3. The exchange heap: a 64 KiB block moves from producer to consumer without a byte copied.');
  out('   The producer then uses the block it gave away. `sing install` would have refused it:');
  for (const d of checkProgram({ root: join(examples, 'producer'), entry: 'main.ts' }).diagnostics) out(`     ${formatDiagnostic(d)}`);
  out('   The demo loaded it unverified, so the run-time check catches it: that ends the producer, and only it.');
  const producer = k.spawn('producer');
  const ps = await producer.join();
  const h = k.heap.stats();
  out(`   exchange heap afterwards: ${h.blocks} blocks, ${h.live} bytes live (all reclaimed)`);

  out('');
  out('4. What is left running:');
  for (const p of k.ps()) out(`    pid ${p.pid} ${p.program} ${p.state}, ${p.endpoints} endpoint(s), ${p.heapBytes} exchange-heap bytes, names: ${p.names.join(', ') || '-'}`);
  out(`    the name service knows: ${k.names.list().map((n) => `${n.path} (${n.contract}, pid ${n.pid})`).join(', ')}`);
  calc.stop();
  await calc.join();
  out('');
  out(`Summary: flaky ${fs.state} (${fs.reason}); its client ${cs.state} with code ${cs.code}; the producer ${ps.state} (${ps.reason}); the kernel and calc were unaffected.`);
  return fs.state === 'failed' && cs.code === 0 && ps.reason === 'protocol' && h.blocks === 0 ? 0 : 1;
}
