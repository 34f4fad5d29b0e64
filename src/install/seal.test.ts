// Sealing's hoisting of contract definitions: a declaration built only from the runtime's contract
// DSL is evaluated once per image (before the per-instance function), including the destructured
// form `const { A, B } = contracts({...})` and the exchange-heap types; anything else stays per
// instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seal } from './seal.ts';

const BUNDLE = `import { contract, contracts, inn, out, END, endpointOf, exLayout, exPtr, exRecord, text } from "sing/runtime";
const Named = exLayout({ id: "i32", name: exPtr(text) });
const { Dir, File } = contracts({
  Dir: { messages: { Open: inn({ file: endpointOf("File", "exp", "Ready") }) }, initial: "Start", states: { Start: { Open: END } } },
  File: { messages: { Read: inn({ r: exRecord(Named) }) }, initial: "Ready", states: { Ready: { Read: END } } },
});
const Plain = contract("Plain", { messages: { Hi: out() }, initial: "S", states: { S: { Hi: END } } });
const state = { n: 0 };
let { Moved } = contracts({ Moved: { messages: { Hi: out() }, initial: "S", states: { S: { Hi: END } } } });
Moved = Plain;
var main_default = { Dir, File, Plain, Moved, state };
export { main_default as default };
`;

test('contract definitions, destructured groups and exchange-heap layouts are hoisted once per image', () => {
  const { code } = seal(BUNDLE, new Set());
  const [perImage, perInstance] = code.split('return function (') as [string, string];
  for (const hoisted of ['const Named = exLayout(', 'const { Dir, File } = contracts(', 'const Plain = contract(']) {
    assert.ok(perImage.includes(hoisted), `${hoisted} is evaluated once per image`);
    assert.ok(!perInstance.includes(hoisted), `${hoisted} is not evaluated again per instance`);
  }
  assert.ok(perInstance.includes('const state = { n: 0 }'), 'a literal stays per instance');
  assert.ok(perInstance.includes('let { Moved } = contracts('), 'a rebound name stays per instance');
});
