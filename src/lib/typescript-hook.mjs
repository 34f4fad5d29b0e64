// An ESM resolve hook (registered by code-cache.ts): `import ts from 'typescript'` resolves to
// typescript-shim.mjs, which `require`s the compiler. Importing the CommonJS compiler directly makes
// Node scan its 9 MB source for export names on every start (~400 ms); the shim skips that.
const SHIM = new URL('./typescript-shim.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'typescript') return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}
