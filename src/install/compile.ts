// compileImage: the trusted load path from program source to a sealed ImageSource.
// Rules for callers: the result is content-addressed (its hash covers code and bound globals) and
// is what the kernel loads; compile once per program version and reuse the image for every
// process. The install-time verifier (issue #4) runs before this step and builds on it.
import { basename } from 'node:path';
import { imageHash, type ImageSource } from '../kernel/image-source.ts';
import { COMPARTMENT_GLOBALS } from './globals.ts';
import { bundle, type ProgramSource } from './bundle.ts';
import { seal } from './seal.ts';

export type CompiledImage = ImageSource & { readonly runtimeImports: readonly string[] };

export async function compileImage(name: string, src: ProgramSource): Promise<CompiledImage> {
  return sealImage(name, src, await bundle(src));
}

/** The second half of compileImage, for a caller that bundled already (the installer bundles while
 * the verifier runs: esbuild works in its own process, so the two overlap on a second core). */
export function sealImage(name: string, src: ProgramSource, js: string): CompiledImage {
  const sealed = seal(js, COMPARTMENT_GLOBALS, basename(src.entry));
  return Object.freeze({
    name,
    hash: imageHash(sealed.code, sealed.globals),
    code: sealed.code,
    globals: sealed.globals,
    runtimeImports: sealed.runtimeImports,
  });
}
