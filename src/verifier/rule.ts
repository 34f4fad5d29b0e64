// The contract between the verifier's driver and its rules.
// Rules for callers (rule files): a rule is one file exporting a `Rule`; `check` walks
// `ctx.files` (the program's own files only) and calls `ctx.report` for each violation, with a
// SINGxxxx code in its own thousand (rule 4 reports SING4xxx) and a message in the program's terms:
// name the variable, the endpoint's contract and state, the manifest key. TypeScript's own
// diagnostics are in `ctx.typeErrors`; a rule that explains one better in its own terms `claim`s it,
// and the type rule (run last) reports whatever nobody claimed.
// Invariants: rules never modify the program, and never throw for a bad program (only report).
import type ts from 'typescript';
import type { VerifyProgram } from './host.ts';

/** What the manifest declares, as the rules need it (read from the source by manifest.ts). */
export interface DeclaredManifest {
  readonly name: string;
  /** ctx keys: startup endpoints, imports and exports. */
  readonly endpoints: readonly string[];
  readonly imports: readonly { readonly key: string; readonly path: string }[];
  readonly exports: readonly { readonly key: string; readonly path: string }[];
  readonly parameters: readonly string[];
  /** Host resources (files, TCP ports) by manifest key. */
  readonly hostResources: readonly string[];
  /** The exchange-heap quota in bytes (0: the program may not allocate). */
  readonly exchangeHeap: number;
  readonly console: boolean;
  readonly trusted: boolean;
  /** SING2xxx codes the manifest waives (only when trusted). */
  readonly unsafe: readonly string[];
}

export interface RuleContext {
  readonly vp: VerifyProgram;
  readonly checker: ts.TypeChecker;
  readonly files: readonly ts.SourceFile[];
  /** Undefined when the manifest could not be read (that is reported on its own). */
  readonly manifest: DeclaredManifest | undefined;
  /** TypeScript's errors in the program's files, claimed or not. */
  readonly typeErrors: readonly ts.Diagnostic[];
  report(node: ts.Node, code: string, message: string): void;
  /** Reports at a text position no node starts at (a directive inside a comment). */
  reportAt(sf: ts.SourceFile, pos: number, code: string, message: string): void;
  /** Reports at `node`, and absorbs the TypeScript errors that start inside `within` (default:
   * `node`) — only those with one of `codes`, when given: they are the same violation seen by the
   * compiler, so they are not reported again, by this rule or as SING1001. */
  flag(node: ts.Node, code: string, message: string, within?: ts.Node, codes?: ReadonlySet<number>): void;
  /** Reports a TypeScript error in this rule's terms; the type rule then skips it. */
  claim(d: ts.Diagnostic, code: string, message: string): void;
  claimed(d: ts.Diagnostic): boolean;
}

export interface Rule {
  /** 1..6, as in issue #4's list. */
  readonly id: number;
  readonly name: string;
  check(ctx: RuleContext): void;
}
