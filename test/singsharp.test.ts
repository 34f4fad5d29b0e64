// Sing# contracts: the reader (lexer, preprocessor, parser), lowering to Sing contracts, every
// rule with its diagnostic, `importFile` round trips, and the `sing contract` command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { checkFiles, importFile, formatDiagnostic, type CheckResult } from '../src/contracts/singsharp/index.ts';
import { lex, evalExpr } from '../src/contracts/singsharp/lexer.ts';
import { compiledOf } from '../src/contracts/contract.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TCP = join(ROOT, 'test/fixtures/singsharp/tcp.sg');
const TMP = mkdtempSync(join(tmpdir(), 'singsharp-'));
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));
let serial = 0;

function write(src: string): string {
  const dir = join(TMP, String(++serial));
  mkdirSync(dir);
  const file = join(dir, 'x.sg');
  writeFileSync(file, src);
  return file;
}
function check(src: string, defines: string[] = []): CheckResult & { lines: string[]; errors: string[]; warnings: string[] } {
  const file = write(src);
  const r = checkFiles([file], { defines });
  const lines = r.diagnostics.map((d) => formatDiagnostic({ ...d, file: 'x.sg' }).split(file).join('x.sg'));
  return { ...r, lines, errors: lines.filter((l) => !l.includes(' warning: ')), warnings: lines.filter((l) => l.includes(' warning: ')) };
}
function ok(src: string, defines: string[] = []): CheckResult['contracts'] {
  const r = check(src, defines);
  assert.deepEqual(r.errors, [], 'expected no errors');
  return r.contracts;
}
function one(src: string, defines: string[] = []): NonNullable<CheckResult['contracts'][number]> {
  const cs = ok(src, defines);
  assert.equal(cs.length, 1);
  return cs[0] as NonNullable<CheckResult['contracts'][number]>;
}
function rows(src: string, defines: string[] = []): Record<string, string> {
  // The lowered state machine as `State: Tag->Target, ...` lines, from the fingerprint.
  const c = one(src, defines);
  const body = /\|[^|]*\|(.*)>$/.exec(c.fingerprint)?.[1] ?? '';
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/([\w$]+)\{([^}]*)\}/g)) out[m[1] as string] = m[2] as string;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The seed's TcpConnectionContract.

test('TcpConnectionContract: the seed contract reads, with its states, messages and bounds', () => {
  const r = checkFiles([TCP]);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  const tcp = r.contracts.find((c) => c.name === 'TcpConnectionContract');
  assert.ok(tcp);
  for (const s of ['PreConnected', 'Connected', 'ReadResult', 'WriteResult', 'ReceiveOnly', 'SendOnly', 'Zombie', 'Closed', 'Listening', 'Listening_1', '$end']) {
    assert.ok(tcp.states.includes(s), `state ${s}`);
  }
  assert.equal(tcp.initial, 'PreConnected');
  assert.deepEqual(tcp.bounds, { in: 3, out: 1 });
  assert.equal(tcp.consts['ModuleName'], '/service/tcp/connection');
  const byName = Object.fromEntries(tcp.messages.map((m) => [m.name, m]));
  assert.deepEqual(byName['Write'], { name: 'Write', dir: 'in', fields: { data: 'exbytes' } });
  assert.deepEqual(byName['Connect']?.fields, { remote: '{address:u32,port:i32}' });
  assert.equal(byName['ConnectFailed']?.fields['error'], 'enum(["Unknown","AlreadyConnected","Refused","Reset","Timeout","ProtocolError","ResourcesExhausted","Closed"])');
  assert.equal(byName['DumpState'], undefined, '#if DEBUG_TCP is off by default');
  const svc = r.contracts.find((c) => c.name === 'TcpContract');
  assert.deepEqual(svc?.messages.find((m) => m.name === 'CreateTcpSession')?.fields, { endpoint: 'TcpConnectionContract.exp:PreConnected' });
  // Rule 6: the moved export end starts where the importer sends first.
  const w = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message);
  assert.deepEqual(w, ['contract TcpContract: message CreateTcpSession: argument endpoint: endpoint TcpConnectionContract.Exp:PreConnected moves in a state where the other side may send first (Connect, BindLocalEndPoint, Close); messages already queued move with it']);
});

test('TcpConnectionContract: --define DEBUG_TCP adds the debugging messages and step', () => {
  const r = checkFiles([TCP], { defines: ['DEBUG_TCP'] });
  const tcp = r.contracts.find((c) => c.name === 'TcpConnectionContract');
  assert.ok(tcp?.messages.some((m) => m.name === 'DumpState'));
  assert.ok(tcp?.states.includes('Connected_5'));
});

test('import: the TypeScript module type-checks and compiles to the same contract', async () => {
  const src = importFile(TCP);
  assert.match(src, /from 'sing\/runtime'/);
  assert.match(src, /export const TcpConnectionContract = contract\('TcpConnectionContract'/);
  const file = join(ROOT, 'test/fixtures/singsharp', `gen-${process.pid}.ts`);
  writeFileSync(file, src);
  try {
    const mod = await import(pathToFileURL(file).href) as Record<string, unknown>;
    const checked = checkFiles([TCP]).contracts;
    for (const c of checked) assert.equal(compiledOf(mod[c.name])?.fingerprint, c.fingerprint, c.name);
    assert.equal(mod['TcpConnectionContract_ModuleName'], '/service/tcp/connection');
    const ts = (await import('typescript')).default;
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, noEmit: true, skipLibCheck: true,
      allowImportingTsExtensions: true, verbatimModuleSyntax: true, types: ['node'],
    });
    const errs = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file || d.file === undefined);
    assert.deepEqual(errs.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
  } finally {
    rmSync(file, { force: true });
  }
});

test('import: subroutines, choices, exchange-heap records, text and scalar vectors round-trip too', async () => {
  const file = write(`
    public rep struct Pt { public int x; public float y; public byte z; public long w; public char c; }
    contract Job {
      in message Run(Pt* in ExHeap p, char[] in ExHeap name, ulong[] in ExHeap ids, int tag); in message Tick(Pt[] in ExHeap pts);
      out message Done(); out message Fail(); in message Stop(); in message Poll(); out message Busy();
      state Start: one { Run? -> RUNNING -> Start; Stop? -> (Done! or Fail!); }
      state RUNNING: one { Poll? -> Busy! -> RUNNING; Tick? -> (Done! or Fail!); }
    }`);
  const gen = join(ROOT, 'test/fixtures/singsharp', `gen2-${process.pid}.ts`);
  writeFileSync(gen, importFile(file));
  try {
    const mod = await import(pathToFileURL(gen).href) as Record<string, unknown>;
    assert.equal(compiledOf(mod['Job'])?.fingerprint, checkFiles([file]).contracts[0]?.fingerprint);
  } finally {
    rmSync(gen, { force: true });
  }
});

test('import: a file with errors is refused with its diagnostics', () => {
  const file = write('contract C { in message A(); state S: B? -> S; }');
  assert.throws(() => importFile(file), /x\.sg:1:39 contract C: state S: message B is not declared/);
});

// ---------------------------------------------------------------------------------------------
// Syntax features that must pass.

test('states: one { }, single step, final forms, initial = Start else first declared', () => {
  const c = one(`contract C {
    in message A(); out message B();
    state First: one { A? -> Second; }
    state Second: B! -> Third;
    state Third: A? -> Fin1;
    state Fin1: one { B! -> Fin2; A? -> Fin3; }
    state Fin2: {}
    state Fin3: one {}
    state Fin4: ;
  }`);
  assert.equal(c.initial, 'First');
  assert.deepEqual(c.states, ['First', 'Second', 'Third', 'Fin1', 'Fin2', 'Fin3', 'Fin4', '$end']);
  const s = one(`contract D { in message A(); out message B(); state X: A? -> B! -> Start; state Start: one { A? -> X; } }`);
  assert.equal(s.initial, 'Start');
});

test('chains: arrows make intermediate states named after their state; a chain without a target ends', () => {
  const r = rows(`contract C { in message A(); out message B(); in message Bye(); out message AckBye();
    state Start: one { A? -> B! -> A? -> Start; Bye? -> AckBye!; } }`);
  assert.deepEqual(r, { Start: 'A->Start_1,Bye->Start_3', Start_1: 'B->Start_2', Start_2: 'A->Start', Start_3: 'AckBye->$end' });
});

test('chains: a parenthesised choice continues with the rest of the chain', () => {
  const r = rows(`contract C { in message Q(); out message Yes(); out message No(); out message Fin();
    state Start: Q? -> (Yes! or No!) -> Fin! -> Start; }`);
  assert.deepEqual(r, { Start: 'Q->Start_1', Start_1: 'Yes->Start_2,No->Start_2', Start_2: 'Fin->Start' });
});

test('subroutines: inlined per call site, returning to the rest of the chain', () => {
  const r = rows(`contract C { in message Run(); out message Tick(); out message Done(); in message Quit();
    state Idle: one { Run? -> RUNNING -> Idle; Quit?; }
    state RUNNING: one { Run? -> Tick! -> RUNNING; Done!; } }`);
  assert.deepEqual(r, { Idle: 'Run->RUNNING_1,Quit->$end', RUNNING_1: 'Run->RUNNING_2,Done->Idle', RUNNING_2: 'Tick->RUNNING_1' });
});

test('subroutines: nested calls and a call in the middle of a chain', () => {
  const r = rows(`contract C { in message Go(); out message A(); out message B(); in message Ack();
    state Start: Go? -> OUTER -> Ack? -> Start;
    state OUTER: A! -> INNER -> A!;
    state INNER: one { B!; } }`);
  assert.deepEqual(r, { Start: 'Go->OUTER_1', OUTER_1: 'A->INNER_1', INNER_1: 'B->OUTER_2', OUTER_2: 'A->Start_1', Start_1: 'Ack->Start' });
});

test('subroutines: two call sites give two copies', () => {
  const c = one(`contract C { in message X(); in message Y(); out message Z();
    state Start: one { X? -> SUB -> Start; Y? -> SUB -> Start; }
    state SUB: Z!; }`);
  assert.deepEqual(c.states, ['Start', 'SUB_1', 'SUB_2', '$end']);
});

test('messages: undirected ones take their direction from their marks', () => {
  const c = one('contract C { message Ping(); message Pong(); state Start: Ping? -> Pong! -> Start; }');
  assert.deepEqual(c.messages.map((m) => `${m.dir} ${m.name}`), ['in Ping', 'out Pong']);
});

test('types: scalars, enums (explicit, implicit, based), rep structs, exchange-heap forms', () => {
  const c = one(`
    public enum E : byte { A = 3, B, C = 10, D }
    public pointerfree struct P { public short s; public E e; }
    public rep struct R : ITracked { public long big; public bool b; public R2 inner; public E e; }
    public rep struct R2 { public double d; }
    contract C {
      in message M(bool a, byte b, sbyte c, short d, ushort e, int f, uint g, long h, ulong i, char j, float k, double l);
      in message N(E en, R rec, byte[]! in ExHeap buf, P[] in ExHeap ps, P* in ExHeap p, P* opt(ExHeap[]) old, P*! in ExHeap nn);
      out message K(); state Start: one { M? -> K! -> Start; N? -> K! -> Start; } }`.replace('public pointerfree struct P', 'public rep pointerfree struct P'));
  const f = Object.fromEntries(c.messages.map((m) => [m.name, m.fields]));
  assert.deepEqual(f['M'], { a: 'bool', b: 'i32', c: 'i32', d: 'i32', e: 'i32', f: 'i32', g: 'u32', h: 'f64', i: 'f64', j: 'i32', k: 'f64', l: 'f64' });
  assert.deepEqual(f['N'], {
    en: 'enum(["A","B","C","D"])',
    rec: '{big:f64,b:bool,inner:{d:f64},e:enum(["A","B","C","D"])}',
    buf: 'exbytes',
    ps: 'exvector{s:i16@0,e:u8@2}/4',
    p: 'exrecord{s:i16@0,e:u8@2}/4',
    old: 'exvector{s:i16@0,e:u8@2}/4',
    nn: 'exrecord{s:i16@0,e:u8@2}/4',
  });
});

test('types: vectors of every scalar, text and wide integers in the exchange heap', () => {
  const c = one(`
    public enum K : ushort { X, Y }
    public rep struct W { public long a; public ulong b; public char c; public UIntPtr p; }
    contract C {
      in message M(int[] in ExHeap xs, uint[] in ExHeap us, char[] in ExHeap s, long[] in ExHeap ls, ulong[] in ExHeap uls, bool[] in ExHeap bs, K[] in ExHeap ks, W[] in ExHeap ws, W* in ExHeap w);
      out message R(); state Start: M? -> R! -> Start; }`);
  const f = Object.fromEntries(c.messages.map((m) => [m.name, m.fields]));
  assert.deepEqual(f['M'], {
    xs: 'exarray<i32>', us: 'exarray<u32>', s: 'exarray<char>', ls: 'exarray<i64>', uls: 'exarray<u64>', bs: 'exarray<bool>', ks: 'exarray<u16>',
    ws: 'exvector{a:i64@0,b:u64@8,c:char@16,p:u64@24}/32', w: 'exrecord{a:i64@0,b:u64@8,c:char@16,p:u64@24}/32',
  });
});

test('names: arguments called tag, ep, then or constructor get an underscore (more if taken)', () => {
  const c = one(`
    contract C {
      in message A(int tag, int ep, int tag_, bool then);
      out message B(); state Start: A? -> B! -> Start; }`);
  const f = Object.fromEntries(c.messages.map((m) => [m.name, m.fields]));
  assert.deepEqual(f['A'], { tag__: 'i32', ep_: 'i32', tag_: 'i32', then_: 'bool' });
});

test('types: endpoints of another contract in the file set, qualified or not', () => {
  const a = write('namespace X.Y { contract Inner { out message Hi(); state Start: Hi! -> Start2; state Start2: one {} } }');
  const b = write('contract Outer { in message Give(X.Y.Inner.Exp:Start! e, Inner.Imp:Start2 f, Inner.Exp g); out message Ok(); state Start: Give? -> Ok! -> Start; }');
  const r = checkFiles([a, b]);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(r.contracts.find((c) => c.name === 'Outer')?.messages[0]?.fields, { e: 'Inner.exp:Start', f: 'Inner.imp:Start2', g: 'Inner.exp:Start' });
});

test('inheritance: messages and states are inherited; override replaces; Start comes from the base', () => {
  const cs = ok(`
    contract Base { out message Ready(); in message Q(); out message A();
      state Start: Ready! -> Idle; state Idle: Q? -> A! -> Idle; }
    contract Derived : Base { in message Q2(); out message A2();
      override state Idle: one { Q? -> A! -> Idle; Q2? -> A2! -> Idle; } }`);
  const d = cs.find((c) => c.name === 'Derived');
  assert.equal(d?.initial, 'Start');
  assert.deepEqual(d?.messages.map((m) => m.name), ['Ready', 'Q', 'A', 'Q2', 'A2']);
  assert.deepEqual(d?.states, ['Start', 'Idle', 'Idle_1', 'Idle_2', '$end']);
});

test('file level: using, attributes, namespaces, contracts inside classes, members skipped', () => {
  const cs = ok(`
    using System; using Microsoft.Singularity.Channels;
    namespace A.B {
      [Attr(Name = "x}")]
      public class Test {
        static int[] table = { 1, 2, 3 };
        string s = "contract Fake { state";
        char c = '}'; char q = '\\'';
        public int Prop { get; set; } = 3;
        void F() { if (true) { var t = "}}}"; } /* } */ }
        public contract InClass { in message A(); out message B(); state Start: A? -> B! -> Start; }
        class Nested { public contract Deeper { in message A(); out message B(); state Start: A? -> B! -> Start; } }
        interface I { void G(); }
      }
    }
    public delegate void D(int x);
    public contract Top { in message A(); out message B(); state Start: A? -> B! -> Start; }`);
  assert.deepEqual(cs.map((c) => c.name), ['InClass', 'Deeper', 'Top']);
});

test('file level: verbatim strings and comments hide braces', () => {
  ok(`class K { string v = @"a "" } {"; // }
    /* contract Nope { } */ }
    contract C { in message A(); out message B(); state Start: A? -> B! -> Start; }`);
});

test('constants are kept as metadata', () => {
  const c = one('contract C { public const string ModuleName = "/service/c"; const int Max = 4; in message A(); out message B(); state Start: A? -> B! -> Start; }');
  assert.deepEqual(c.consts, { ModuleName: '/service/c', Max: '4' });
});

// ---------------------------------------------------------------------------------------------
// The preprocessor.

test('preprocessor: #if/#elif/#else/#endif with symbols passed in or #defined', () => {
  const src = `#define LOCAL
contract C {
  in message A(); out message B(); out message Cc(); out message D();
#if FOO && !BAR
  state Start: A? -> B! -> Start;
#elif (LOCAL == true) || false
  state Start: A? -> Cc! -> Start;
#else
  state Start: A? -> D! -> Start;
#endif
}`;
  const pick = (defs: string[]): string => rows(src, defs)['Start_1'] ?? '';
  assert.equal(pick([]), 'Cc->Start');
  assert.equal(pick(['FOO']), 'B->Start');
  assert.equal(pick(['FOO', 'BAR']), 'Cc->Start');
  const noLocal = src.replace('#define LOCAL', '');
  assert.equal(rows(noLocal)['Start_1'], 'D->Start');
});

test('preprocessor: false sections are skipped anywhere, nested, even with broken text', () => {
  const c = one(`contract C {
  in message A(); out message B();
  state Start: one {
    A? -> B! -> Start;
#if NEVER
    this is { not even " valid
#if ALSO
    B! -> Nowhere;
#else
    }}}}
#endif
#endif
  }
}`);
  assert.deepEqual(c.states, ['Start', 'Start_1', '$end']);
});

test('preprocessor: expressions', () => {
  const s = new Set(['A']);
  const e = (x: string): boolean => evalExpr(x, s, (m) => { throw new Error(m); });
  assert.equal(e('A'), true);
  assert.equal(e('!A || B'), false);
  assert.equal(e('(A && !B) == true'), true);
  assert.equal(e('A != B'), true);
  assert.equal(e('false || (true && A)'), true);
  assert.throws(() => e('A &&'), /ends too soon/);
  assert.throws(() => e('A + B'), /unexpected \+/);
});

test('lexer: line and column of tokens', () => {
  const { tokens } = lex('a\n  bc -> "x{"\n\'}\'');
  assert.deepEqual(tokens.map((t) => `${t.kind}:${t.text}@${t.line}:${t.col}`), ['ident:a@1:1', 'ident:bc@2:3', 'punct:->@2:6', 'string:x{@2:9', 'char:}@3:1', 'eof:@3:4']);
});

// ---------------------------------------------------------------------------------------------
// Warnings: accepted, reported.

test('warning: an unreachable state, at the state; it is kept as an entry state', () => {
  const r = check(`contract C { in message A(); out message B();
    state Start: A? -> B! -> Start;
    state Orphan: A? -> B! -> Start; }`);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, ['x.sg:3:11 warning: contract C: state Orphan: cannot be reached from Start; kept as an entry state (a Sing# channel could be made in it)']);
  assert.equal(r.contracts.length, 1);
  assert.match(r.contracts[0]?.fingerprint ?? '', /\|Start\+Orphan\|/);
});

test('warning: a mixed state (sends to both sides)', () => {
  const r = check('contract C { in message A(); out message B();\n  state Start: one { A? -> B! -> Start; B! -> A? -> Start; } }');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, ['x.sg:2:9 warning: contract C: state Start: offers sends to both sides; if both send at once the channel breaks (both see $closed)']);
});

test('warning: a declared message no state uses', () => {
  const r = check('contract C { in message A(); out message B(); out message Unused();\n  state Start: A? -> B! -> Start; }');
  assert.deepEqual(r.warnings, ['x.sg:1:59 warning: contract C: message Unused is declared but no state uses it']);
});

test('warning: a moved endpoint whose holder does not send first', () => {
  const r = check(`contract S { in message Req(); out message Rep(); state Start: Req? -> Rep! -> Start; }
contract T { in message Give(S.Exp:Start e); out message Ok(); state Start: Give? -> Ok! -> Start; }`);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, ['x.sg:2:30 warning: contract T: message Give: argument e: endpoint S.Exp:Start moves in a state where the other side may send first (Req); messages already queued move with it']);
  const fine = check(`contract S { in message Req(); out message Rep(); state Start: Req? -> Rep! -> Start; }
contract T { in message Give(S.Imp:Start e); out message Ok(); state Start: Give? -> Ok! -> Start; }`);
  assert.deepEqual(fine.lines, []);
});

// ---------------------------------------------------------------------------------------------
// Programs that must be rejected, each with its diagnostic.

const H = 'contract C {\n  in message A(); out message B(); message U();\n';
const REJECT: [string, string, string, string[]?][] = [
  // Rule 1: messages declared, marks agree.
  ['misspelt message', 'contract TcpConnectionContract {\n  in message Accept(); out message Ok();\n  state Listening: one {\n    Acept? -> Ok! -> Listening; } }',
    'x.sg:4:5 contract TcpConnectionContract: state Listening: message Acept is not declared'],
  ['in message sent', `${H}  state Start: A! -> B! -> Start; }`, 'x.sg:3:16 contract C: state Start: message A is an in message (importer to exporter), so it takes ?, not !'],
  ['out message received', `${H}  state Start: A? -> B? -> Start; }`, 'x.sg:3:22 contract C: state Start: message B is an out message (exporter to importer), so it takes !, not ?'],
  ['undeclared in a choice', `${H}  state Start: A? -> (B! or Bb!) -> Start; }`, 'x.sg:3:29 contract C: state Start: message Bb is not declared'],
  ['undirected both ways in one state', `${H}  state Start: one { U? -> B! -> Start;\n    U! -> A? -> Start; } }`, 'x.sg:4:5 contract C: state Start: message U has no direction and is used both with ? (at 3:22) and with ! in one state, so who sends it there is not decided; give it in or out, or use it one way in each state'],
  ['undeclared in a subroutine', `${H}  state Start: A? -> SUB -> Start;\n  state SUB: Bx!; }`, 'x.sg:4:14 contract C: state SUB: message Bx is not declared'],
  // Rule 2: targets exist.
  ['missing target', `${H}  state Start: A? -> B! -> Nowhere; }`, 'x.sg:3:28 contract C: state Start: target state Nowhere is not declared'],
  ['missing subroutine', `${H}  state Start: A? -> Sub -> B! -> Start; }`, 'x.sg:3:22 contract C: state Start: subroutine state Sub is not declared'],
  ['step begins with a state', `${H}  state Start: one { Start; } }`, 'x.sg:3:22 contract C: state Start: a step must begin with a message, not with state Start'],
  ['no states', `${H}}`, 'x.sg:1:10 contract C: declares no states'],
  // Subroutine recursion.
  ['direct recursion', `${H}  state Start: A? -> Start -> B! -> Start; }`, 'x.sg:3:22 contract C: state Start: calls itself as a subroutine (Start -> Start); recursive subroutine states are not allowed'],
  ['recursion through another', `${H}  state Start: A? -> X -> Start;\n  state X: B! -> Y -> A?;\n  state Y: A? -> X -> B!; }`, 'x.sg:4:18 contract C: state X: calls itself as a subroutine (X -> Y -> X); recursive subroutine states are not allowed'],
  ['recursion through a target', `${H}  state Start: A? -> X -> Start;\n  state X: one { B! -> Z; A?; }\n  state Z: A? -> X -> B!; }`, 'x.sg:5:18 contract C: state Z: calls itself as a subroutine (Z -> X -> Z); recursive subroutine states are not allowed'],
  // Rule 4: one-direction cycles.
  ['in-only cycle', `${H}  state Start: A? -> Start; }`, 'x.sg:1:10 contract C: cycle Start -A-> Start has only in messages: the importer could send forever without waiting, so no queue bound exists'],
  ['out-only cycle', `${H}  state Start: A? -> Loop;\n  state Loop: B! -> B! -> Loop; }`, 'x.sg:1:10 contract C: cycle Loop -B-> Loop_1 -B-> Loop has only out messages: the exporter could send forever without waiting, so no queue bound exists'],
  ['out-only cycle in a subroutine', `${H}  state Start: A? -> S -> B! -> Start;\n  state S: one { B! -> S; A?; } }`, 'x.sg:1:10 contract C: cycle S_1 -B-> S_1 has only out messages: the exporter could send forever without waiting, so no queue bound exists'],
  // Declarations.
  ['duplicate message', `${H}  in message A();\n  state Start: A? -> B! -> Start; }`, 'x.sg:3:14 contract C: message A is declared twice (also at x.sg:2:14)'],
  ['duplicate state', `${H}  state Start: A? -> B! -> Start;\n  state Start: A? -> B! -> Start; }`, 'x.sg:4:9 contract C: state Start: declared twice (also at line 3)'],
  ['conflicting steps', `${H}  state Start: one { A? -> B! -> Start; A? -> Start; } }`, 'x.sg:3:41 contract C: state Start: message A is offered twice with different continuations (Start_1 and Start)'],
  ['override without base', `${H}  override state Start: A? -> B! -> Start; }`, 'x.sg:3:18 contract C: state Start: override, but no base contract declares Start'],
  ['base redeclared without override', 'contract B0 { in message A(); out message B(); state Start: A? -> B! -> Start; }\ncontract C : B0 { state Start: A? -> B! -> B! -> Start; }',
    'x.sg:2:25 contract C: state Start: already declared in the base contract; write override state'],
  ['unknown base', 'contract C : ServiceContract { in message A(); out message B(); state Start: A? -> B! -> Start; }', 'x.sg:1:14 contract C: base contract ServiceContract is not in the files given'],
  ['self base', 'contract C : C { in message A(); out message B(); state Start: A? -> B! -> Start; }', 'x.sg:1:14 contract C: contract C inherits from itself'],
  ['mutual inheritance', 'contract A : B { in message X(); out message Y(); state Start: X? -> Y! -> Start; }\ncontract B : A { }', 'x.sg:2:14 contract B: contract B inherits from itself through A', ['x.sg:1:14 contract A: base contract B has errors']],
  ['contract twice, differently', 'contract C { in message A(); out message B(); state Start: A? -> B! -> Start; }\ncontract C { in message A(); out message B(); state Start: A? -> B! -> B! -> Start; }', 'x.sg:2:10 contract C: already declared at x.sg:1:10 with different contents'],
  // Rule 5: exchangeable types only.
  ['string argument', `${H.replace('in message A()', 'in message A(string s)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:16 contract C: message A: argument s: type string cannot cross a channel (use char[] or byte[] in ExHeap, or an enum)'],
  ['object argument', `${H.replace('in message A()', 'in message A(object o)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:16 contract C: message A: argument o: type object cannot cross a channel (use char[] or byte[] in ExHeap, or an enum)'],
  ['plain array', `${H.replace('in message A()', 'in message A(int[] xs)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:16 contract C: message A: argument xs: type int[] cannot cross a channel (only scalars, enums, rep structs, ExHeap vectors and pointers, and endpoints)'],
  ['generic type', `${H.replace('in message A()', 'in message A(List<int> xs)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:16 contract C: message A: argument xs: type List<...> cannot cross a channel (only scalars, enums, rep structs, ExHeap vectors and pointers, and endpoints)'],
  ['pointer to a pointer', `rep struct P { int x; }\n${H.replace('in message A()', 'in message A(P** in ExHeap xs)')}  state Start: A? -> B! -> Start; }`, 'x.sg:3:16 contract C: message A: argument xs: P** in ExHeap: a pointer to a pointer cannot stand in the exchange heap'],
  ['byte pointer', `${H.replace('in message A()', 'in message A(byte* in ExHeap p)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:16 contract C: message A: argument p: byte* in ExHeap: a pointer in the exchange heap points to a rep struct or a vector, not to byte'],
  ['unknown type', `${H.replace('in message A()', 'in message A(Widget w)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:16 contract C: message A: argument w: type Widget is not declared (not a scalar, enum, rep struct or endpoint); a type declared outside contract files can be given with --types FILE.sg'],
  ['plain struct', `struct P { int x; }\n${H.replace('in message A()', 'in message A(P p)')}  state Start: A? -> B! -> Start; }`, 'x.sg:3:16 contract C: message A: argument p: struct P is not a rep struct, so it cannot cross a channel'],
  ['string in a rep struct', `rep struct P { string s; }\n${H.replace('in message A()', 'in message A(P p)')}  state Start: A? -> B! -> Start; }`, 'x.sg:1:16 contract C: rep struct P: field s: type string cannot cross a channel (use char[] or byte[] in ExHeap, or an enum)'],
  ['struct containing itself', `rep struct P { P p; }\n${H.replace('in message A()', 'in message A(P p)')}  state Start: A? -> B! -> Start; }`, 'x.sg:1:16 contract C: rep struct P: field p: rep struct P contains itself'],
  ['endpoint in a rep struct', `rep struct P { C.Imp:Start e; }\ncontract D { in message A(P p); out message B(); state Start: A? -> B! -> Start; }\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:1:16 contract D: rep struct P: field e: C.Imp:Start may not stand inside a rep struct'],
  ['empty enum', `enum E { }\n${H.replace('in message A()', 'in message A(E e)')}  state Start: A? -> B! -> Start; }`, 'x.sg:3:16 contract C: message A: argument e: enum E has no members'],
  ['argument twice', `${H.replace('in message A()', 'in message A(int x, int x)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:27 contract C: message A: argument x: declared twice'],
  // Endpoints.
  ['endpoint of an unknown contract', `${H.replace('in message A()', 'in message A(Nope.Imp:Start e)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:16 contract C: message A: argument e: endpoint type Nope: contract Nope is not in the files given'],
  ['endpoint in an unknown state', `contract D { in message A(); out message B(); state Start: A? -> B! -> Start; }\n${H.replace('in message A()', 'in message A(D.Imp:Gone e)')}  state Start: A? -> B! -> Start; }`, 'x.sg:3:16 contract C: message A: argument e: endpoint type D.Imp:Gone: contract D has no state Gone'],
  ['own endpoint in an unknown state', `${H.replace('in message A()', 'in message A(C.Imp:Gone e)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:16 contract C: message A: argument e: endpoint type C.Imp:Gone: contract C has no state Gone'],
  ['endpoint of a broken contract', `contract D { in message A(); state Start: Zz? -> Start; }\n${H.replace('in message A()', 'in message A(D.Imp:Start e)')}  state Start: A? -> B! -> Start; }`, 'x.sg:3:16 contract C: message A: argument e: endpoint type D: contract D has errors', ['x.sg:1:43 contract D: state Start: message Zz is not declared']],
  // Syntax.
  ['missing semicolon after a message', 'contract C {\n  in message A()\n  out message B();\n  state Start: A? -> B! -> Start; }', 'x.sg:3:3 contract C: expected ;, found "out"'],
  ['choice without a mark', `${H}  state Start: A? -> (B or B!) -> Start; }`, 'x.sg:3:23 contract C: state Start: in a choice, B needs ? or !'],
  ['missing colon', `${H}  state Start A? -> B! -> Start; }`, 'x.sg:3:15 contract C: state Start: expected :, found "A"'],
  ['unclosed contract', 'contract C { in message A(); out message B(); state Start: A? -> B! -> Start;', 'x.sg:1:10 contract C: contract C: missing }'],
  // The preprocessor and the lexer.
  ['#if without #endif', `#if X\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:1:1 #if without #endif'],
  ['#endif without #if', `${H}  state Start: A? -> B! -> Start; }\n#endif`, 'x.sg:4:1 #endif without #if'],
  ['#else twice', `#if X\n#else\n#else\n#endif\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:3:1 a second #else'],
  ['#elif after #else', `#if X\n#else\n#elif Y\n#endif\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:3:1 #elif after #else'],
  ['bad #if expression', `#if X &&\n#endif\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:1:1 #if expression "X &&" ends too soon'],
  ['#error in a live section', `#if !X\n#error unsupported\n#endif\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:2:1 #error unsupported'],
  ['unterminated comment', `${H}  state Start: A? -> B! -> Start; }\n/* open`, 'x.sg:4:1 unterminated /* comment'],
  ['#elif without #if', `#elif X\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:1:1 #elif without #if'],
  ['#else without #if', `#else\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:1:1 #else without #if'],
  ['#define without a name', `#define\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:1:1 #define needs a symbol name'],
  ['endpoint with a bad side', `${H.replace('in message A()', 'in message A(D.Foo:Start e)')}  state Start: A? -> B! -> Start; }`, 'x.sg:2:21 contract C: expected a name, found ":"'],
  ['message without parentheses', `${H}  in message Q;\n  state Start: A? -> B! -> Start; }`, 'x.sg:3:15 contract C: expected (, found ";"'],
  ['override of a state the base lacks', 'contract B0 { in message A(); out message B(); state Start: A? -> B! -> Start; }\ncontract C : B0 { override state Other: A? -> B! -> Start; }',
    'x.sg:2:34 contract C: state Other: override, but no base contract declares Other'],
  ['base with errors', 'contract B0 { in message A(); state Start: Q? -> Start; }\ncontract C : B0 { out message B(); state Next: A? -> B! -> Start; }', 'x.sg:2:14 contract C: base contract B0 has errors'],
  ['enum value not evaluable', `enum E { A = Foo }\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:1:14 enum E: cannot evaluate Foo'],
  ['unterminated string', `class K { string s = "abc\n}\n${H}  state Start: A? -> B! -> Start; }`, 'x.sg:1:22 unterminated string'],
];

for (const [title, src, expected, also] of REJECT) {
  test(`reject: ${title}`, () => {
    const r = check(src);
    assert.ok(r.errors.includes(expected), `expected\n  ${expected}\ngot\n  ${r.errors.join('\n  ')}`);
    for (const e of also ?? []) assert.ok(r.errors.includes(e), `expected also ${e}`);
  });
}

test('reject corpus: at least 60 programs, each with an error', () => {
  assert.ok(REJECT.length >= 60, `${REJECT.length}`);
});

test('robustness: truncated and damaged copies of the seed contract never throw', () => {
  const src = readFileSync(TCP, 'utf8');
  for (let cut = 0; cut < src.length; cut += 53) {
    for (const v of [src.slice(0, cut), src.slice(0, cut) + src.slice(cut + 5), src.slice(cut)]) {
      assert.doesNotThrow(() => checkFiles([write(v)]));
    }
  }
});

test('import: contracts come out dependencies first; unreachable states are entry states', () => {
  const file = write(`contract Outer { in message Give(Inner.Exp:Start e); out message Ok(); state Start: Give? -> Ok! -> Start; }
contract Inner { out message Hi(); in message Ho(); state Start: Hi! -> Ho? -> Start; state Spare: Ho? -> Start; }`);
  const src = importFile(file);
  assert.ok(src.indexOf('export const Inner =') < src.indexOf('export const Outer ='));
  assert.match(src, /entries: \['Spare'\], \/\/ not reached from Start: a channel may start there/);
});

// ---------------------------------------------------------------------------------------------
// The command.

function sing(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cli: contract check --json prints one array of {name, states, messages, bounds}', () => {
  const r = sing('contract', 'check', '--json', 'test/fixtures/singsharp/tcp.sg');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { name: string; states: string[]; messages: { name: string }[]; bounds: { in: number; out: number } }[];
  assert.deepEqual(out.map((c) => c.name), ['TcpConnectionContract', 'TcpContract']);
  for (const c of out) {
    assert.ok(Array.isArray(c.states) && Array.isArray(c.messages));
    assert.equal(typeof c.bounds.in, 'number');
  }
  assert.match(r.stderr, /tcp\.sg:187:38 warning: contract TcpContract: message CreateTcpSession/);
});

test('cli: contract check prints a table, exits 1 with file:line:col diagnostics, 2 on bad usage', () => {
  const good = sing('contract', 'check', 'test/fixtures/singsharp/tcp.sg', '--define', 'DEBUG_TCP');
  assert.equal(good.status, 0);
  assert.match(good.stdout, /contract TcpConnectionContract \(test\/fixtures\/singsharp\/tcp\.sg\)\n {2}initial PreConnected; bounds: in 3, out 1/);
  assert.match(good.stdout, /in {2}DumpState\(\)/);
  const bad = write('contract TcpConnectionContract {\n  in message Accept(); out message Ok();\n  state Listening: one {\n    Acept? -> Ok! -> Listening; } }');
  const r = sing('contract', 'check', bad, 'test/fixtures/singsharp/tcp.sg');
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes(`${bad}:4:5 contract TcpConnectionContract: state Listening: message Acept is not declared`), r.stderr);
  assert.equal(sing('contract', 'check').status, 2);
  assert.equal(sing('contract', 'check', '/nonexistent.sg').status, 2);
  assert.equal(sing('contract', 'frob', 'x').status, 2);
});

test('cli: contract import writes the TypeScript module', () => {
  const r = sing('contract', 'import', 'test/fixtures/singsharp/tcp.sg');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, importFile(TCP).replace(TCP.split('/').pop() as string, 'tcp.sg'));
  const bad = write('contract C { in message A(); state S: B? -> S; }');
  assert.equal(sing('contract', 'import', bad).status, 1);
});

test('cli: --types takes declarations from another file; its own contracts are not reported', () => {
  const types = write('public enum ErrorCode : int { Ok, Denied }\npublic rep struct Settings { public UIntPtr size; public bool fast; }\ncontract Helper { in message Q(); out message H(); state Start: Q? -> H! -> Start; }');
  const uses = write('contract Disk {\n  in message Format(Settings* in ExHeap s); out message Done(ErrorCode e);\n  state Start: Format? -> Done! -> Start; }');
  const without = sing('contract', 'check', uses, '--json');
  assert.equal(without.status, 1);
  assert.ok(without.stderr.includes('type ErrorCode is not declared') && without.stderr.includes('--types FILE.sg'), without.stderr);
  const r = sing('contract', 'check', uses, '--types', types, '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { name: string; messages: { name: string; fields: Record<string, string> }[] }[];
  assert.deepEqual(out.map((c) => c.name), ['Disk']);
  assert.deepEqual(out[0]?.messages.map((m) => m.fields), [{ s: 'exrecord{size:u64@0,fast:bool@8}/16' }, { e: 'enum(["Ok","Denied"])' }]);
  assert.equal(sing('contract', 'check', uses, '--types', '/nonexistent.sg').status, 2);
});

test('enums: member values are C# constant expressions (shifts, ors, casts, other enums, attributes); CRLF directives drop their comments', () => {
  const c = one([
    'public enum Base : uint { Unrecognized = 0xC0000000u }',
    'public enum Flags : uint {',
    '  None = 0, A = 1u << 0, B = 1u << 1, AB = (A | B), [Obsolete] Old = (1 << 2),',
    '  Err = Base.Unrecognized | 0xfff, Cast = (uint)5, Neg = -(2 * 3), Later = Unknown.Member,',
    '}',
    '#if false // disabled for now',
    'this is not Sing#',
    '#endif',
    'contract C { in message M(Flags f); out message R(); state Start: M? -> R! -> Start; }',
  ].join('\r\n'));
  assert.deepEqual(c.messages[0]?.fields, { f: 'enum(["None","A","B","AB","Old","Err","Cast","Neg","Later"])' });
});
