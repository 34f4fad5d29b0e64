// The manifest reader: what it extracts from source without running it, and what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProgram } from './host.ts';
import { readManifest } from './manifest.ts';
import { checkManifestJson } from './manifest-schema.ts';

let n = 0;
function read(files: Record<string, string> | string) {
  const f = typeof files === 'string' ? { 'main.ts': files } : files;
  return readManifest(loadProgram({ root: `/virtual/m${n++}`, entry: 'main.ts', files: f }));
}
const codes = (r: ReturnType<typeof read>): string[] => r.diagnostics.map((d) => `${d.code}@${d.line}`);

const FULL = `import { defineProgram, i32, str, bool, f64, u32, record, array, enumOf } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';
import { Job } from './contracts.ts';

export default defineProgram({
  name: 'worker',
  version: '2.1.0',
  category: 'service',
  parameters: { n: i32, label: str, on: bool, ratio: f64, u: u32, pt: record({ x: i32, y: i32 }), xs: array(i32, 8), mode: enumOf('fast', 'slow') },
  endpoints: { job: Job.exp() },
  imports: { calc: Calculator.imp('/service/calc') },
  exports: { jobs: Job.exp('/service/jobs') },
  console: true,
  resources: { exchangeHeap: '64KiB', memory: '128MiB', cpuFuel: 5000, host: { disk: { kind: 'file', path: 'disk.img' }, web: { kind: 'tcp', port: 8080, exclusive: false } } },
  dependencies: ['calc'],
  main() { return 0; },
});
`;
const JOB = `import { contract, inn, out, i32, END } from 'sing/runtime';
export const Job = contract('Job', { messages: { Do: inn({ x: i32 }), Done: out() }, initial: 'S', states: { S: { Do: 'W' }, W: { Done: END } } });
`;

test('reads every manifest field literally, with field types described as the runtime describes them', () => {
  const r = read({ 'main.ts': FULL, 'contracts.ts': JOB });
  assert.deepEqual(codes(r), []);
  const m = r.manifest;
  assert.ok(m !== undefined);
  assert.equal(m.name, 'worker');
  assert.equal(m.version, '2.1.0');
  assert.equal(m.category, 'service');
  assert.deepEqual(m.parameters, { n: 'i32', label: 'str', on: 'bool', ratio: 'f64', u: 'u32', pt: '{x:i32,y:i32}', xs: 'i32[8]', mode: 'enum(["fast","slow"])' });
  assert.equal(m.endpoints['job']?.contract, 'Job');
  assert.equal(m.endpoints['job']?.module, './contracts.ts');
  assert.equal(m.endpoints['job']?.side, 'exp');
  assert.equal(m.imports['calc']?.module, 'sing/contracts/calculator');
  assert.equal(m.imports['calc']?.path, '/service/calc');
  assert.equal(m.exports['jobs']?.path, '/service/jobs');
  assert.equal(m.exports['jobs']?.fingerprint, m.endpoints['job']?.fingerprint);
  assert.deepEqual(m.resources, { exchangeHeap: 65536, cpuFuel: 5000, memory: 134217728, host: { disk: { kind: 'file', target: 'disk.img', exclusive: true }, web: { kind: 'tcp', target: '8080', exclusive: false } } });
  assert.deepEqual(m.dependencies, ['calc']);
  assert.equal(m.console, true);
  assert.deepEqual(checkManifestJson(m), []);
});

test('defaults: version 0.0.0, application, no resources, default fuel', () => {
  const r = read(`import { defineProgram } from 'sing/runtime';\nexport default defineProgram({ name: 'p', main() { return 0; } });\n`);
  assert.deepEqual(codes(r), []);
  assert.equal(r.manifest?.version, '0.0.0');
  assert.equal(r.manifest?.category, 'application');
  assert.equal(r.manifest?.resources.exchangeHeap, 0);
  assert.ok((r.manifest?.resources.cpuFuel ?? 0) > 0);
});

test('follows consts and namespace imports, and fingerprints a contract the same wherever it is declared', () => {
  const a = read({ 'main.ts': `import { defineProgram } from 'sing/runtime';\nimport * as C from './contracts.ts';\nconst NAME = 'p';\nconst eps = { job: C.Job.exp() };\nexport default defineProgram({ name: NAME, endpoints: eps, main() { return 0; } });\n`, 'contracts.ts': JOB });
  assert.deepEqual(codes(a), []);
  assert.equal(a.manifest?.name, 'p');
  const b = read({ 'main.ts': `import { defineProgram } from 'sing/runtime';\nimport { Job } from './c/job.ts';\nexport default defineProgram({ name: 'q', endpoints: { job: Job.exp() }, main() { return 0; } });\n`, 'c/job.ts': `// a comment the fingerprint ignores\n${JOB}` });
  assert.deepEqual(codes(b), []);
  assert.equal(a.manifest?.endpoints['job']?.fingerprint, b.manifest?.endpoints['job']?.fingerprint);
  const c = read({ 'main.ts': `import { defineProgram } from 'sing/runtime';\nimport { Job } from './contracts.ts';\nexport default defineProgram({ name: 'q', endpoints: { job: Job.exp() }, main() { return 0; } });\n`, 'contracts.ts': JOB.replace("Done: out()", 'Done: out({ y: i32 })') });
  assert.notEqual(c.manifest?.endpoints['job']?.fingerprint, a.manifest?.endpoints['job']?.fingerprint);
});

test('SING6001: no default export of defineProgram', () => {
  assert.deepEqual(codes(read(`export const x = 1;\n`)), ['SING6001@1']);
  assert.deepEqual(codes(read(`import { defineProgram } from 'sing/runtime';\nconst p = defineProgram({ name: 'p', main() { return 0; } });\nexport default [p];\n`)), ['SING6001@3']);
  const r = readManifest(loadProgram({ root: '/virtual/none', entry: 'main.ts', files: {} }));
  assert.equal(r.diagnostics[0]?.code, 'SING6001');
});

test('SING6002: values that would need running code are refused, not guessed', () => {
  const prog = (field: string): string => `import { defineProgram, i32 } from 'sing/runtime';\nconst f = (): string => 'x';\nexport default defineProgram({\n  name: 'p',\n  ${field},\n  main() { return 0; },\n});\n`;
  assert.deepEqual(codes(read(prog(`version: f()`))), ['SING6002@5']);
  assert.deepEqual(codes(read(prog(`parameters: { n: [i32][0] as typeof i32 }`))), ['SING6002@5']);
  assert.deepEqual(codes(read(prog(`resources: { exchangeHeap: 1024 * 64 }`))), ['SING6002@5']);
  assert.deepEqual(codes(read(`import { defineProgram } from 'sing/runtime';\nconst base = { name: 'p' };\nexport default defineProgram({ ...base, main() { return 0; } });\n`)), ['SING6002@3']);
});

test('SING6003: an endpoint whose contract is not a contract(...) declaration', () => {
  const r = read(`import { defineProgram, type Contract } from 'sing/runtime';\ndeclare const C: Contract;\nexport default defineProgram({\n  name: 'p',\n  endpoints: { e: C.imp() },\n  main() { return 0; },\n});\n`);
  assert.deepEqual(codes(r), ['SING6003@5']);
  assert.match(r.diagnostics[0]?.message ?? '', /endpoints\.e: C is not a known contract/);
});

test('a member of a contracts({...}) group is a manifest endpoint\'s contract, named by its key', () => {
  const GROUP = `import { contracts, inn, out, END, endpointOf } from 'sing/runtime';
export const { Listener, Conn: Connection } = contracts({
  Listener: { messages: { Accept: out({ conn: endpointOf('Conn', 'exp', 'Open') }) }, initial: 'Wait', states: { Wait: { Accept: 'Wait' } } },
  Conn: { messages: { Data: inn(), Close: inn() }, initial: 'Open', states: { Open: { Data: 'Open', Close: END } } },
});
`;
  const r = read({ 'contracts.ts': GROUP, 'main.ts': `import { defineProgram } from 'sing/runtime';\nimport { Listener, Connection } from './contracts.ts';\nexport default defineProgram({\n  name: 'p',\n  endpoints: { l: Listener.exp(), c: Connection.imp() },\n  main() { return 0; },\n});\n` });
  assert.deepEqual(codes(r), []);
  const eps = r.manifest?.endpoints ?? {};
  assert.deepEqual([eps['l']?.contract, eps['c']?.contract, eps['c']?.module], ['Listener', 'Conn', './contracts.ts']);
  assert.notEqual(eps['l']?.fingerprint, eps['c']?.fingerprint, 'members of one group differ');
});

test('SING6004: values the schema refuses, named by field', () => {
  const prog = (fields: string): ReturnType<typeof read> => read(`import { defineProgram } from 'sing/runtime';\nimport { Calculator } from 'sing/contracts/calculator';\nexport default defineProgram({\n  name: 'p',\n  ${fields},\n  main() { return 0; },\n});\n`);
  const cases: [string, RegExp][] = [
    [`version: 'one'`, /version: must be a version/],
    [`category: 'daemon'`, /category: must be one of/],
    [`unsafe: ['SING2001']`, /unsafe: only a trusted program/],
    [`imports: { calc: Calculator.exp('/service/calc') }`, /an import must be an import end/],
    [`imports: { calc: Calculator.imp() }`, /imports\.calc\.path/],
    [`endpoints: { calc: Calculator.imp('/service/calc') }`, /takes no path/],
    [`endpoints: { abi: Calculator.imp() }`, /reserved/],
    [`resources: { exchangeHeap: 'lots' }`, /resources\.exchangeHeap must be a size/],
    [`resources: { disk: 1 }`, /resources\.disk is not a resource/],
    [`resources: { host: { web: { kind: 'tcp', port: 70000 } } }`, /port 1\.\.65535/],
    [`resources: { host: { d: { kind: 'pipe', path: 'x' } } }`, /kind: must be 'file', 'tcp', 'terminal' or 'status'/],
    [`dependencies: ['no way']`, /dependencies: must list program names/],
    [`color: 'red'`, /color is not a manifest field/],
  ];
  for (const [fields, re] of cases) {
    const r = prog(fields);
    assert.ok(r.manifest === undefined, fields);
    assert.ok(r.diagnostics.some((d) => d.code === 'SING6004' && re.test(d.message)), `${fields}: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  }
});

test('the schema refuses a damaged stored manifest field by field', () => {
  const r = read({ 'main.ts': FULL, 'contracts.ts': JOB });
  const m = JSON.parse(JSON.stringify(r.manifest)) as Record<string, unknown>;
  assert.deepEqual(checkManifestJson(m), []);
  assert.deepEqual(checkManifestJson({ ...m, schema: 2 }), ['schema: must be 1']);
  assert.deepEqual(checkManifestJson({ ...m, entry: '../x.ts' }), ['entry: must be a file inside the program folder']);
  assert.match(checkManifestJson({ ...m, imports: { calc: { contract: 'Calculator', fingerprint: 'zz', module: 'sing/contracts/calculator', side: 'imp', path: '/service/calc' } } }).join(), /imports\.calc\.fingerprint: must be a sha256/);
  assert.deepEqual(checkManifestJson(null), ['manifest: must be an object']);
});
