#!/usr/bin/env node
// The `sing` command: runs the TypeScript CLI through tsx's loader so no build step is needed.
// TypeScript (the verifier's and image compiler's) is preloaded from a V8 code cache first.
import { register } from 'tsx/esm/api';
register();
const { preloadTypeScript } = await import('../src/lib/code-cache.ts');
preloadTypeScript();
await import('../src/cli/main.ts');
