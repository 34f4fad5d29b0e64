// The verifier's view of a program: one TypeScript program over the program's folder, with
// `sing/runtime` and `sing/contracts/*` resolved to Sing's own sources and nothing else reachable.
// Rules for callers: build it once per verification with `loadProgram` and hand the same object to
// the manifest reader and every rule. Files outside the program folder (the standard library's
// declarations, Sing's runtime) are parsed once per host process and shared between programs,
// which is what makes a second install fast; program files are always read afresh.
// Invariants: the library set is ES2022 without DOM or Node types, so host globals do not even
// type-check; an import that leaves the closed world stays unresolved (rule 3 reports it).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface ProgramSource {
  /** The program's folder; every file of the program lies inside it. */
  readonly root: string;
  /** The entry file, relative to root. */
  readonly entry: string;
  /** In-memory files (paths relative to root); when absent, files are read from disk. */
  readonly files?: Readonly<Record<string, string>>;
}

export const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RUNTIME_ENTRY = join(SRC, 'runtime/index.ts');
export const CONTRACTS_LIB = join(SRC, 'contracts/lib');

/** The settings every program is checked under (DESIGN.md: TypeScript strict, DOM-free). */
export const COMPILER_OPTIONS: ts.CompilerOptions = Object.freeze({
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  noEmit: true,
  // ES2022 without DOM or Node, and without what a sealed program may not use or cannot rely on:
  // shared memory and Atomics (refused by rule 2), weak references (they observe the collector),
  // and the Intl additions after ES5 (SES tames locale behaviour). Fewer declarations to parse also
  // makes a cold install ~200 ms faster.
  lib: [
    'lib.es5.d.ts', 'lib.es2015.core.d.ts', 'lib.es2015.collection.d.ts', 'lib.es2015.generator.d.ts', 'lib.es2015.iterable.d.ts',
    'lib.es2015.promise.d.ts', 'lib.es2015.proxy.d.ts', 'lib.es2015.reflect.d.ts', 'lib.es2015.symbol.d.ts', 'lib.es2015.symbol.wellknown.d.ts',
    'lib.es2016.array.include.d.ts', 'lib.es2017.object.d.ts', 'lib.es2017.string.d.ts', 'lib.es2018.asyncgenerator.d.ts',
    'lib.es2018.asynciterable.d.ts', 'lib.es2018.promise.d.ts', 'lib.es2018.regexp.d.ts', 'lib.es2019.array.d.ts', 'lib.es2019.object.d.ts',
    'lib.es2019.string.d.ts', 'lib.es2019.symbol.d.ts', 'lib.es2020.bigint.d.ts', 'lib.es2020.promise.d.ts', 'lib.es2020.string.d.ts',
    'lib.es2020.symbol.wellknown.d.ts', 'lib.es2021.promise.d.ts', 'lib.es2021.string.d.ts', 'lib.es2022.array.d.ts', 'lib.es2022.error.d.ts',
    'lib.es2022.object.d.ts', 'lib.es2022.string.d.ts', 'lib.es2022.regexp.d.ts',
  ],
  types: [],
  skipLibCheck: true,
  isolatedModules: true,
  allowJs: false,
});

const EXTENSIONS = ['', '.ts', '.mts', '/index.ts'];

export interface VerifyProgram {
  readonly source: ProgramSource;
  readonly root: string;
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  /** The program's own files (inside its folder), entry first. */
  readonly files: readonly ts.SourceFile[];
  readonly entry: ts.SourceFile | undefined;
  /** A file name relative to the program's folder, with forward slashes. */
  rel(fileName: string): string;
  /** True when `fileName` lies inside the program's folder. */
  owns(fileName: string): boolean;
}

export function insideDir(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

const shared = new Map<string, ts.SourceFile>();

export function loadProgram(src: ProgramSource): VerifyProgram {
  const root = resolve(src.root);
  const mem = src.files;
  const owns = (p: string): boolean => insideDir(root, p);
  const rel = (p: string): string => relative(root, p).split('\\').join('/');
  const memHas = (p: string): boolean => mem !== undefined && Object.hasOwn(mem, rel(p));
  const fileExists = (p: string): boolean => (mem !== undefined && owns(p) ? memHas(p) : existsSync(p) && statSync(p).isFile());
  const readFile = (p: string): string | undefined => {
    if (mem !== undefined && owns(p)) return memHas(p) ? mem[rel(p)] : undefined;
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  };
  const probe = (base: string): string | undefined => EXTENSIONS.map((e) => base + e).find((p) => /\.m?ts$/.test(p) && fileExists(p));

  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const libGet = host.getSourceFile.bind(host);
  host.fileExists = fileExists;
  host.readFile = readFile;
  host.getSourceFile = (fileName, lang, onError) => {
    if (owns(fileName)) {
      const text = readFile(fileName);
      return text === undefined ? undefined : ts.createSourceFile(fileName, text, lang, true);
    }
    let sf = shared.get(fileName);
    if (sf === undefined) {
      sf = libGet(fileName, lang, onError);
      if (sf !== undefined) shared.set(fileName, sf);
    }
    return sf;
  };
  host.resolveModuleNameLiterals = (literals, containingFile) => literals.map((lit): ts.ResolvedModuleWithFailedLookupLocations => {
    const spec = lit.text;
    const found = (p: string | undefined): ts.ResolvedModuleWithFailedLookupLocations => (p === undefined
      ? { resolvedModule: undefined }
      : { resolvedModule: { resolvedFileName: p, extension: ts.Extension.Ts, isExternalLibraryImport: false } });
    if (spec === 'sing/runtime' || spec === 'sing') return found(RUNTIME_ENTRY);
    const lib = /^sing\/contracts\/([\w-]+)$/.exec(spec);
    if (lib !== null) {
      const p = join(CONTRACTS_LIB, `${lib[1] as string}.ts`);
      return found(existsSync(p) ? p : undefined);
    }
    if (owns(containingFile)) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) return found(undefined);
      const p = probe(resolve(dirname(containingFile), spec));
      return found(p !== undefined && owns(p) ? p : undefined);
    }
    return ts.resolveModuleName(spec, containingFile, COMPILER_OPTIONS, host);
  });

  const entryPath = resolve(root, src.entry);
  const program = ts.createProgram({ rootNames: [entryPath], options: COMPILER_OPTIONS, host });
  const own = program.getSourceFiles().filter((sf) => owns(sf.fileName) && !sf.isDeclarationFile);
  const entry = own.find((sf) => resolve(sf.fileName) === entryPath);
  const files = entry === undefined ? own : [entry, ...own.filter((sf) => sf !== entry)];
  return { source: src, root, program, checker: program.getTypeChecker(), files, entry, rel, owns };
}
