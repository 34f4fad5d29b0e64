// The FAT engine is sealed-program code: its folder (src/services/fat, without tests) passes the
// install-time verifier as a program root with a probe entry (test/fixtures/fat/verify-probe,
// placed beside the engine in memory), and that program, compiled into a sealed image, formats,
// fills, reads and checks a volume inside a compartment under the kernel's default limits (a
// turn may run 50 ms: the engine yields through the `pause` it is given).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkProgram, formatDiagnostic } from '../src/verifier/index.ts';
import { compileImage, Kernel } from '../src/index.ts';

const ROOT = fileURLToPath(new URL('../src/services/fat', import.meta.url));
const PROBE = readFileSync(new URL('./fixtures/fat/verify-probe/main.ts', import.meta.url), 'utf8')
  .replace("'../../../../src/services/fat/index.ts'", "'./index.ts'");

function engineFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(ROOT)) {
    if (f.endsWith('.ts') && !f.endsWith('.test.ts')) files[f] = readFileSync(`${ROOT}/${f}`, 'utf8');
  }
  files['verify-probe.ts'] = PROBE;
  return files;
}

test('the engine passes the verifier as a program folder', () => {
  const r = checkProgram({ root: ROOT, entry: 'verify-probe.ts', files: engineFiles() });
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  const own = r.vp.files.map((f) => r.vp.rel(f.fileName)).sort();
  assert.ok(own.includes('volume.ts') && own.includes('check.ts') && own.includes('format.ts'), own.join(', '));
});

test('the sealed engine formats, fills, reads and checks a volume inside a compartment', async () => {
  const image = await compileImage('fatprobe', { root: ROOT, entry: 'verify-probe.ts', files: engineFiles() });
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
