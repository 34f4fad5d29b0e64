// compileImage: the trusted load path from program source to a sealed ImageSource.
// Rules for callers: the result is content-addressed (its hash covers code and bound globals) and
// is what the kernel loads; compile once per program version and reuse the image for every
// process. The install-time verifier (issue #4) runs before this step and builds on it.
import { basename } from 'node:path';
import { compartmentGlobals, imageHash, type ImageSource } from '../kernel/image.ts';
import { bundle, type ProgramSource } from './bundle.ts';
import { seal } from './seal.ts';

export async function compileImage(name: string, src: ProgramSource): Promise<ImageSource & { readonly runtimeImports: readonly string[] }> {
  const js = await bundle(src);
  const sealed = seal(js, compartmentGlobals(), basename(src.entry));
  return Object.freeze({
    name,
    hash: imageHash(sealed.code, sealed.globals),
    code: sealed.code,
    globals: sealed.globals,
    runtimeImports: sealed.runtimeImports,
  });
}
