// The `sing` command. Subcommands: demo, bench (the registry in bench/index.ts), contract
// check/import/roundtrip, the install-store commands (install, uninstall, list, verify, run,
// policy, boot, system, gc; see system.ts), and disk/fsck (disk.ts). Run `sing help` for usage.
// Rules: results go to stdout (a table, or with --json exactly one JSON object); progress and
// errors go to stderr; the exit code is non-zero on failure or bad usage.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BOOT_USAGE, bootCommand } from './boot.ts';
import { demo } from './demo.ts';
import { INSPECT_USAGE, inspectCommand } from './inspect.ts';
import { DISK_USAGE, diskCommand } from './disk.ts';
import { SYSTEM_USAGE, UsageError, systemCommand } from './system.ts';

const USAGE = `usage: sing <command>

${BOOT_USAGE}${INSPECT_USAGE}  demo                      boot a small system and narrate what happens
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
  bench fs [--json] [--quick]
                            the storage stack (client SIP -> FAT SIP -> disk driver SIP ->
                            image file): sequential read and write, a SPECweb99-like file
                            set, next to Node's fs and mcopy; the RAM disk for the record
  bench web [--json] [--quick]
                            Sing's web server over a FAT image (kernel, worker and process
                            domains) and the counter app against Node's http + fs, loaded by
                            autocannon at 16 and 128 connections; the server's CPU split
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
  const { BENCHES } = await import('../../bench/index.ts');
  const entry = which === undefined ? undefined : BENCHES[which];
  if (entry === undefined) fail(`unknown benchmark ${String(which)} (have: ${Object.keys(BENCHES).join(', ')})`);
  let values: { json?: boolean | undefined; quick?: boolean | undefined; sips?: string | boolean | undefined };
  try {
    ({ values } = parseArgs({ args: rest, strict: true, options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, ...(entry.sips === true ? { sips: { type: 'string' } } : {}) } }));
  } catch (e) {
    fail(`bench ${String(which)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const sips = typeof values.sips === 'string' ? Number(values.sips) : 100_000;
  if (!Number.isInteger(sips) || sips < 100) fail('--sips takes a whole number of at least 100');
  const opts = { quick: values.quick === true, sips };
  if (entry.heapMb !== undefined && process.env['SING_REEXEC'] !== '1') reexecWithFlags(['bench', ...args], entry.heapMb(opts));
  try {
    const r = await entry.run(opts);
    process.stdout.write(values.json === true ? `${JSON.stringify(r.result)}\n` : r.table);
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

/** Runs a command that reports bad usage as a UsageError: its exit code, or usage and exit 2. */
async function usage(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'demo': process.exitCode = await demo(); return;
    case 'bench': await bench(rest); return;
    case 'contract': await contractCmd(rest); return;
    case 'boot':
      // `boot add` and `boot remove` edit the system manifest; `boot` alone boots the system.
      process.exitCode = await usage(() => (rest[0] === 'add' || rest[0] === 'remove' ? systemCommand(cmd, rest) : bootCommand(rest)));
      // The kernel's timers and the watchdog's worker may keep the loop alive after a stop.
      process.exit(process.exitCode);
      break;
    case 'install': case 'uninstall': case 'list': case 'verify': case 'run': case 'policy': case 'system': case 'gc':
      process.exitCode = await usage(() => systemCommand(cmd, rest));
      return;
    case 'ps': case 'kill': case 'status': case 'top':
      process.exitCode = await usage(() => inspectCommand(cmd, rest));
      return;
    case 'disk': case 'fsck':
      process.exitCode = await usage(() => diskCommand(cmd, rest));
      return;
    case 'help': case '--help': case '-h': case undefined: process.stdout.write(USAGE); return;
    default: fail(`unknown command ${cmd}`);
  }
}

await main(process.argv.slice(2));
