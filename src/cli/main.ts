// The `sing` command. Subcommands: demo, bench, contract check/import/roundtrip, and the install-store
// commands (install, uninstall, list, verify, run, policy, boot, system, gc; see system.ts). Run
// `sing help` for usage.
// Rules: results go to stdout (a table, or with --json exactly one JSON object); progress and
// errors go to stderr; the exit code is non-zero on failure or bad usage.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { demo } from './demo.ts';
import { DISK_USAGE, diskCommand } from './disk.ts';
import { SYSTEM_USAGE, UsageError, systemCommand } from './system.ts';

const USAGE = `usage: sing <command>

  demo                      boot a small system and narrate what happens (npm start)
  bench table1 [options]    the seeds' Table 1 next to worker_threads and child_process; the
                            heartbeat's longest gap under the hostile corpus; the watchdog's cost
      --json                print one JSON object instead of a table
      --quick               shorter runs (under a minute)
      --sips N              idle SIPs for the memory figure (default 100000; 1000000 works)
  bench fuel [--json] [--quick]
                            what fuel checks and memory accounting cost a CPU-bound and an
                            allocation-heavy program, next to the same images without them
  bench install [--json] [--quick]
                            cold and warm sing install of a ~500-line program, beside a
                            cold type check; the CPU fuel tax
  bench exheap [--json] [--quick]
                            blocks of 4 B..64 KiB moved between SIPs, next to a worker's
                            copied and transferred ArrayBuffers; alloc+free cost
  bench domains [--json] [--quick]
                            request/reply and file serving with SIPs in the kernel, worker
                            and child-process domains (MSPC 2006's configurations); the
                            cost of a 4 B and a 64 KiB message per domain kind
  contract check FILE... [--json] [--define SYM] [--types FILE.sg]
                            read Sing# contracts (.sg) and print, per contract, its states,
                            messages and queue bounds; diagnostics (file:line:col) on stderr,
                            non-zero exit when any contract is malformed
  contract import FILE [--define SYM] [--types FILE.sg]
                            print the equivalent TypeScript contract module
  contract roundtrip FILE... [--define SYM] [--types FILE.sg]
                            import every contract as TypeScript, load it and compare its
                            fingerprint with the Sing# reader's; non-zero exit if one differs
${SYSTEM_USAGE}${DISK_USAGE}  help                      this text
`;

function fail(msg: string): never {
  process.stderr.write(`sing: ${msg}\n${USAGE}`);
  process.exit(2);
}

/** Benchmarks need `gc()` and, for a million SIPs, a bigger heap: re-run node with those flags. */
function reexecWithFlags(args: string[], heapMb: number): never {
  const r = spawnSync(process.execPath, ['--expose-gc', `--max-old-space-size=${heapMb}`, '--import', 'tsx', fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, SING_REEXEC: '1' },
  });
  process.exit(r.status ?? 1);
}

async function bench(args: string[]): Promise<void> {
  const [which, ...rest] = args;
  if (which === 'exheap') { await benchExheap(rest); return; }
  if (which === 'fuel') { await benchFuel(rest); return; }
  if (which === 'install') { await benchInstall(rest); return; }
  if (which === 'domains') { await benchDomains(rest); return; }
  if (which !== 'table1') fail(`unknown benchmark ${String(which)} (have: table1, exheap, fuel, install, domains)`);
  let json = false;
  let quick = false;
  let sips = 100_000;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json') json = true;
    else if (a === '--quick') quick = true;
    else if (a === '--sips') {
      const n = Number(rest[++i]);
      if (!Number.isInteger(n) || n < 100) fail('--sips takes a whole number of at least 100');
      sips = n;
    } else fail(`unknown option ${String(a)}`);
  }
  if (process.env['SING_REEXEC'] !== '1') reexecWithFlags(['bench', ...args], Math.max(4096, Math.ceil((sips * 4096) / 1e6) + 2048));
  const { runTable1 } = await import('../../bench/table1.ts');
  const { formatTable } = await import('../../bench/measure.ts');
  const t = await runTable1({ quick, sips });
  if (json) { process.stdout.write(`${JSON.stringify(t)}\n`); return; }
  const r = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
  process.stdout.write(formatTable([
    { measure: 'kernel (ABI) call', sing: `${r(t.abiCallNs)} ns`, peer: `${r(t.plainCallNs)} ns plain JS call`, ratio: `${r(t.ratios.abiOverPlainCall)}x`, target: '<= 2x', met: t.targets.abiCallAtMost2x ? 'yes' : 'NO' },
    { measure: 'host call', sing: '-', peer: `${r(t.hostCallNs)} ns hrtime.bigint()`, ratio: '-', target: '-', met: '-' },
    { measure: 'message request/reply', sing: `${r(t.requestReplyNs)} ns`, peer: `${r(t.workerRequestReplyNs)} ns worker, ${r(t.childRequestReplyNs)} ns child`, ratio: `${r(t.ratios.workerOverSipRequestReply)}x faster`, target: '>= 100x', met: t.targets.requestReply100x ? 'yes' : 'NO' },
    { measure: 'process create/start/exit', sing: `${r(t.createStartExitNs)} ns`, peer: `${r(t.workerCreateStartExitNs)} ns worker`, ratio: `${r(t.ratios.workerOverSipCreateStartExit)}x faster`, target: '>= 20000x', met: t.targets.createStartExit20000x ? 'yes' : 'NO' },
    { measure: 'idle SIP heap', sing: `${r(t.idleSipBytes)} B`, peer: `${t.liveSips} live at once`, ratio: '-', target: '<= 2048 B', met: t.targets.idleSipAtMost2048B ? 'yes' : 'NO' },
    {
      measure: 'heartbeat, longest gap',
      sing: t.heartbeat.hostDied.length === 0 ? `${r(t.heartbeat.longestGapMs)} ms` : `host died (${t.heartbeat.hostDied.join(', ')}); else ${r(t.heartbeat.longestSurvivedGapMs)} ms`,
      peer: `${t.heartbeat.hostile.length} hostile programs beside it (median gap ${r(t.heartbeat.medianGapMs)} ms)`,
      ratio: '-', target: `< ${t.heartbeat.limitMs} ms (watchdog)`, met: t.targets.heartbeatGapUnderWatchdogLimit ? 'yes' : 'NO',
    },
    ...(t.watchdog === null
      ? [{ measure: 'watchdog guard', sing: '-', peer: 'no watchdog on this host', ratio: '-', target: '-', met: '-' }]
      : [
        { measure: 'watchdog guard (per drain)', sing: `${r(t.watchdog.guardNs)} ns`, peer: `${r(t.watchdog.directNs)} ns plain call, ${r(t.watchdog.vmTimeoutNs / 1e3)} us vm timeout`, ratio: `${r(t.watchdog.timeoutOverGuard)}x cheaper than vm timeout`, target: '-', met: '-' },
        { measure: 'watchdog critical stretch', sing: `${r(t.watchdog.criticalNs)} ns`, peer: `${r(t.watchdog.nestedGuardNs)} ns nested guard`, ratio: '-', target: '-', met: '-' },
      ]),
  ]) + '\n');
  const end = (h: { reason: string; code: string }): string => (h.code === '' ? h.reason : `${h.reason} ${h.code}`);
  const odd = t.heartbeat.hostile.filter((h) => end(h) !== h.expected);
  process.stdout.write(`heartbeat: a SIP answering the host's request every ${t.heartbeat.beatMs} ms, ${t.heartbeat.answers} answers timestamped by the host while `
    + `${t.heartbeat.hostile.length} programs of test/hostile/programs/budgets.ts ran one after another in its kernel `
    + `(${odd.length === 0 ? 'each ended as the corpus expects' : `not as expected: ${odd.map((h) => `${h.name} ${end(h)}`).join(', ')}`}); `
    + `longest gap per program (ms): ${t.heartbeat.hostile.map((h) => `${h.name} ${h.reason === 'host died' ? 'host died' : r(h.longestGapMs)}`).join(', ')}`
    + `${t.heartbeat.skipped.length > 0 ? `; not run, the corpus's known gaps: ${t.heartbeat.skipped.join(', ')}` : ''}.\n`);
  if (t.watchdog !== null) process.stdout.write(`watchdog: the ${t.watchdog.owner === 'kernel' ? "kernel's own (kernelWatchdog())" : "bench's own (the kernel has none open)"}; a guard adds ${r(t.watchdog.guardOverheadNs)} ns to a call; vm run without a watchdog ${r(t.watchdog.vmRunNs)} ns.\n`);
}

async function benchFuel(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  for (const a of args) if (a !== '--json' && a !== '--quick') fail(`unknown option ${a}`);
  const { runFuel } = await import('../../bench/fuel.ts');
  const { formatTable } = await import('../../bench/measure.ts');
  let t: Awaited<ReturnType<typeof runFuel>>;
  try {
    t = await runFuel({ quick });
  } catch (e) {
    process.stderr.write(`sing: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
    return;
  }
  if (json) { process.stdout.write(`${JSON.stringify(t)}\n`); return; }
  const us = (ns: number): string => `${(ns / 1e3).toFixed(ns >= 1e4 ? 0 : 1)} us`;
  const x = (r: number): string => `${r.toFixed(3)}x`;
  const q = (r: number, [lo, hi]: [number, number]): string => `${x(r)} (${lo.toFixed(2)}-${hi.toFixed(2)})`;
  const met = (b: boolean): string => (b ? 'yes' : 'NO');
  process.stdout.write(formatTable([
    { 'per item': 'CPU-bound program (cpu)', sing: us(t.cpu.withNs), peer: us(t.cpu.withoutNs), ratio: q(t.cpu.ratio, t.cpu.ratioQuartiles), 'fuel checks': x(t.cpu.fuelRatio), 'heap meter': x(t.cpu.memoryRatio), control: x(t.cpu.controlRatio), target: '<= 1.05x', met: met(t.targets.cpuAtMost1_05) },
    { 'per item': 'allocation-heavy program (alloc)', sing: us(t.alloc.withNs), peer: us(t.alloc.withoutNs), ratio: q(t.alloc.ratio, t.alloc.ratioQuartiles), 'fuel checks': x(t.alloc.fuelRatio), 'heap meter': x(t.alloc.memoryRatio), control: x(t.alloc.controlRatio), target: '<= 1.05x', met: met(t.targets.allocAtMost1_05) },
    { 'per item': 'alloc work as host code', sing: `${us(t.wrappers.meteredNs)} metered`, peer: `${us(t.wrappers.plainNs)} plain`, ratio: q(t.wrappers.ratio, t.wrappers.ratioQuartiles), 'fuel checks': '-', 'heap meter': '-', control: '-', target: '-', met: '-' },
    { 'per item': 'alloc, wrappers included (est.)', sing: '-', peer: '-', ratio: x(t.allocWithWrappers), 'fuel checks': '-', 'heap meter': '-', control: '-', target: '<= 1.05x', met: met(t.targets.allocWithWrappersAtMost1_05) },
  ]) + '\n');
  process.stdout.write([
    'sing: fuel checks and the heap meter\'s sampling, as programs run. peer: the same image with its checks stripped, the heap',
    'meter stopped. fuel checks: the image with the meter stopped / peer; heap meter: sing / that; control: a second copy of the',
    'peer / peer (what noise alone gives). Both sides still run the metered builtins\' wrappers (on the realm\'s frozen prototypes;',
    'the CPU program is charged for a 20 KB ArrayBuffer per item): row 3 prices them, the alloc work as host code in two',
    'locked-down workers with and without the metered builtins; row 4 = row 2 x row 3, an estimate from above.',
    `${t.rounds} rounds side by side; medians, ratios the median of the rounds' ratios (quartiles in brackets). Target ${t.targets.met ? 'met' : 'NOT met'}.`,
  ].join('\n') + '\n');
}

async function benchInstall(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  for (const a of args) if (a !== '--json' && a !== '--quick') fail(`unknown option ${a}`);
  const { runInstall } = await import('../../bench/install.ts');
  const t = await runInstall({ quick });
  if (json) { process.stdout.write(`${JSON.stringify(t)}\n`); return; }
  const { formatTable } = await import('../../bench/measure.ts');
  const met = (b: boolean): string => (b ? 'yes' : 'NO');
  process.stdout.write(formatTable([
    { measure: `cold install (${t.program}, ${t.lines} lines)`, sing: `${t.coldInstallMs.toFixed(0)} ms`, peer: `${t.coldTypecheckMs.toFixed(0)} ms cold type check`, ratio: `${t.ratios.coldInstallOverTypecheck.toFixed(2)}x`, target: '<= 1500 ms', met: met(t.targets.coldAtMost1500ms) },
    { measure: 'warm install (judged before)', sing: `${t.warmInstallMs.toFixed(1)} ms`, peer: '-', ratio: '-', target: '<= 100 ms', met: met(t.targets.warmAtMost100ms) },
    { measure: 'install into an empty store, warm process', sing: `${t.reverifyInstallMs.toFixed(0)} ms`, peer: '-', ratio: '-', target: '-', met: '-' },
    { measure: 'CPU fuel tax', sing: t.fuelTax.toFixed(3), peer: 'same image, checks stripped', ratio: '-', target: '<= 1.05', met: met(t.targets.fuelTaxAtMost1_05) },
  ]) + '\n');
}

async function benchExheap(args: string[]): Promise<void> {
  let json = false;
  let quick = false;
  for (const a of args) {
    if (a === '--json') json = true;
    else if (a === '--quick') quick = true;
    else fail(`unknown option ${a}`);
  }
  const { runExheap, SIZES } = await import('../../bench/exheap.ts');
  const { formatTable } = await import('../../bench/measure.ts');
  const t = await runExheap({ quick });
  if (json) { process.stdout.write(`${JSON.stringify(t)}\n`); return; }
  const ns = (x: number | undefined): string => (x === undefined ? '-' : x >= 1e4 ? `${(x / 1000).toFixed(1)} us` : `${x.toFixed(0)} ns`);
  process.stdout.write(formatTable(SIZES.map((s) => ({
    block: s >= 1024 ? `${s / 1024} KiB` : `${s} B`,
    'sing (moved)': ns(t.exheapRequestReplyNs[String(s)]),
    'worker (copied)': ns(t.workerCopyRequestReplyNs[String(s)]),
    'worker (transferred)': ns(t.workerTransferRequestReplyNs[String(s)]),
    'copy / sing': `${((t.workerCopyRequestReplyNs[String(s)] ?? 0) / (t.exheapRequestReplyNs[String(s)] ?? 1)).toFixed(0)}x`,
  }))) + '\n');
  process.stdout.write(`alloc + free (64 B): ${ns(t.allocFreeNs)}\n`);
  process.stdout.write(`64 KiB / 4 B round trip: ${t.ratios.flat64KiBOver4B.toFixed(2)}x (target <= 1.2x: ${t.targets.flatWithin1_2x ? 'met' : 'NOT met'}); `
    + `worker copy / sing at 64 KiB: ${t.ratios.workerCopyOverSip64KiB.toFixed(0)}x (target >= 100x: ${t.targets.atLeast100xFasterThanCopy ? 'met' : 'NOT met'})\n`);
  process.stdout.write(`text (char[] in ExHeap) round trip: 4 characters ${ns(t.textMoveNs['4'])}, 65,536 characters ${ns(t.textMoveNs['65536'])}: `
    + `${t.ratios.text64KiOver4.toFixed(2)}x (target <= 1.2x: ${t.targets.textFlatWithin1_2x ? 'met' : 'NOT met'})\n`);
  process.stdout.write(`tree of ${t.treeBlocks} blocks (16 texts of ${t.treeChars} characters) round trip: ${ns(t.treeMoveNs)}; one block ${ns(t.oneBlockMoveNs)}: `
    + `${t.ratios.treeOverOneBlock.toFixed(1)}x (target <= 16x: ${t.targets.treeWithin16xOneBlock ? 'met' : 'NOT met'}); `
    + `worker cloning the same texts ${ns(t.treeCloneWorkerNs)}: ${t.ratios.treeCloneWorkerOverTree.toFixed(0)}x slower (target >= 100x: ${t.targets.treeAtLeast100xFasterThanClone ? 'met' : 'NOT met'})\n`);
}

async function benchDomains(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  for (const a of args) if (a !== '--json' && a !== '--quick') fail(`unknown option ${a}`);
  const { runDomains, domainsTable } = await import('../../bench/domains.ts');
  try {
    const t = await runDomains({ quick });
    process.stdout.write(json ? `${JSON.stringify(t)}\n` : domainsTable(t));
  } catch (e) {
    process.stderr.write(`sing: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

async function contractCmd(args: string[]): Promise<void> {
  const [which, ...rest] = args;
  if (which !== 'check' && which !== 'import' && which !== 'roundtrip') fail(`unknown contract command ${String(which)} (have: check, import, roundtrip)`);
  let json = false;
  const defines: string[] = [];
  const types: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--json' && which === 'check') json = true;
    else if (a === '--define' || a === '-D') {
      const sym = rest[++i];
      if (sym === undefined || !/^[A-Za-z_]\w*$/.test(sym)) fail('--define takes a symbol name');
      defines.push(sym);
    } else if (a.startsWith('--define=')) defines.push(a.slice('--define='.length));
    else if (a === '--types') {
      const t = rest[++i];
      if (t === undefined) fail('--types takes a .sg file of declarations');
      types.push(t);
    } else if (a.startsWith('--types=')) types.push(a.slice('--types='.length));
    else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else files.push(a);
  }
  if (files.length === 0) fail(`contract ${which}: give at least one .sg file`);
  const { existsSync } = await import('node:fs');
  for (const f of [...files, ...types]) if (!existsSync(f)) { process.stderr.write(`sing: ${f}: no such file\n`); process.exit(2); }
  const { checkFiles, importFile, formatDiagnostic } = await import('../contracts/singsharp/index.ts');
  if (which === 'import') {
    if (files.length !== 1) fail('contract import takes one file');
    try {
      process.stdout.write(importFile(files[0] as string, { defines, types }));
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exitCode = 1;
    }
    return;
  }
  if (which === 'roundtrip') {
    // Every contract read, imported as TypeScript, loaded, and its fingerprint compared.
    const { roundTrip } = await import('../contracts/singsharp/roundtrip.ts');
    const { results, diagnostics } = await roundTrip(files, { defines, types });
    const errors = diagnostics.filter((d) => d.severity === 'error');
    for (const d of errors) process.stderr.write(`${formatDiagnostic(d)}\n`);
    for (const x of results) if (x.result !== 'same') process.stdout.write(`DIFFERENT: ${x.name} (${x.file}): ${x.detail}\n`);
    const count = (k: string): number => results.filter((x) => x.result === k).length;
    process.stdout.write(`round trip: ${count('same')} of ${results.length} contracts the same through sing contract import; ${count('different')} differ\n`);
    if (count('different') > 0 || errors.length > 0) process.exitCode = 1;
    return;
  }
  const r = checkFiles(files, { defines, types });
  for (const d of r.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify(r.contracts.map((c) => ({ name: c.name, file: c.file, initial: c.initial, entries: c.entries, states: c.states, messages: c.messages, bounds: c.bounds, warnings: c.warnings, consts: c.consts, fingerprint: c.fingerprint, also: c.also })))}\n`);
  } else {
    for (const c of r.contracts) {
      const lines = [`contract ${c.name} (${c.file})`, ...c.also.map((a) => `  also declared at ${a} (the same contract)`), `  initial ${c.initial}${c.entries.length === 0 ? '' : ` (entry states: ${c.entries.join(', ')})`}; bounds: in ${c.bounds.in}, out ${c.bounds.out}`, `  states (${c.states.length}): ${c.states.join(', ')}`, `  messages (${c.messages.length}):`];
      for (const m of c.messages) lines.push(`    ${m.dir === 'in' ? 'in ' : 'out'} ${m.name}(${Object.entries(m.fields).map(([k, v]) => `${k}: ${v}`).join(', ')})`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  }
  if (r.diagnostics.some((d) => d.severity === 'error')) process.exitCode = 1;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'demo': process.exitCode = await demo(); return;
    case 'bench': await bench(rest); return;
    case 'contract': await contractCmd(rest); return;
    case 'install': case 'uninstall': case 'list': case 'verify': case 'run': case 'policy': case 'boot': case 'system': case 'gc':
      try {
        process.exitCode = await systemCommand(cmd, rest);
      } catch (e) {
        if (e instanceof UsageError) fail(e.message);
        throw e;
      }
      return;
    case 'disk': case 'fsck':
      try {
        process.exitCode = await diskCommand(cmd, rest);
      } catch (e) {
        if (e instanceof UsageError) fail(e.message);
        throw e;
      }
      return;
    case 'help': case '--help': case '-h': case undefined: process.stdout.write(USAGE); return;
    default: fail(`unknown command ${cmd}`);
  }
}

await main(process.argv.slice(2));
