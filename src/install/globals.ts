// The global names a compartment offers a program (SES's shared intrinsics, without evaluators):
// the image compiler binds a program's free globals among these, and leaves any other name unbound.
// Rules: this list must equal what `compartmentGlobals()` (src/kernel/image.ts) reports for the SES
// version in use — globals.test.ts checks it. It is written out so that installing a program needs
// neither SES nor a lockdown (~150 ms of a cold install); the kernel still checks every bound name
// against the real compartment when it loads the image.
export const COMPARTMENT_GLOBALS: ReadonlySet<string> = new Set([
  'AggregateError', 'Array', 'ArrayBuffer', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'Boolean', 'DataView', 'Date', 'Error',
  'EvalError', 'Infinity', 'Int16Array', 'Int32Array', 'Int8Array', 'JSON', 'Map', 'Math', 'NaN', 'Number', 'Object', 'Promise',
  'Proxy', 'RangeError', 'ReferenceError', 'Reflect', 'RegExp', 'Set', 'String', 'Symbol', 'SyntaxError', 'TextDecoder', 'TextEncoder',
  'TypeError', 'URIError', 'Uint16Array', 'Uint32Array', 'Uint8Array', 'Uint8ClampedArray', 'WeakMap', 'WeakSet', 'decodeURI',
  'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'globalThis', 'harden', 'isFinite', 'isNaN', 'parseFloat',
  'parseInt', 'undefined', 'unescape',
]);
