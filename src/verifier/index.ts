// The verifier's public face: `checkProgram` loads a program folder, reads its manifest without
// running it, and runs every rule. Rules for callers: the installer calls this on every install;
// a non-empty `diagnostics` means the program must not be installed.
import type { Diagnostic } from './diagnostic.ts';
import { loadProgram, type ProgramSource, type VerifyProgram } from './host.ts';
import { readManifest, declaredOf, type ProgramManifest } from './manifest.ts';
import type { DeclaredManifest, Rule } from './rule.ts';
import { verify } from './verify.ts';

export { formatDiagnostic, VerifyError, type Diagnostic } from './diagnostic.ts';
export type { ProgramSource, VerifyProgram } from './host.ts';
export type { DeclaredManifest, Rule } from './rule.ts';
export { RULES } from './verify.ts';
export type { ProgramManifest } from './manifest.ts';

export interface CheckResult {
  readonly vp: VerifyProgram;
  /** The manifest read from the source (undefined when it could not be read). */
  readonly manifest: ProgramManifest | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

export interface CheckOptions {
  /** Use this manifest for the rules instead of the one read from the source (tests). */
  readonly declared?: DeclaredManifest;
  /** Run only these rules (tests); the manifest is still read. */
  readonly rules?: readonly Rule[];
}

export function checkProgram(src: ProgramSource, opts: CheckOptions = {}): CheckResult {
  const vp = loadProgram(src);
  const read = readManifest(vp);
  const declared = opts.declared ?? (read.manifest === undefined ? undefined : declaredOf(read.manifest));
  const diagnostics = [...read.diagnostics, ...verify(vp, declared, opts.rules)];
  return { vp, manifest: read.manifest, diagnostics };
}
