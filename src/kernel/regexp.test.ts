// Linear-time regular expressions in the realm: V8's fallback is on (here, in worker threads, and
// in child processes given LINEAR_REGEXP_V8_FLAGS), so catastrophic patterns finish; every way a
// program can build a pattern from a string refuses what the linear engine cannot run, with
// E_REGEXP; ordinary regular expressions behave as before; the host keeps its own patterns.
// Durations are asserted only against bounds minutes below what backtracking would take.
import { ensureLockdown } from '../lib/harden.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { enableLinearRegExp, LINEAR_REGEXP_V8_FLAGS, linearRegExpEnabled, RegExpRefusedError } from './regexp.ts';

ensureLockdown();
const c = new Compartment();
/** Evaluates program-like code in a compartment, as images are. */
const run = (src: string): unknown => c.evaluate(src);

/** /^(a+)+$/ on 32 a's and a '!' took 94 s here without the fallback. */
const CATASTROPHIC = "'a'.repeat(32) + '!'";
const BOUND_MS = 5000;

function timed(f: () => unknown): { ms: number; value: unknown } {
  const t = performance.now();
  const value = f();
  return { ms: performance.now() - t, value };
}

function refused(src: string, pattern: RegExp): void {
  assert.throws(() => run(src), (e: unknown) => {
    assert.ok(e instanceof SyntaxError, `a SyntaxError, not ${String(e)}`);
    assert.ok(e instanceof RegExpRefusedError);
    assert.equal((e as { code?: unknown }).code, 'E_REGEXP');
    assert.match((e as Error).message, pattern);
    assert.match((e as Error).message, /cannot run in linear time in Sing/);
    return true;
  }, src);
}

describe('V8 falls back to its linear-time engine', () => {
  it('is set up, once', () => {
    assert.equal(linearRegExpEnabled(), true);
    enableLinearRegExp(); // idempotent
    assert.deepEqual([...LINEAR_REGEXP_V8_FLAGS], ['--enable-experimental-regexp-engine-on-excessive-backtracks', '--regexp-backtracks-before-fallback=10000']);
  });
  it('finishes catastrophic patterns, literal or built, with every supported flag, through every method', () => {
    const cases = [
      `/^(a+)+$/.test(${CATASTROPHIC})`,
      `new RegExp('^(a+)+$').test(${CATASTROPHIC})`,
      ...['g', 'm', 's', 'y', 'gmsy'].map((f) => `new RegExp('^(a+)+$', '${f}').test(${CATASTROPHIC})`),
      `${CATASTROPHIC}.replace(/^(a+)+$/g, 'x')`,
      `${CATASTROPHIC}.match(/^(a+)+$/)`,
      `${CATASTROPHIC}.match('^(a+)+$')`,
      `${CATASTROPHIC}.search('^(a+)+$')`,
      `${CATASTROPHIC}.split(/(a+)+$/).length`,
      `[...${CATASTROPHIC}.matchAll(/(a+)+$/g)].length`,
      `[...${CATASTROPHIC}.matchAll('(a+)+$')].length`,
      `'x'.repeat(32).replace(/(x+x+)+y/g, '')`,
      `(${CATASTROPHIC} + ' ').split(/(?:a|a)*b/).length`,
    ];
    for (const src of cases) {
      const { ms } = timed(() => run(src));
      assert.ok(ms < BOUND_MS, `${src} took ${ms.toFixed(0)} ms`);
    }
  });
  it('in a worker thread (V8 flags are the process\'s)', async () => {
    const w = new Worker(`
      const { parentPort } = require('node:worker_threads');
      const t = performance.now();
      const r = new RegExp('^(a+)+$', 'g').test('a'.repeat(32) + '!');
      parentPort.postMessage({ r, ms: performance.now() - t });
    `, { eval: true });
    const { r, ms } = await new Promise<{ r: boolean; ms: number }>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    await w.terminate();
    assert.equal(r, false);
    assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
  });
  it('in a child process started with LINEAR_REGEXP_V8_FLAGS', () => {
    const code = "const t = performance.now(); const r = /^(a+)+$/.test('a'.repeat(32) + '!'); console.log(JSON.stringify({ r, ms: performance.now() - t }));";
    const p = spawnSync(process.execPath, [...LINEAR_REGEXP_V8_FLAGS, '-e', code], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(p.status, 0, p.stderr);
    const { r, ms } = JSON.parse(p.stdout) as { r: boolean; ms: number };
    assert.equal(r, false);
    assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
  });
});

describe('patterns built at run time that the linear engine cannot run are refused', () => {
  it('by the constructors a program can reach', () => {
    refused("new RegExp('(a)\\\\1')", /\/\(a\)\\1\/ uses a backreference/);
    refused("RegExp('a(?=b)')", /lookahead/);
    refused("new (/x/.constructor)('(?<!a)b')", /negative lookbehind/);
    refused("class R extends RegExp {}; new R('x', 'i')", /the `i` flag/);
    refused("Reflect.construct(RegExp, ['x{17}'], function () {})", /count above 16/);
    refused("new RegExp('x', 'u')", /the `u` flag/);
    refused("new RegExp('x', 'd')", /the `d` flag/);
    refused("new RegExp({ [Symbol.match]: true, source: '(?=a)', flags: 'g' })", /lookahead/);
    refused("new RegExp({ toString() { return '(?!a)'; } })", /negative lookahead/);
  });
  it('when a runnable regular expression is copied with flags that take it off the linear engine', () => {
    refused("new RegExp(/^(a+)+$/, 'i')", /the `i` flag/);
    assert.equal(run("new RegExp(/^(a+)+$/g, 'my').flags"), 'my');
    assert.equal(run("new RegExp(/^(a+)+$/g).flags"), 'g');
  });
  it('by String.prototype.match, matchAll and search given a string or a non-RegExp', () => {
    refused("'aaa'.match('(?<=a)a')", /lookbehind/);
    refused("'aaa'.search('(a)\\\\1')", /backreference/);
    refused("[...'aaa'.matchAll('(?!b)')]", /\/\(\?!b\)\/g uses a negative lookahead/);
    refused("'aaa'.match({ toString() { return '(?=a)'; } })", /lookahead/);
  });
  it('by split and matchAll when flags are shadowed under a regular expression', () => {
    refused("const r = /^(a+)+$/; Object.defineProperty(r, 'flags', { value: 'i' }); 'aa'.split(r)", /\/iy uses the `i` flag/);
    refused("const r = /a/g; Object.defineProperty(r, 'flags', { value: 'gu' }); [...'aa'.matchAll(r)]", /the `u` flag/);
  });
  it('by split and matchAll when the species constructor would be the engine\'s own', () => {
    refused("const r = /^(a+)+$/; Object.defineProperty(r, 'flags', { value: 'i' }); Object.defineProperty(r, 'constructor', { value: undefined }); 'aa'.split(r)", /\/iy uses the `i` flag/);
    refused("const r = /a/g; Object.defineProperty(r, 'flags', { value: 'gi' }); Object.defineProperty(r, 'constructor', { value: { [Symbol.species]: null } }); [...'aa'.matchAll(r)]", /the `i` flag/);
    refused("RegExp.prototype[Symbol.split].call({ [Symbol.match]: true, source: '(a)\\\\1', flags: '' }, 'aa')", /backreference/);
    refused("[...RegExp.prototype[Symbol.matchAll].call({ [Symbol.match]: true, source: '(?=a)', flags: 'g', lastIndex: 0 }, 'aa')]", /lookahead/);
  });
  it('reading what the program controls once: a getter cannot show the check one pattern and the engine another', () => {
    // toString answers a runnable pattern first, then a refused one: the first is what is built.
    assert.equal(run("let n = 0; 'b'.match({ toString() { return n++ === 0 ? 'b' : '(?=b)'; } })?.[0]"), 'b');
    // @@match answers the engine's method first, then nothing (which would make the engine build a
    // pattern from toString): the method read first is the one called.
    assert.throws(() => run("let n = 0; 'b'.match({ get [Symbol.match]() { return n++ === 0 ? RegExp.prototype[Symbol.match] : undefined; }, toString() { return '(?=b)'; } })"),
      (e: unknown) => e instanceof TypeError && !(e instanceof SyntaxError));
    // A refused pattern and a runnable one whose flags and source would join into the same text.
    assert.throws(() => run("new RegExp('', 'g/(?=a)')"), (e: unknown) => e instanceof SyntaxError && !(e instanceof RegExpRefusedError));
    refused("new RegExp('(?=a)/', 'g')", /lookahead/);
  });
  it('with an error class programs cannot change', () => {
    assert.ok(Object.isFrozen(RegExpRefusedError) && Object.isFrozen(RegExpRefusedError.prototype));
  });
});

describe('ordinary regular expressions behave as before', () => {
  it('in every method', () => {
    assert.deepEqual(run(`[
      'a-b_c'.replace(/[-_]/g, ' '), 'a, b,c'.split(/\\s*,\\s*/), 'a, b,c'.split(/(,)/, 2), 'x1y22'.match(/\\d+/g), 'x1y22'.match('\\\\d+')[0],
      'x1y22'.search(/y/), 'x1y22'.search('2'), [...'a1b2'.matchAll(/[a-z](\\d)/g)].map((m) => m[1] + '@' + m.index),
      [...'a1b2'.matchAll('\\\\d')].map((m) => m[0]), new RegExp('^a.c$', 's').test('a\\nc'), RegExp('b+').exec('abbc')[0],
      'aaa'.match({ [Symbol.match](s) { return 'custom ' + s; } }), 'ab'.split({ [Symbol.split](s, l) { return [s, l]; } }, 3),
      'x'.replaceAll(/x/g, 'y'), (() => { const r = /a/g; r.lastIndex = 1; return [...'aaa'.matchAll(r)].length; })(),
      (() => { try { 'a'.matchAll(/a/); return 'no error'; } catch (e) { return e.constructor.name; } })(),
      (() => { try { 'a'.match(Symbol('s')); return 'no error'; } catch (e) { return e.constructor.name; } })(),
      String(null === 'a'.match(undefined)), 'ab'.search(), [...'ab'.matchAll()].length,
    ]`), [
      'a b c', ['a', 'b', 'c'], ['a', ','], ['1', '22'], '1', 2, 3, ['1@0', '2@2'], ['1', '2'], true, 'bb', 'custom aaa', ['ab', 3],
      'y', 2, 'TypeError', 'TypeError', 'false', 0, 3,
    ]);
  });
  it('keeping the wrapped methods\' names and lengths', () => {
    assert.deepEqual([String.prototype.match, String.prototype.matchAll, String.prototype.search].map((f) => [f.name, f.length]), [['match', 1], ['matchAll', 1], ['search', 1]]);
    const proto = RegExp.prototype as unknown as Record<symbol, { name: string; length: number }>;
    assert.deepEqual([proto[Symbol.split], proto[Symbol.matchAll]].map((f) => [f?.name, f?.length]), [['[Symbol.split]', 2], ['[Symbol.matchAll]', 1]]);
  });
  it('and the host keeps its own patterns', () => {
    assert.equal(new RegExp('(?=a)A', 'i').test('a'), true);
    assert.deepEqual('a,b'.split(/(?=,)/), ['a', ',b']);
    assert.equal(/(a)\1/i.test('aA'), true);
  });
});
