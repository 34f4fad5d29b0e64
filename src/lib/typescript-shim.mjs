// The TypeScript compiler as an ES module's default export, loaded through `require` (see
// typescript-hook.mjs); the CommonJS cache may already hold it, preloaded from a code cache.
import { createRequire } from 'node:module';

export default createRequire(import.meta.url)('typescript');
