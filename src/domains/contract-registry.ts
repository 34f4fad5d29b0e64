// The contracts a domain connection can name: a name registered or bound across domains travels
// as its contract's fingerprint, and each side looks the contract up here.
// Rules for callers: fill it from the installed programs' manifests and Sing's contract library
// (`fromKernel`): a program may mount or bind a library contract its manifest does not mention (a
// file system mounts File and Directory at /fs, and its clients bind them by path). A contract that
// neither names (directly, or as the contract of an endpoint some message carries) cannot be named
// across domains, and is refused as E_CONTRACT by whoever asks.
// Invariants: fingerprints are structural (compiler.ts), so equal fingerprints from two isolates
// name interchangeable contracts.
import { compiledOf, type AnyContract } from '../contracts/contract.ts';
import type { Kernel } from '../kernel/index.ts';
import { providerOf } from '../runtime/provider.ts';
import * as blocks from '../contracts/lib/blocks.ts';
import * as calculator from '../contracts/lib/calculator.ts';
import * as consoleLib from '../contracts/lib/console.ts';
import * as disk from '../contracts/lib/disk.ts';
import * as fs from '../contracts/lib/fs.ts';
import * as supervisor from '../contracts/lib/supervisor.ts';
import * as tcp from '../contracts/lib/tcp.ts';
import * as terminal from '../contracts/lib/terminal.ts';
import * as pipe from '../contracts/lib/pipe.ts';
import * as status from '../contracts/lib/status.ts';
import * as web from '../contracts/lib/web.ts';

/** Sing's contract library (sing/contracts/*): every program can name these without declaring them. */
const LIBRARY: readonly object[] = [blocks, calculator, consoleLib, disk, fs, pipe, status, supervisor, tcp, terminal, web];

export class ContractRegistry {
  readonly #byFingerprint = new Map<string, AnyContract>();

  /** Adds a contract and every contract its messages carry endpoints of. */
  add(c: unknown): void {
    const cc = compiledOf(c);
    if (cc === undefined || this.#byFingerprint.has(cc.fingerprint)) return;
    this.#byFingerprint.set(cc.fingerprint, c as AnyContract);
    for (const m of cc.messages) for (let mv = m.movers; mv !== null; mv = mv.next) if (mv.endpoint !== null) this.add(mv.endpoint.contract);
  }

  get(fingerprint: unknown): AnyContract | undefined {
    return typeof fingerprint === 'string' ? this.#byFingerprint.get(fingerprint) : undefined;
  }

  /** Every contract the manifests of a kernel's installed programs mention, with the provider
   * contracts of the names they export and import, and the library's contracts with theirs. */
  static fromKernel(k: Kernel): ContractRegistry {
    const r = new ContractRegistry();
    for (const mod of LIBRARY) {
      for (const v of Object.values(mod)) {
        if (compiledOf(v) === undefined) continue; // a layout or record type, not a contract
        r.add(v);
        r.add(providerOf(v as AnyContract));
      }
    }
    for (const name of k.programs()) {
      let m;
      try { m = k.manifestOf(name); } catch { continue; } // a program that cannot start names nothing
      for (const e of [...m.endpoints, ...m.imports, ...m.exports]) {
        r.add(e.decl.contract);
        r.add(providerOf(e.decl.contract as AnyContract));
      }
    }
    return r;
  }
}
