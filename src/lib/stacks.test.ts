// Stack formatting: the program view hides every frame that is not the program's (or a builtin
// between the program's), the host view keeps everything, the choice follows who made and who
// reads the error, and SING_HOST_STACKS=1 shows host stacks everywhere. The header is built
// without running anything of the error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureLockdown } from './harden.ts';
import { HIDDEN_FRAMES, asProgramView, errorHeader, imageSourceUrl, programFrames, type Frame } from './stacks.ts';

ensureLockdown();

/** A fake CallSite: `p` for program code, `b` for a builtin, `h` for a host file. */
function frame(kind: 'p' | 'b' | 'h', fn: string | null, line = 1): Frame {
  const url = kind === 'p' ? 'sing:demo' : kind === 'h' ? 'file:///work/main/src/kernel/kernel.ts' : undefined;
  return {
    getFunctionName: () => fn,
    getTypeName: () => null,
    getScriptNameOrSourceURL: () => url,
    getLineNumber: () => line,
    getColumnNumber: () => 2,
    isEval: () => kind === 'p',
    isToplevel: () => true,
    isConstructor: () => false,
    isAsync: () => false,
    isNative: () => false,
    toString: () => `${fn ?? '<anonymous>'} (${url ?? '<anonymous>'}:${line}:2)`,
  };
}

const HOST_PATH = /file:\/\/|\/work\/|node:internal|node_modules|\.ts:\d/;

/** Runs `read` as program code: a function evaluated in a compartment with an image's sourceURL. */
function fromProgram<T>(read: () => T): T {
  const c = new Compartment();
  const run = c.evaluate(`(function program(cb) { return cb(); })${imageSourceUrl('demo')}`) as (cb: () => T) => T;
  return run(read);
}

describe('the program view', () => {
  it('keeps program frames, hides each run of host frames behind one marker, keeps a run of builtins alone', () => {
    const text = programFrames([frame('h', 'Kernel.create'), frame('h', 'Abi.create'), frame('p', 'main', 7), frame('b', 'Array.map'),
      frame('p', 'each', 3), frame('b', 'Generator.next'), frame('h', 'Scheduler.step')]);
    assert.equal(text, [
      '', HIDDEN_FRAMES, '    at main (sing:demo:7:2)', '    at Array.map (<anonymous>)', '    at each (sing:demo:3:2)', HIDDEN_FRAMES,
    ].join('\n'));
  });
  it('is what a program sees of a kernel error, whoever formats it first', () => {
    const made = fromProgram(() => new RangeError('index outside [0, 16)'));
    const stack = String(made.stack);
    assert.ok(stack.startsWith('RangeError: index outside [0, 16)\n'), stack);
    assert.ok(stack.includes('at program (sing:demo:'), stack);
    assert.ok(stack.includes(HIDDEN_FRAMES), stack);
    assert.doesNotMatch(stack, HOST_PATH);
  });
  it('applies to a host-made error (no program frame) that a program reads first', () => {
    const e = new TypeError('made by the kernel on its own stack');
    const stack = fromProgram(() => e.stack);
    assert.ok(typeof stack === 'string' && stack.startsWith('TypeError: made by the kernel'), String(stack));
    assert.doesNotMatch(String(stack), HOST_PATH);
  });
  it('applies to a stack kernel code reads on a program\'s behalf (asProgramView)', () => {
    const e = new Error('formatted for a program');
    const stack = asProgramView(() => e.stack);
    assert.equal(stack, `Error: formatted for a program\n${HIDDEN_FRAMES}`);
  });
});

describe('the host view', () => {
  it('keeps every frame, with positions in the sources, for a host error the host reads', () => {
    const stack = String(new Error('a kernel bug').stack);
    assert.match(stack, /stacks\.test\.ts:\d+:\d+/);
    assert.ok(!stack.includes('<kernel>'), stack);
  });
  it('is used everywhere with SING_HOST_STACKS=1', () => {
    const harden = new URL('./harden.ts', import.meta.url).href;
    const script = `
      import { ensureLockdown } from ${JSON.stringify(harden)};
      ensureLockdown();
      const c = new Compartment();
      const f = c.evaluate('(function program(cb) { return cb(); })\\n//# sourceURL=sing:demo');
      process.stdout.write(String(f(() => new RangeError('shown whole').stack)));
    `;
    const run = (env: Record<string, string>): string => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: fileURLToPath(new URL('../..', import.meta.url)), env: { ...process.env, ...env }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const host = run({ SING_HOST_STACKS: '1' });
    assert.match(host, /file:\/\//, host);
    assert.ok(host.includes('at program (sing:demo:'), host);
    const program = run({ SING_HOST_STACKS: '0' });
    assert.doesNotMatch(program, HOST_PATH, program);
    assert.ok(program.includes(HIDDEN_FRAMES), program);
  });
});

describe('the header', () => {
  it('reads name and message as data, never through getters or Proxy traps', () => {
    const ran: string[] = [];
    const e = new Error('quiet');
    Object.defineProperty(e, 'name', { get: () => { ran.push('name'); return 'Loud'; } });
    assert.equal(errorHeader(e), 'Error: quiet', 'an accessor name is skipped, the prototype\'s is used');
    const m = new TypeError('x');
    Object.defineProperty(m, 'message', { get: () => { ran.push('message'); return 'loud'; } });
    assert.equal(errorHeader(m), 'TypeError');
    const proxy = new Proxy(new Error('p'), { get: () => { ran.push('get'); return 'x'; }, getPrototypeOf: () => { ran.push('proto'); return null; }, getOwnPropertyDescriptor: () => { ran.push('gopd'); return undefined; } });
    assert.equal(errorHeader(proxy), 'Error');
    const chained = Object.create(new Proxy({}, { getOwnPropertyDescriptor: () => { ran.push('chain'); return undefined; } })) as object;
    assert.equal(errorHeader(chained), 'Error');
    class Named extends Error { override name = 'NamedError'; }
    assert.equal(errorHeader(new Named('own data')), 'NamedError: own data');
    assert.deepEqual(ran, []);
  });
  it('is what V8 shows, for an error whose getters would lie', () => {
    const ran: string[] = [];
    const e = new Error('m');
    Object.defineProperty(e, 'message', { get: () => { ran.push('message'); return 'lie'; } });
    assert.equal(String(e.stack).split('\n')[0], 'Error');
    assert.deepEqual(ran, []);
  });
});
