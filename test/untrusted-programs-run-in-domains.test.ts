// The system policy can require that programs without the trusted privilege run outside the kernel
// domain (`policy.untrustedDomain` in system.json: kernel, worker or process; issue #12, "Policy"):
// `sing run` starts such a program, at boot or asked for, in a fresh domain of the rule's kind when
// nothing places it, refuses a `--domain` or a `domains` entry the rule forbids (E_POLICY) before
// anything starts, and leaves programs with the trusted privilege where they are placed; the
// installer refuses a placement the rule forbids; `sing policy untrusted-domain` shows and sets
// the rule, refusing one that installed placements break (E_IN_USE).
// Rules: each test has its own world (store-kit.ts). Runs go through `runInstalled`, the code path
// of `sing run`, except the last test, which runs `sing` itself. Where a program ran is what the
// runner reports as it opens each domain (`[domain] NAME: a KIND domain`); a program in the kernel
// domain opens none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInstalled } from '../src/install/runner.ts';
import type { DomainEntry, DomainKind } from '../src/install/system.ts';
import { SingError } from '../src/lib/error.ts';
import type { ExitStatus } from '../src/runtime/abi.ts';
import { within } from './kit.ts';
import { ADDER, CALC, hello, world, type World } from './store-kit.ts';

/** A program with the trusted privilege (once the policy grants it). */
const TRUSTY = hello('trusty', 'trusted and running', '\n  trusted: true,');

interface Ran { readonly status: ExitStatus; readonly lines: string[]; readonly log: string[]; readonly domains: string[] }

/** Sets the rule and the placements by hand, as an administrator editing system.json would. */
function setPolicy(w: World, rule: DomainKind | undefined, domains: Readonly<Record<string, DomainEntry>> = {}): void {
  const sys = w.store.readSystem();
  const { untrustedDomain: _old, ...policy } = sys.policy;
  w.store.writeSystem({ ...sys, domains, policy: rule === undefined ? policy : { ...policy, untrustedDomain: rule } });
}

async function run(w: World, name: string, opts: { params?: Record<string, string>; domain?: string } = {}): Promise<Ran> {
  const lines: string[] = [];
  const log: string[] = [];
  const status = await within(runInstalled(w.store, name, {
    ...opts,
    console: ({ program, text }) => { lines.push(`${program}: ${text}`); },
    log: (l) => { log.push(l); },
  }), `run ${name}`, 60_000);
  return { status, lines, log, domains: log.filter((l) => l.startsWith('[domain] ')) };
}

/** Runs `name`, which must be refused with E_POLICY before any program prints anything; returns the message. */
async function refused(w: World, name: string, opts: { domain?: string } = {}): Promise<string> {
  const lines: string[] = [];
  const log: string[] = [];
  try {
    await within(runInstalled(w.store, name, { ...opts, console: ({ text }) => { lines.push(text); }, log: (l) => { log.push(l); } }), `run ${name}`, 60_000);
  } catch (e) {
    assert.ok(e instanceof SingError, String(e));
    assert.equal(e.code, 'E_POLICY', e.message);
    assert.deepEqual(lines, [], 'a refused run printed something');
    assert.deepEqual(log, [], 'a refused run started something');
    return e.message;
  }
  assert.fail(`run ${name} ${JSON.stringify(opts)} was not refused`);
}

const exited = (s: ExitStatus): string => `${s.state} ${s.code}`;

test('untrustedDomain worker: a program without the trusted privilege runs in a worker domain of its own; a trusted one stays in the kernel domain', async () => {
  const w = world();
  await w.installer.install(w.program('hello', hello('hello', 'hi')));
  await w.store.editSystem('grant', (sys) => ({ ...sys, policy: { ...sys.policy, trusted: ['trusty'] } }));
  await w.installer.install(w.program('trusty', TRUSTY));

  const before = await run(w, 'hello'); // no rule: today's behaviour, the kernel domain
  assert.deepEqual([exited(before.status), before.lines, before.domains], ['exited 0', ['hello: hi'], []]);

  setPolicy(w, 'worker');
  const ran = await run(w, 'hello');
  assert.deepEqual([exited(ran.status), ran.lines], ['exited 0', ['hello: hi']]);
  assert.deepEqual(ran.domains, ['[domain] untrusted-hello: a worker domain']);
  assert.ok(ran.log.includes('[policy] hello does not have the trusted privilege: it runs in a worker domain of its own (policy.untrustedDomain: worker)'), ran.log.join('\n'));

  const trusted = await run(w, 'trusty');
  assert.deepEqual([exited(trusted.status), trusted.lines, trusted.domains], ['exited 0', ['trusty: trusted and running'], []]);

  const asked = await run(w, 'hello', { domain: 'process' }); // a stricter domain than the rule asks is allowed
  assert.deepEqual([exited(asked.status), asked.lines, asked.domains], ['exited 0', ['hello: hi'], ['[domain] run-hello: a process domain']]);

  setPolicy(w, 'process');
  const strict = await run(w, 'hello');
  assert.deepEqual([exited(strict.status), strict.lines, strict.domains], ['exited 0', ['hello: hi'], ['[domain] untrusted-hello: a process domain']]);

  setPolicy(w, 'worker', { apps: { kind: 'worker', programs: ['hello'] } }); // a placement the rule allows is obeyed
  const set = await run(w, 'hello');
  assert.deepEqual([exited(set.status), set.lines, set.domains], ['exited 0', ['hello: hi'], ['[domain] apps: a worker domain']]);
});

test('boot programs obey it too: calc and adder, neither trusted, each in a worker domain of its own, bind across domains', async () => {
  const w = world();
  await w.installer.install(w.program('calc', CALC));
  await w.installer.install(w.program('adder', ADDER));
  w.store.writeSystem({ ...w.store.readSystem(), boot: [{ program: 'calc' }] });
  setPolicy(w, 'worker');
  const ran = await run(w, 'adder', { params: { a: '2', b: '40' } });
  assert.equal(exited(ran.status), 'exited 0', ran.log.join('\n'));
  assert.deepEqual(ran.lines, ['calc: serving /service/calc', 'adder: 2 + 40 = 42']);
  assert.deepEqual(ran.domains, ['[domain] untrusted-calc: a worker domain', '[domain] untrusted-adder: a worker domain']);
});

test('E_POLICY: sing run refuses a --domain or a domains entry the rule forbids, before anything starts', async () => {
  const w = world();
  await w.installer.install(w.program('hello', hello('hello', 'hi')));
  await w.store.editSystem('grant', (sys) => ({ ...sys, policy: { ...sys.policy, trusted: ['trusty'] } }));
  await w.installer.install(w.program('trusty', TRUSTY));

  setPolicy(w, 'worker');
  assert.equal(await refused(w, 'hello', { domain: 'kernel' }),
    'run hello: --domain kernel puts hello in a kernel domain, but hello does not have the trusted privilege, and the system policy runs such programs only in a worker or process domain (policy.untrustedDomain: worker); leave --domain out to run it in a fresh worker domain');
  setPolicy(w, 'process');
  assert.match(await refused(w, 'hello', { domain: 'worker' }), /^run hello: --domain worker puts hello in a worker domain, .* only in a process domain \(policy\.untrustedDomain: process\); leave --domain out to run it in a fresh process domain$/);

  setPolicy(w, 'worker', { k: { kind: 'kernel', programs: ['hello', 'trusty'] } });
  const placed = await refused(w, 'hello');
  assert.match(placed, /^run hello: domains\.k \(system\.json\) places hello in a kernel domain, but hello does not have the trusted privilege, .*\(policy\.untrustedDomain: worker\); place it in a domain the policy allows, or take it out of domains\.k to run it in a fresh worker domain$/);
  // A boot program is judged as well, before the program asked for starts.
  w.store.writeSystem({ ...w.store.readSystem(), boot: [{ program: 'hello' }] });
  assert.match(await refused(w, 'trusty'), /^run trusty: domains\.k \(system\.json\) places hello in a kernel domain/);
  // --domain overrides the placement of the program asked for; the trusted program runs where it is placed.
  w.store.writeSystem({ ...w.store.readSystem(), boot: [] });
  const moved = await run(w, 'hello', { domain: 'worker' });
  assert.deepEqual([exited(moved.status), moved.lines, moved.domains], ['exited 0', ['hello: hi'], ['[domain] run-hello: a worker domain']]);
  const trusted = await run(w, 'trusty');
  assert.deepEqual([exited(trusted.status), trusted.lines, trusted.domains], ['exited 0', ['trusty: trusted and running'], []]);
  const kernel = await run(w, 'trusty', { domain: 'kernel' });
  assert.deepEqual([exited(kernel.status), kernel.domains], ['exited 0', []]);
});

test('E_POLICY at install: an upgrade of a program the system places where the rule forbids it is refused, and verify says so', async () => {
  const w = world();
  await w.installer.install(w.program('hello', hello('hello', 'hi')));
  setPolicy(w, 'worker', { k: { kind: 'kernel', programs: ['hello'] } });
  const file = join(w.storeDir, 'system.json');
  const before = readFileSync(file, 'utf8');
  const dir = w.program('hello', hello('hello', 'hi again'));
  const checked = w.installer.check(dir);
  assert.deepEqual(checked.refusals.map((r) => r.code), ['E_POLICY']);
  assert.match(checked.refusals[0]?.message ?? '', /^domains\.k \(system\.json\) places hello in a kernel domain, but hello does not have the trusted privilege, .*\(policy\.untrustedDomain: worker\); place it in a domain the policy allows, or take it out of domains\.k \(it then runs in a fresh worker domain\)$/);
  await assert.rejects(w.installer.install(dir), (e: unknown) => e instanceof SingError && e.code === 'E_POLICY' && e.message.startsWith('cannot install hello:\n  E_POLICY domains.k (system.json) places hello'));
  assert.equal(readFileSync(file, 'utf8'), before, 'a refused install changed system.json');
  setPolicy(w, 'worker', { w: { kind: 'worker', programs: ['hello'] } });
  assert.equal((await w.installer.install(dir)).replaced, true, 'in a worker domain it installs');
});

test('sing policy untrusted-domain shows and sets the rule, refusing one that a placement breaks; sing run obeys it', () => {
  const w = world();
  const shown = w.sing('policy', 'untrusted-domain');
  assert.deepEqual([shown.status, shown.out], [0, ['untrustedDomain: kernel (default): programs without the trusted privilege run in any domain']]);
  assert.equal(w.sing('install', w.program('hello', hello('hello', 'hi'))).status, 0);

  const bad = w.sing('policy', 'untrusted-domain', 'vm');
  assert.equal(bad.status, 2);
  assert.match(bad.err[0] ?? '', /^sing: policy untrusted-domain vm: must be kernel \(.*\), worker \(.*\) or process \(.*\)$/);

  const file = join(w.storeDir, 'system.json');
  setPolicy(w, undefined, { k: { kind: 'kernel', programs: ['hello'] } });
  const placed = readFileSync(file, 'utf8');
  const inUse = w.sing('policy', 'untrusted-domain', 'worker');
  assert.equal(inUse.status, 1);
  assert.match(inUse.err.at(-1) ?? '', /^sing policy: E_IN_USE: policy untrusted-domain worker: domains\.k \(system\.json\) places hello in a kernel domain, but hello does not have the trusted privilege, .*; move it \(domains in system\.json\) first$/);
  assert.equal(readFileSync(file, 'utf8'), placed, 'refused and bad values changed nothing');

  setPolicy(w, undefined);
  const set = w.sing('policy', 'untrusted-domain', 'worker');
  assert.deepEqual([set.status, set.out], [0, ['untrustedDomain: worker: programs without the trusted privilege run only in a worker or process domain']]);
  assert.deepEqual(w.sing('policy', 'untrusted-domain').out, ['untrustedDomain: worker: programs without the trusted privilege run only in a worker or process domain']);
  assert.deepEqual((JSON.parse(w.sing('system', '--json').out[0] ?? '') as { policy: unknown }).policy, { trusted: [], untrustedDomain: 'worker' });

  const ran = w.sing('run', 'hello');
  assert.equal(ran.status, 0, ran.err.join('\n'));
  assert.deepEqual(ran.out, ['hello[1]: hi']);
  assert.ok(ran.err.includes('[domain] untrusted-hello: a worker domain'), ran.err.join('\n'));
  const kernel = w.sing('run', 'hello', '--domain', 'kernel');
  assert.equal(kernel.status, 1);
  assert.deepEqual(kernel.out, []);
  assert.equal(kernel.err.at(-1), 'sing run: E_POLICY: run hello: --domain kernel puts hello in a kernel domain, but hello does not have the trusted privilege, and the system policy runs such programs only in a worker or process domain (policy.untrustedDomain: worker); leave --domain out to run it in a fresh worker domain');
});
