// The hostile corpus is made of programs the install-time verifier accepts: what stops them is the
// kernel, not the verifier. Each program of test/hostile/programs/ is verified as `sing install`
// would (with the fixture modules beside it); the few the verifier does refuse are listed with
// the codes it gives, and why the test still runs them (the kernel must hold against a program
// installed some other way, e.g. compiled by a host with compileImage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { codes, lines, verifySource } from '../verifier-kit.ts';
import { NEIGHBOURS } from './neighbours.ts';
import { PROGRAMS as AWAITS } from './programs/awaits.ts';
import { PROGRAMS as BOUNDED } from './programs/bounded.ts';
import { PROGRAMS as DEAD } from './programs/dead-code.ts';
import { PROGRAMS as ENDED } from './programs/ended.ts';
import { PROGRAMS as HEAP } from './programs/heap-quotas.ts';
import { PROGRAMS as EDGE } from './programs/stack-edge.ts';
import { PROGRAMS as CONSOLE } from './programs/console.ts';
import { PROGRAMS as STACKS } from './programs/stacks.ts';
import { PROGRAMS as CONSTRUCTOR } from './programs/constructor.ts';
import { PROGRAMS as REGEXPS } from './programs/regexps.ts';
import { PROGRAMS as BUDGETS } from './programs/budgets.ts';
import { PROGRAMS as HELD } from './programs/held.ts';

const FIXTURES = {
  'contracts.ts': readFileSync(new URL('../fixtures/contracts.ts', import.meta.url), 'utf8'),
  'probe.ts': readFileSync(new URL('../fixtures/probe.ts', import.meta.url), 'utf8'),
};

/** Programs the verifier refuses, with its codes. The finally-chain programs use an endpoint or
 * block in a `finally` after the recursion that may have moved it; the linearity rule refuses
 * that, and `edgetuned` is the same attack in a form the verifier accepts. */
const REFUSED: Readonly<Record<string, readonly string[]>> = {
  edgesend: ['SING4003', 'SING4005'],
  edgeclose: ['SING4003', 'SING4005'],
  edgeblocks: ['SING4003', 'SING4005'],
  edgealloc: ['SING4005'],
  edgereceive: ['SING4003', 'SING4005'],
  edgechannel: ['SING4005'],
  // Reaches for the Function constructor through casts: the verifier's own refusal is the point
  // (constructor-through-casts-is-refused.test.ts runs it anyway, compiled without the verifier).
  castctor: ['SING2003'],
};

const ALL: Readonly<Record<string, string>> = { ...NEIGHBOURS as Record<string, string>, ...AWAITS, ...BOUNDED, ...DEAD, ...ENDED, ...HEAP, ...EDGE, ...CONSOLE, ...STACKS, ...CONSTRUCTOR, ...BUDGETS, ...HELD, ...REGEXPS };

for (const [name, src] of Object.entries(ALL)) {
  test(`${name}: the verifier ${Object.hasOwn(REFUSED, name) ? 'refuses it as expected' : 'accepts it'}`, () => {
    const ds = verifySource({ 'main.ts': src, ...FIXTURES });
    assert.deepEqual([...new Set(codes(ds))].sort(), [...(REFUSED[name] ?? [])].sort(), lines(ds).join('\n'));
  });
}
