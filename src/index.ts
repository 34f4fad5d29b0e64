// sing: the library's entry for hosts. `boot()` gives a kernel; `compileImage` turns a program
// folder into an image it can install. Programs import `sing/runtime` instead.
export * from './kernel/index.ts';
export { compileImage } from './install/compile.ts';
export { BundleError } from './install/bundle.ts';
export type { ProgramSource } from './install/bundle.ts';
export { SealError } from './install/seal.ts';
export * as runtime from './runtime/index.ts';
