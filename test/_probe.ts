import { boot, within } from './kit.ts';
const b = await boot({
  h: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'h',
  console: true,
  async main({ abi, console }) {
    const t = (name, f) => { try { console.log(name + ': ok ' + String(f())); } catch (e) { console.log(name + ': threw ' + (e && e.code) + ' ' + (e && e.message)); } };
    t('prepare', () => { Error.prepareStackTrace = (e, f) => 'HACKED'; return Error.prepareStackTrace; });
    t('capture', () => typeof Error.captureStackTrace);
    t('stackTraceLimit', () => { Error.stackTraceLimit = 0; return Error.stackTraceLimit; });
    t('Error===host', () => Object.getOwnPropertyNames(Error).join(','));
    t('async ctor', () => (async function () {}).constructor('return 1'));
    t('gen ctor', () => (function* () {}).constructor('yield 1'));
    t('Compartment', () => typeof Compartment);
    t('harden', () => typeof harden);
    t('globals', () => Object.getOwnPropertyNames(globalThis).filter(n => !/^[A-Z]/.test(n)).join(','));
    t('Symbol.for', () => typeof Symbol.for);
    t('WeakRef', () => typeof WeakRef);
    t('FinalizationRegistry', () => typeof FinalizationRegistry);
    t('SharedArrayBuffer', () => typeof SharedArrayBuffer);
    t('Atomics', () => typeof Atomics);
    t('fn.caller', () => { function f() { return f.caller; } return f(); });
    t('closed frozen', () => { const { imp } = abi.channel(Echo); imp.close(); return 1; });
    t('new Date', () => String(new Date()));
    t('ctx frozen', () => 1);
    return 0;
  },
});
`,
}).catch((e) => { console.log('BOOT', e); throw e; });
const s = b.k.spawn('h');
console.log(await within(s.join()));
console.log(b.texts().join('\n'));
try { throw new Error('x'); } catch (e) { console.log('host stack', String((e as Error).stack).slice(0, 40)); }
