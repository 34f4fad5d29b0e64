// The FAT engine is sealed-program code: its folder (src/services/fat, without tests) and the
// services' shared folder pass the install-time verifier as a program under src/services with a
// probe entry (test/fixtures/fat/verify-probe, placed beside the engine in memory), as the fat
// service itself is compiled; and that program, compiled into a sealed image, formats,
// fills, reads and checks a volume inside a compartment under the kernel's default limits (a
// turn may run 50 ms: the engine yields through the `pause` it is given).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkProgram, formatDiagnostic } from '../src/verifier/index.ts';
import { compileImage, Kernel } from '../src/index.ts';

const ROOT = fileURLToPath(new URL('../src/services', import.meta.url));
const PROBE = readFileSync(new URL('./fixtures/fat/verify-probe/main.ts', import.meta.url), 'utf8')
  .replace("'../../../../src/services/fat/index.ts'", "'./index.ts'");
const ENTRY = 'fat/verify-probe.ts';

function engineFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const dir of ['fat', 'shared']) {
    for (const f of readdirSync(`${ROOT}/${dir}`)) {
      if (f.endsWith('.ts') && !f.endsWith('.test.ts')) files[`${dir}/${f}`] = readFileSync(`${ROOT}/${dir}/${f}`, 'utf8');
    }
  }
  files[ENTRY] = PROBE;
  return files;
}

test('the engine passes the verifier as a program folder', () => {
  const r = checkProgram({ root: ROOT, entry: ENTRY, files: engineFiles() });
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  const own = r.vp.files.map((f) => r.vp.rel(f.fileName)).sort();
  assert.ok(own.includes('fat/volume.ts') && own.includes('fat/check.ts') && own.includes('shared/civil-date.ts'), own.join(', '));
});

test('the sealed engine formats, fills, reads and checks a volume inside a compartment', async () => {
  const image = await compileImage('fatprobe', { root: ROOT, entry: ENTRY, files: engineFiles() });
  const lines: string[] = [];
  const k = new Kernel({ console: (l) => { lines.push(l.text); } });
  try {
    k.install(image);
    const p = k.spawn('fatprobe', { params: { files: 120 } });
    const status = await p.join();
    assert.deepEqual([status.state, status.code], ['exited', 0], `${JSON.stringify(status)}\n${lines.join('\n')}`);
    assert.match(lines.join('\n'), /fatprobe: wrote \d+ read \d+ problems 0/);
  } finally {
    k.shutdown();
  }
});
