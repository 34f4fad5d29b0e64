// The Sing# reader on what the RDK's contracts use (issue #13), over contracts written for these
// tests (test/fixtures/singsharp/): trees of exchange-heap blocks, contracts carrying their own or
// each other's endpoints (across files), entry states, undirected messages used both ways, the
// same contract declared in several files, --types declarations as fallbacks, and the round trip
// through `sing contract import` (`roundTrip`, `sing contract roundtrip`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { checkFiles, importFile, formatDiagnostic, lowerFiles } from '../src/contracts/singsharp/index.ts';
import { roundTrip } from '../src/contracts/singsharp/roundtrip.ts';
import { printModule } from '../src/contracts/singsharp/print.ts';
import { compiledOf } from '../src/contracts/contract.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FIX = join(ROOT, 'test/fixtures/singsharp');
const NET = join(FIX, 'netstack.sg');
const DIRS = join(FIX, 'dirs.sg');
const FILES = join(FIX, 'files.sg');
const ONE = join(FIX, 'copies/one.sg');
const TWO = join(FIX, 'copies/two.sg');
const RDK_TYPES = join(ROOT, 'test/fixtures/rdk-types.sg');
const TMP = mkdtempSync(join(tmpdir(), 'singsharp-rdk-'));
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));
let serial = 0;

function write(src: string, name = 'x.sg'): string {
  const dir = join(TMP, String(++serial));
  mkdirSync(dir);
  const file = join(dir, name);
  writeFileSync(file, src);
  return file;
}
const errorsOf = (r: ReturnType<typeof checkFiles>): string[] => r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
const byName = (r: ReturnType<typeof checkFiles>, n: string) => r.contracts.find((c) => c.name === n) ?? assert.fail(`no contract ${n} in ${r.contracts.map((c) => c.name).join(', ')}`);
const fieldsOf = (c: { messages: readonly { name: string; fields: Readonly<Record<string, string>> }[] }, m: string) => c.messages.find((x) => x.name === m)?.fields;

// ---------------------------------------------------------------------------------------------
// Trees of blocks

test('trees: text, vectors and value structs inside rep structs lower to pointers and inline fields', () => {
  const r = checkFiles([NET]);
  assert.deepEqual(errorsOf(r), []);
  const link = byName(r, 'LinkContract');
  assert.deepEqual(fieldsOf(link, 'Info'), {
    info: 'exrecord{name:*exarray<char>@0,vendor:*exarray<char>@8,local_ip:u32@16,local_port:u16@20,speed:u32@24,routes:*exvector{network:u32@0,prefix:u8@4}/8@32}/40',
  });
  assert.deepEqual(fieldsOf(link, 'Names'), { names: 'exvector{value:*exarray<char>@0}/8' }, 'char[][] in ExHeap');
  assert.deepEqual(fieldsOf(link, 'Transmit'), {
    queue: 'exrecord{frames:*exvector{value:*exrecord{data:*exbytes@0,length:i32@8}/16@0}/8@0,head:i32@8,count:i32@12}/16',
    extra: 'exvector{value:*exbytes@0}/8',
  }, 'Frame*[] in ExHeap is a vector of pointers to records; byte[][] one of pointers to byte vectors');
  assert.deepEqual(fieldsOf(link, 'Login'), {
    who: 'exrecord{user:*exarray<char>@0,realm:*exarray<char>@8,from_ip:u32@16,from_port:u16@20}/24',
    last: 'enum(["None","Down","NoRoute","Busy"])',
  }, 'a rep struct argument holding text travels as an exchange-heap record');
});

test('trees: a struct holding itself through a pointer, and inline names that collide, are refused', () => {
  const r = checkFiles([write(`rep struct Node { int v; Node* in ExHeap next; }
contract C { in message A(Node* in ExHeap n); out message B(); state Start: A? -> B! -> Start; }`)]);
  assert.ok(errorsOf(r).some((e) => /x\.sg:1:12 contract C: rep struct Node: holds itself \(by value or through a pointer\); exchange-heap layouts cannot be recursive/.test(e)), errorsOf(r).join('\n'));
  const clash = checkFiles([write(`rep struct In { int x; } rep struct Out { In a; int a_x; char[] in ExHeap t; }
contract C { in message A(Out o); out message B(); state Start: A? -> B! -> Start; }`)]);
  assert.ok(errorsOf(clash).some((e) => /rep struct Out: the inline field name a_x is made twice/.test(e)), errorsOf(clash).join('\n'));
  const ptrs = checkFiles([write(`rep struct P { int x; }
contract C { in message A(P[]* in ExHeap v, char* opt(ExHeap[]) t, P* opt(ExHeap) one); out message B(); state Start: A? -> B! -> Start; }`)]);
  assert.deepEqual(errorsOf(ptrs), []);
  assert.deepEqual(ptrs.contracts[0]?.messages[0]?.fields, { v: 'exvector{x:i32@0}/4', t: 'exarray<char>', one: 'exrecord{x:i32@0}/4' }, 'a pointer to a vector is the vector');
});

// ---------------------------------------------------------------------------------------------
// Recursive contracts, entry states, undirected messages

test('a contract carrying its own endpoints loads; its unreached state is an entry state', () => {
  const r = checkFiles([NET]);
  const conn = byName(r, 'ConnectionContract');
  assert.deepEqual(fieldsOf(conn, 'Accept'), { incoming: 'ConnectionContract.exp:Fresh' });
  assert.deepEqual(conn.entries, ['Fresh']);
  assert.match(conn.fingerprint, /^rec\[ConnectionContract<.*incoming:#0\.exp:Fresh.*\|Start\+Fresh\|/);
  assert.ok(r.diagnostics.some((d) => d.severity === 'warning' && d.line === 107 && /state Fresh: cannot be reached from Start; kept as an entry state/.test(d.message)));
});

test('contracts carrying each other\'s endpoints across two files load together as one group', () => {
  const r = checkFiles([DIRS, FILES]);
  assert.deepEqual(errorsOf(r), []);
  const dir = byName(r, 'DirectoryContract');
  const file = byName(r, 'FileContract');
  assert.deepEqual(fieldsOf(dir, 'Opened'), { file: 'FileContract.imp:Ready' });
  assert.deepEqual(fieldsOf(file, 'ParentIs'), { dir: 'DirectoryContract.imp:Ready' });
  assert.match(dir.fingerprint, /^rec\[DirectoryContract<.*file:#1\.imp:Ready.*child:#0\.imp:Start.*>&FileContract<.*dir:#0\.imp:Ready.*>\]$/);
  assert.match(file.fingerprint, /^rec\[FileContract<.*dir:#1\.imp:Ready.*>&DirectoryContract<.*file:#0\.imp:Ready.*>\]$/);
  // Without files.sg the reference cannot be resolved.
  assert.ok(errorsOf(checkFiles([DIRS])).some((e) => e.includes('endpoint type FileContract: contract FileContract is not in the files given')));
});

test('a member of a recursive group with an error fails the group, each member saying why', () => {
  const r = checkFiles([write(`contract A { in message Q(B.Imp:Start b); out message R(); state Start: Q? -> R! -> Start; }
contract B { in message Q(A.Imp:Nowhere a); out message R(); state Start: Q? -> R! -> Start; }`)]);
  const es = errorsOf(r);
  assert.ok(es.some((e) => e.endsWith('x.sg:2:27 contract B: message Q: argument a: endpoint type A.Imp:Nowhere: contract A has no state Nowhere')), es.join('\n'));
  assert.ok(es.some((e) => e.endsWith('x.sg:1:10 contract A: carries endpoints of contract B (directly or through other contracts that carry its own), which has errors')), es.join('\n'));
  assert.deepEqual(r.contracts, []);
});

test('a message without a direction used both ways in different states becomes Name_in and Name_out', () => {
  const relay = byName(checkFiles([NET]), 'RelayContract');
  assert.deepEqual(relay.messages.map((m) => `${m.dir} ${m.name}(${Object.keys(m.fields).join(',')})`), ['in Hop_in(ttl)', 'out Hop_out(ttl)', 'in Quit()']);
  assert.match(relay.fingerprint, /Start\{Hop_in->Start_1,Quit->Gone\}.*Start_1\{Hop_out->Start\}/);
  const taken = checkFiles([write('contract C { message M(); in message M_in(); state Start: one { M? -> M! -> Start; M_in? -> M! -> Start; } }')]);
  assert.deepEqual(taken.contracts[0]?.messages.map((m) => m.name), ['M_in_', 'M_out', 'M_in']);
});

// ---------------------------------------------------------------------------------------------
// The same name in several files; --types

test('the same contract in two files is one contract; different ones are named by their namespace', () => {
  const r = checkFiles([ONE, TWO]);
  assert.deepEqual(errorsOf(r), []);
  const ticker = byName(r, 'Ticker');
  assert.equal(ticker.file, ONE);
  assert.deepEqual(ticker.also, [`${TWO}:6:26`]);
  assert.equal(r.contracts.filter((c) => c.name === 'Ticker').length, 1);
  const one = byName(r, 'Sing.Fixtures.One.Program.Note');
  const two = byName(r, 'Sing.Fixtures.Two.Program.Note');
  assert.notEqual(one.fingerprint, two.fingerprint);
  // Each NoteUser means the Note of its own file, so they differ too and are named apart.
  assert.deepEqual(fieldsOf(byName(r, 'Sing.Fixtures.One.Program.NoteUser'), 'Pass'), { note: 'Sing.Fixtures.One.Program.Note.imp:Start' });
  assert.deepEqual(fieldsOf(byName(r, 'Sing.Fixtures.Two.Program.NoteUser'), 'Pass'), { note: 'Sing.Fixtures.Two.Program.Note.imp:Start' });
  // A third file naming Note without its namespace cannot tell which one it means.
  const third = write('namespace Elsewhere { contract Uses { in message P(Note.Imp:Start n); out message Q(); state Start: P? -> Q! -> Start; } }');
  const amb = errorsOf(checkFiles([ONE, TWO, third]));
  assert.ok(amb.some((e) => /x\.sg:1:52 contract Uses: message P: argument n: Note is ambiguous: contracts .*one\.sg:14:26 \(in Sing\.Fixtures\.One\.Program\) and .*two\.sg:13:26 \(in Sing\.Fixtures\.Two\.Program\) differ; write it with its namespace/.test(e)), amb.join('\n'));
  const qualified = write('namespace Elsewhere { contract Uses { in message P(Sing.Fixtures.Two.Program.Note.Imp:Start n); out message Q(); state Start: P? -> Q! -> Start; } }');
  const ok = checkFiles([ONE, TWO, qualified]);
  assert.deepEqual(errorsOf(ok), []);
  assert.deepEqual(fieldsOf(byName(ok, 'Uses'), 'P'), { n: 'Sing.Fixtures.Two.Program.Note.imp:Start' });
});

test('types: a name declared differently in two places is ambiguous unless the file or namespace decides', () => {
  const a = write('namespace A { public enum Mode { On, Off } }', 'a.sg');
  const b = write('namespace B { public enum Mode { Up, Down } contract K { in message M(Mode m); out message R(); state Start: M? -> R! -> Start; } }', 'b.sg');
  const c = write('namespace C { contract L { in message M(Mode m); out message R(); state Start: M? -> R! -> Start; } }', 'c.sg');
  const r = checkFiles([a, b, c]);
  assert.deepEqual(fieldsOf(byName(r, 'K'), 'M'), { m: 'enum(["Up","Down"])' }, 'its own file decides');
  assert.ok(errorsOf(r).some((e) => /c\.sg:1:41 contract L: message M: argument m: type Mode is ambiguous: the enums .*a\.sg:1:27 \(in A\) and .*b\.sg:1:27 \(in B\) differ/.test(e)), errorsOf(r).join('\n'));
});

test('--types declarations count only for names the files given do not declare', () => {
  const types = write('public enum Level { Low, High }\npublic enum Extra { X }', 'types.sg');
  const given = write('public enum Level { Quiet, Loud }\ncontract V { in message Set(Level l, Extra e); out message Ok(); state Start: Set? -> Ok! -> Start; }');
  const r = checkFiles([given], { types: [types] });
  assert.deepEqual(errorsOf(r), []);
  assert.deepEqual(fieldsOf(byName(r, 'V'), 'Set'), { l: 'enum(["Quiet","Loud"])', e: 'enum(["X"])' });
});

test('rdk-types.sg: its stand-ins declare what the RDK\'s contract files name without declaring', () => {
  const uses = write(`using Sing.RdkStandIns;
contract UsesStandIns {
  in message Go(NicDeviceProperties* in ExHeap p, PacketFifo* in ExHeap q, FatMountSettings* in ExHeap m, FatFormatSettings* in ExHeap f);
  out message Err(ServiceError a, ChecksumSupport b, RamDiskContractErrorCode c, FatContractErrorCode d);
  state Start: Go? -> Err! -> Start; }`);
  const r = checkFiles([uses], { types: [RDK_TYPES] });
  assert.deepEqual(errorsOf(r), []);
  assert.equal(r.diagnostics.filter((d) => d.file === RDK_TYPES).length, 0, 'the types file itself is clean');
  assert.match(fieldsOf(byName(r, 'UsesStandIns'), 'Go')?.['q'] ?? '', /^exrecord\{slots:\*exvector\{value:\*exrecord\{frame:\*exbytes@0,length:i32@8\}\/16@0\}\/8@0,/);
});

// ---------------------------------------------------------------------------------------------
// Import and the round trip

test('round trip: every fixture contract imports to a TypeScript module with the same fingerprint', async () => {
  const { results, diagnostics } = await roundTrip([NET, DIRS, FILES, ONE, TWO, join(FIX, 'tcp.sg')]);
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(results.filter((x) => x.result !== 'same'), []);
  assert.ok(results.length >= 12, `${results.length}`);
});

test('import: groups print as contracts({...}); contracts of other files they need come along, marked', async () => {
  const src = importFile(DIRS, { types: [FILES] });
  assert.match(src, /import \{ contracts, inn, out, i32, f64, enumOf, bytes, text, endpointOf \} from 'sing\/runtime';/);
  assert.match(src, /\/\/ From files\.sg \(FileContract\): this module's contracts carry its endpoints\.\nexport const \{ DirectoryContract, FileContract \} = contracts\(\{/);
  assert.match(src, /Opened: out\(\{ file: endpointOf\('FileContract', 'imp', 'Ready'\) \}\)/);
  const net = importFile(NET);
  assert.match(net, /Info: out\(\{ info: exRecord\(exLayout\(\{ name: exPtr\(text\), vendor: exPtr\(text\), local_ip: 'u32', local_port: 'u16', speed: 'u32', routes: exPtr\(exVector\(exLayout\(\{ network: 'u32', prefix: 'u8' \}\)\)\) \}\)\) \}\)/);
  assert.match(net, /Names: out\(\{ names: exPointers\(text\) \}\)/);
  assert.match(net, /entries: \['Fresh'\], \/\/ not reached from Start: a channel may start there/);
  assert.match(net, /export const ConnectionContract = contract\('ConnectionContract', \{/);
  // The modules type-check under the project's settings.
  const files = [['gen-dirs', src], ['gen-net', net]].map(([n, s]) => {
    const f = join(FIX, `${n as string}-${process.pid}.ts`);
    writeFileSync(f, s as string);
    return f;
  });
  try {
    const ts = (await import('typescript')).default;
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, noEmit: true, skipLibCheck: true,
      allowImportingTsExtensions: true, verbatimModuleSyntax: true, types: ['node'],
    });
    const errs = ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || files.includes(d.file.fileName));
    assert.deepEqual(errs.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
    const mod = await import(pathToFileURL(files[0] as string).href) as Record<string, unknown>;
    const r = checkFiles([DIRS, FILES]);
    assert.equal(compiledOf(mod['FileContract'])?.fingerprint, byName(r, 'FileContract').fingerprint);
  } finally {
    for (const f of files) rmSync(f, { force: true });
  }
});

test('import: qualified names are exported with underscores (the round trip prints them so)', () => {
  const { lowered } = lowerFiles([ONE, TWO], {});
  const src = printModule(lowered, lowered.filter((l) => l.file === ONE), 'one.sg');
  assert.match(src, /export const Sing_Fixtures_One_Program_Note = contract\('Sing\.Fixtures\.One\.Program\.Note', \{/);
  assert.match(src, /Pass: inn\(\{ note: endpointOf\(Sing_Fixtures_One_Program_Note, 'imp', 'Start'\) \}\)/);
});

test('preprocessor: text after a complete #if expression is warned about and ignored', () => {
  const r = checkFiles([write('#if DEBUG?\ncontract Hidden { in message A(); out message B(); state Start: A? -> B! -> Start; }\n#else\ncontract Shown { in message A(); out message B(); state Start: A? -> B! -> Start; }\n#endif')]);
  assert.deepEqual(errorsOf(r), []);
  assert.deepEqual(r.contracts.map((c) => c.name), ['Shown']);
  assert.ok(r.diagnostics.some((d) => d.severity === 'warning' && d.message === '#if expression "DEBUG?": unexpected ?; the rest of the line is ignored'));
});

function sing(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/sing.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cli: contract roundtrip reports the count; contract check lists entry states and copies', () => {
  const rt = sing('contract', 'roundtrip', NET, DIRS, FILES);
  assert.equal(rt.status, 0, rt.stderr);
  assert.match(rt.stdout, /^round trip: 5 of 5 contracts the same through sing contract import; 0 differ\n$/);
  const ck = sing('contract', 'check', NET, ONE, TWO);
  assert.equal(ck.status, 0, ck.stderr);
  assert.match(ck.stdout, /contract ConnectionContract \(.*\)\n {2}initial Start \(entry states: Fresh\); bounds: in 2, out 1/);
  assert.match(ck.stdout, /contract Ticker \(.*one\.sg\)\n {2}also declared at .*two\.sg:6:26 \(the same contract\)/);
  const js = sing('contract', 'check', '--json', NET);
  const out = JSON.parse(js.stdout) as { name: string; entries: string[]; fingerprint: string }[];
  assert.deepEqual(out.find((c) => c.name === 'ConnectionContract')?.entries, ['Fresh']);
});
