// Loaded with `node --import` before a process's own modules (the test runner does): makes
// `import ts from 'typescript'` cheap from the start. See code-cache.ts.
import { preloadTypeScript } from './code-cache.ts';

preloadTypeScript();
