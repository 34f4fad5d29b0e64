// The `sing` commands that manage an installed system: install, uninstall, list, verify, run,
// policy, boot, system, gc. Each works on one install store: `--store DIR`, else $SING_STORE, else
// ~/.sing.
// Rules: results go to stdout (with --json, exactly one JSON value); refusals and diagnostics go
// to stderr, one per line (`file:line:col SINGxxxx message` for the verifier); the exit code is 0
// on success, 1 when something was refused or a program failed, 2 for bad usage. Every command that
// changes system.json does it holding the store's lock; one that has to wait for another process's
// lock says so on stderr first.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Installer } from '../install/installer.ts';
import type { InstallStore } from '../install/store.ts';
import type { SystemManifest } from '../install/system.ts';
import type { KernelLimits } from '../kernel/limits.ts';
import { SingError } from '../lib/error.ts';
import { formatDiagnostic, VerifyError } from '../verifier/index.ts';

export class UsageError extends SingError {
  constructor(message: string) { super('E_USAGE', message); }
}

export const SYSTEM_USAGE = `  install DIR [--entry FILE]  verify, compile and record a program folder in the install store
  uninstall NAME              remove an installed program (refused while others depend on it)
  list [--json]               installed programs
  verify DIR [--entry FILE] [--json]
                              verify a program folder and judge it against the system, installing nothing
  run NAME [--PARAM VALUE...] [--domain kernel|worker|process]
                              boot the system's boot programs, run NAME with typed parameters, exit with its code
  policy grant|revoke NAME    grant or take back the trusted privilege
  policy limits [--json]      the kernel limits the system runs with (set by the policy, else default)
  policy limit KEY VALUE      set one limit: exchangeHeapQuota 8MiB, processesPerTree 256, ...
  policy untrusted-domain [kernel|worker|process]
                              where programs without the trusted privilege may run (print, or set):
                              worker = a worker or process domain, process = a process domain only
  boot add NAME [--PARAM VALUE...] | boot remove NAME
                              start NAME at boot (in the order added)
  system [--json]             print the system manifest
  gc                          delete images and manifests no installed program uses
      --store DIR             the install store (default $SING_STORE, else ~/.sing)
`;

interface Parsed { store: string; positional: string[]; flags: Map<string, string | true> }

/** Splits `--x value` / `--flag` options; `bare` names options that take no value. */
function parse(args: readonly string[], bare: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (eq > 0) flags.set(name, a.slice(eq + 1));
    else if (bare.includes(name)) flags.set(name, true);
    else {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, v);
    }
  }
  const s = flags.get('store');
  flags.delete('store');
  const store = typeof s === 'string' ? s : process.env['SING_STORE'] ?? join(homedir(), '.sing');
  return { store, positional, flags };
}

function only(p: Parsed, allowed: readonly string[], cmd: string): void {
  for (const k of p.flags.keys()) if (!allowed.includes(k)) throw new UsageError(`${cmd}: unknown option --${k}`);
}

function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** The remaining `--name value` options, as parameters given as text. */
function textFlags(p: Parsed): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of p.flags) {
    if (v === true) throw new UsageError(`--${k} needs a value`);
    params[k] = v;
  }
  return params;
}

const out = (s: string): void => { process.stdout.write(`${s}\n`); };
const err = (s: string): void => { process.stderr.write(`${s}\n`); };

export async function systemCommand(cmd: string, args: readonly string[]): Promise<number> {
  const { InstallStore } = await import('../install/store.ts');
  const { Installer } = await import('../install/installer.ts');
  const p = parse(args, ['json']);
  const store = new InstallStore(p.store, { lock: { onWait: (h) => { err(`sing ${cmd}: waiting for the install store's lock, held by process ${h.pid} (${h.what})`); } } });
  const installer = new Installer(store);
  const json = p.flags.get('json') === true;
  try {
    switch (cmd) {
      case 'install': {
        only(p, ['entry'], cmd);
        const [dir] = p.positional;
        if (dir === undefined || p.positional.length > 1) throw new UsageError('install takes one program folder');
        const r = await installer.install(dir, str(p, 'entry'));
        out(r.unchanged ? `${r.name} ${r.version} is installed already (image ${r.image.slice(0, 12)})`
          : `installed ${r.name} ${r.version} (image ${r.image.slice(0, 12)}${r.cached ? ', verified earlier' : ''}${r.replaced ? ', replacing the installed version' : ''})`);
        return 0;
      }
      case 'verify': {
        only(p, ['entry', 'json'], cmd);
        const [dir] = p.positional;
        if (dir === undefined || p.positional.length > 1) throw new UsageError('verify takes one program folder');
        const r = installer.check(dir, str(p, 'entry'));
        const ok = r.diagnostics.length === 0 && r.refusals.length === 0 && r.manifest !== undefined;
        if (json) out(JSON.stringify({ ok, name: r.name ?? null, diagnostics: r.diagnostics, refusals: r.refusals, manifest: r.manifest ?? null }));
        for (const d of r.diagnostics) err(formatDiagnostic(d));
        for (const x of r.refusals) err(`${x.code} ${x.message}`);
        if (!json && ok) out(`${r.name as string}: verified; it can be installed`);
        return ok ? 0 : 1;
      }
      case 'uninstall': {
        only(p, [], cmd);
        const [name] = p.positional;
        if (name === undefined || p.positional.length > 1) throw new UsageError('uninstall takes one program name');
        await installer.uninstall(name);
        out(`uninstalled ${name}`);
        return 0;
      }
      case 'list': {
        only(p, ['json'], cmd);
        const l = installer.list();
        if (json) { out(JSON.stringify(l.map((e) => ({ name: e.name, version: e.version, image: e.image, manifest: e.manifest })))); return 0; }
        if (l.length === 0) out('no programs installed');
        for (const e of l) {
          const m = e.manifest;
          const names = [...Object.values(m.exports).map((x) => `exports ${x.path as string}`), ...Object.values(m.imports).map((x) => `imports ${x.path as string}`)];
          out(`${e.name.padEnd(16)} ${e.version.padEnd(8)} ${m.category.padEnd(11)} ${e.image.slice(0, 12)}${m.trusted ? ' trusted' : ''}${names.length > 0 ? `  ${names.join(', ')}` : ''}`);
        }
        return 0;
      }
      case 'run': {
        const [name, ...extra] = p.positional;
        if (name === undefined || extra.length > 0) throw new UsageError('run takes one program name, then --PARAM VALUE pairs');
        const domain = str(p, 'domain');
        p.flags.delete('domain');
        const params = textFlags(p);
        const { runInstalled } = await import('../install/runner.ts');
        const status = await runInstalled(store, name, {
          params,
          ...(domain !== undefined ? { domain } : {}),
          console: ({ program, pid, stream, text }) => (stream === 'err' ? err : out)(`${program}[${pid}]: ${text}`),
          log: err,
        });
        if (status.state === 'failed') err(`${name}[${status.pid}] failed (${status.reason})${status.error !== undefined ? `: ${status.error.code}: ${status.error.message}` : ''}`);
        return status.state === 'exited' ? status.code : Math.max(1, status.code);
      }
      case 'policy': return await policyCommand(p, store, installer, json);
      case 'boot': {
        const [verb, name, ...extra] = p.positional;
        if ((verb !== 'add' && verb !== 'remove') || name === undefined || extra.length > 0) throw new UsageError('boot add NAME [--PARAM VALUE...] | boot remove NAME');
        if (verb === 'remove') {
          await store.editSystem(`boot remove ${name}`, (sys) => {
            if (!sys.boot.some((b) => b.program === name)) throw new SingError('E_NOT_BOOTED', `boot remove ${name}: ${name} does not start at boot`);
            return { ...sys, boot: sys.boot.filter((b) => b.program !== name) };
          });
          out(`${name} no longer starts at boot`);
          return 0;
        }
        const { parseParams } = await import('../install/runner.ts');
        const raw = textFlags(p);
        const sys = await store.editSystem(`boot add ${name}`, (sys) => {
          let params: Record<string, unknown>;
          try {
            params = parseParams(`boot add ${name}`, installer.manifestOf(sys, name), raw);
          } catch (e) {
            if (e instanceof SingError && e.code === 'E_PARAMS') throw new UsageError(e.message); // bad usage of boot add
            throw e;
          }
          return { ...sys, boot: [...sys.boot.filter((b) => b.program !== name), Object.keys(params).length > 0 ? { program: name, params } : { program: name }] };
        });
        out(`${name} starts at boot (position ${sys.boot.length})`);
        return 0;
      }
      case 'system': {
        only(p, ['json'], cmd);
        const sys = store.readSystem();
        out(json ? JSON.stringify(sys) : JSON.stringify(sys, null, 2));
        return 0;
      }
      case 'gc': {
        only(p, [], cmd);
        out(`removed ${await store.collect()} unused files from ${p.store}`);
        return 0;
      }
      default: throw new UsageError(`unknown command ${cmd}`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof VerifyError) {
      for (const d of e.diagnostics) err(formatDiagnostic(d));
      err(`sing ${cmd}: ${e.diagnostics.length} verifier error${e.diagnostics.length === 1 ? '' : 's'}; nothing was installed`);
      return 1;
    }
    if (e instanceof SingError) { err(`sing ${cmd}: ${e.code}: ${e.message}`); return 1; }
    throw e;
  }
}

/** `policy grant|revoke NAME`, `policy limits`, `policy limit KEY VALUE`, `policy untrusted-domain [KIND]`. */
async function policyCommand(p: Parsed, store: InstallStore, installer: Installer, json: boolean): Promise<number> {
  const { effectiveLimits, formatBytes, isLimitKey, limitIsSet, limitUsers, LIMIT_KEYS, SIZE_LIMITS, untrustedDomain, untrustedDomainText, untrustedDomainUsers, withLimit, withUntrustedDomain } = await import('../install/policy.ts');
  const { isDomainKind } = await import('../install/system.ts');
  const [verb, a, b] = p.positional;
  const shown = (limits: KernelLimits, k: keyof KernelLimits): string => (SIZE_LIMITS.includes(k) ? formatBytes(limits[k]) : String(limits[k]));
  if (verb === 'limits') {
    only(p, ['json'], 'policy limits');
    if (p.positional.length !== 1) throw new UsageError('policy limits takes no arguments');
    const sys = store.readSystem();
    const limits = effectiveLimits(sys);
    if (json) { out(JSON.stringify(limits)); return 0; }
    for (const k of LIMIT_KEYS) out(`${k.padEnd(22)} ${shown(limits, k)}${limitIsSet(sys, k) ? '' : '  (default)'}`);
    return 0;
  }
  only(p, [], 'policy');
  if (verb === 'limit') {
    if (a === undefined || b === undefined || p.positional.length !== 3) throw new UsageError('policy limit KEY VALUE');
    const sys = await store.editSystem(`policy limit ${a}`, (sys) => {
      let next: SystemManifest;
      try { next = withLimit(sys, a, b); } catch (e) {
        if (e instanceof SingError && e.code === 'E_LIMITS') throw new UsageError(e.message); // bad usage of policy limit
        throw e;
      }
      const shut = limitUsers(next, (n) => installer.manifestOf(next, n));
      if (shut.length > 0) throw new SingError('E_IN_USE', `policy limit ${a} ${b}: ${shut.join('; ')}; uninstall ${shut.length === 1 ? 'it' : 'them'} first, or set a higher limit`);
      return next;
    });
    if (isLimitKey(a)) out(`${a}: ${shown(effectiveLimits(sys), a)}`);
    return 0;
  }
  if (verb === 'untrusted-domain') {
    if (p.positional.length > 2) throw new UsageError('policy untrusted-domain [kernel|worker|process]');
    if (a === undefined) {
      const sys = store.readSystem();
      const kind = untrustedDomain(sys);
      out(`untrustedDomain: ${kind}${sys.policy.untrustedDomain === undefined ? ' (default)' : ''}: ${untrustedDomainText(kind)}`);
      return 0;
    }
    if (!isDomainKind(a)) throw new UsageError(`policy untrusted-domain ${a}: must be kernel (programs without the trusted privilege run anywhere), worker (in a worker or process domain) or process (in a process domain)`);
    await store.editSystem(`policy untrusted-domain ${a}`, (sys) => {
      const next = withUntrustedDomain(sys, a);
      const shut = untrustedDomainUsers(next, (n) => installer.manifestOf(next, n));
      if (shut.length > 0) throw new SingError('E_IN_USE', `policy untrusted-domain ${a}: ${shut.join('; ')}; move ${shut.length === 1 ? 'it' : 'them'} (domains in system.json) first`);
      return next;
    });
    out(`untrustedDomain: ${a}: ${untrustedDomainText(a)}`);
    return 0;
  }
  if ((verb !== 'grant' && verb !== 'revoke') || a === undefined || p.positional.length !== 2) throw new UsageError('policy grant|revoke NAME | policy limits | policy limit KEY VALUE | policy untrusted-domain [KIND]');
  await store.editSystem(`policy ${verb} ${a}`, (sys) => {
    const trusted = sys.policy.trusted.filter((n) => n !== a);
    if (verb === 'grant') trusted.push(a);
    else if (Object.hasOwn(sys.programs, a) && installer.manifestOf(sys, a).trusted) {
      throw new SingError('E_IN_USE', `policy revoke ${a}: the installed ${a} is trusted; uninstall it first`);
    }
    return { ...sys, policy: { ...sys.policy, trusted } };
  });
  out(`${a}: trusted privilege ${verb === 'grant' ? 'granted' : 'revoked'}`);
  return 0;
}
