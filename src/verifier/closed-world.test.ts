// Rule 3 (closed world) unit tests: in-memory program folders through the closed-world rule and the
// type rule (so that a missing-module error the rule should have claimed shows up as SING1001),
// asserting the exact (code, line) pairs: each code triggered, every allowed import form quiet.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declared, verifySource, type Source } from '../../test/verifier-kit.ts';
import type { Diagnostic } from './diagnostic.ts';
import { closedWorldRule } from './closed-world.ts';
import { typesRule } from './types.ts';

function diags(files: Source): Diagnostic[] {
  return verifySource(files, { rules: [closedWorldRule, typesRule], declared: declared() }).filter((d) => /^SING[13]/.test(d.code));
}

/** `file:line CODE` of each SING1xxx/SING3xxx diagnostic. */
function found(files: Source): string[] {
  return diags(files).map((d) => `${d.file}:${d.line} ${d.code}`);
}

const lines = (...ls: string[]): string => `${ls.join('\n')}\n`;

describe('closed world', () => {
  it('accepts its own files, sing/runtime, sing and existing contract modules, in every import form', () => {
    assert.deepEqual(found({
      'main.ts': lines(
        "import { defineProgram } from 'sing/runtime';",
        "import type { Bytes } from 'sing';",
        "import { Calculator } from 'sing/contracts/calculator';",
        "import { one } from './lib/one.ts';",
        "import { two } from './lib';",
        "import type { Three } from './types.ts';",
        "export * from './lib/one.ts';",
        "export type Calc = typeof Calculator;",
        "export type T = import('./types.ts').Three;",
        'export const n: Three = one() + two();',
        'export type B = Bytes;',
        'export const d = defineProgram;',
      ),
      'lib/one.ts': "export function one(): number { return 1; }\n",
      'lib/index.ts': "import { one } from '../lib/one.ts';\nexport function two(): number { return one() + 1; }\n",
      'types.ts': 'export type Three = number;\n',
    }), []);
  });
  it('reports bare packages, type-only ones and re-exports too (SING3001), claiming TypeScript\'s error', () => {
    const ds = diags(lines(
      "import { readFileSync } from 'node:fs';",
      "import type { Server } from 'node:http';",
      "export * from 'lodash';",
      "export type S = import('@scope/pkg').Thing;",
      'export const r = readFileSync;',
      'export type V = Server;',
    ));
    assert.deepEqual(ds.map((d) => `${d.line}:${d.col} ${d.code}`), ['1:30 SING3001', '2:29 SING3001', '3:15 SING3001', '4:24 SING3001']);
    assert.match(ds[0]?.message ?? '', /'node:fs' is a package outside the closed world/);
  });
  it('reports relative and absolute imports that leave the folder (SING3002), from nested files too', () => {
    assert.deepEqual(found({
      'main.ts': lines("import { a } from '../outside.ts';", "import { b } from './sub/b.ts';", "import { c } from '/etc/c.ts';", 'export const x = a + b + c;'),
      'sub/b.ts': lines("import { up } from '../../up.ts';", "import { m } from '../m.ts';", 'export const b: number = up + m;'),
      'm.ts': 'export const m = 1;\n',
    }), ['main.ts:1 SING3002', 'main.ts:3 SING3002', 'sub/b.ts:1 SING3002']);
  });
  it('reports Sing modules a program may not import (SING3003)', () => {
    assert.deepEqual(found(lines(
      "import { Kernel } from 'sing/kernel';",
      "import { Nope } from 'sing/contracts/nope';",
      "import { X } from 'sing/contracts/calculator.ts';",
      'export const k = [Kernel, Nope, X];',
    )), ['main.ts:1 SING3003', 'main.ts:2 SING3003', 'main.ts:3 SING3003']);
  });
  it('reports relative imports that name no file of the folder (SING3004)', () => {
    assert.deepEqual(found({
      'main.ts': lines("import { a } from './missing.ts';", "import { b } from './lib/b.ts';", "import { c } from './lib/c.js';", 'export const x = [a, b, c];'),
      'lib/b.ts': 'export const b = 1;\n',
      'lib/c.ts': 'export const c = 1;\n',
    }), ['main.ts:1 SING3004', 'main.ts:3 SING3004']);
  });
  it('reports every reference directive (SING3005), claiming a missing path\'s error', () => {
    const ds = diags({
      'main.ts': lines('/// <reference path="./types.d.ts" />', '/// <reference path="../gone.ts" />', '/// <reference types="node" />', '/// <reference lib="dom" />', 'export const x: Shape = { n: 1 };'),
      'types.d.ts': 'interface Shape { n: number }\n',
    });
    assert.deepEqual(ds.map((d) => `${d.line}:${d.col} ${d.code}`), ['1:22 SING3005', '2:22 SING3005', '3:23 SING3005', '4:21 SING3005']);
  });
  it('reports import = require as its specifier\'s violation (TypeScript still refuses the form)', () => {
    assert.deepEqual(found(lines("import fs = require('node:fs');", 'export const f = fs;')), ['main.ts:1 SING1001', 'main.ts:1 SING3001']);
  });
});
