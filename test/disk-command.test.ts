// `sing disk` and `sing fsck` as a user runs them: each boots the disk driver and FAT SIPs over
// the image. Images it creates mount in mtools and pass fsck.fat; images mkfs.fat made and mcopy
// filled read back byte-identical through it; files it puts come back byte-identical through
// mcopy; failures exit non-zero naming the image, the path and the problem.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fsckN, pattern, run, tool, toolsOrSkip } from './fixtures/fat/kit.ts';

const SING = fileURLToPath(new URL('../bin/sing.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sing-disk-cmd-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
const skip = toolsOrSkip();

function sing(...args: string[]): { status: number; stdout: string; stderr: string; raw: Buffer } {
  const r = spawnSync(process.execPath, [SING, ...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), raw: r.stdout };
}

describe('sing disk', () => {
  test('create formats by size or by --fat; put, ls, get, mkdir and rm work through the SIPs', () => {
    const img = join(dir, 'a.img');
    const made = sing('disk', 'create', img, '--size', '8MiB', '--label', 'SING TEST');
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /FAT12|FAT16/);
    const host = join(dir, 'page.bin');
    const bytes = pattern(150_000, 3);
    writeFileSync(host, bytes);
    assert.equal(sing('disk', 'mkdir', img, '/www').status, 0);
    const put = sing('disk', 'put', img, host, '/www/');
    assert.equal(put.status, 0, put.stderr);
    const ls = sing('disk', 'ls', img, '/www');
    assert.equal(ls.status, 0, ls.stderr);
    assert.match(ls.stdout, /^PAGE\.BIN\s+150000 \d{4}-\d\d-\d\d \d\d:\d\d/m);
    const json = JSON.parse(sing('disk', 'ls', img, '/www', '--json').stdout) as { name: string; size: number }[];
    assert.deepEqual(json.map((e) => [e.name, e.size]), [['page.bin', 150_000]]);
    const got = sing('disk', 'get', img, '/www/page.bin');
    assert.equal(got.status, 0, got.stderr);
    assert.ok(got.raw.equals(Buffer.from(bytes)), 'get to stdout is byte-identical');
    assert.equal(sing('disk', 'get', img, '/www/page.bin', join(dir, 'back.bin')).status, 0);
    assert.ok(readFileSync(join(dir, 'back.bin')).equals(Buffer.from(bytes)));
    assert.equal(sing('disk', 'rm', img, '/www/page.bin').status, 0);
    assert.equal(sing('disk', 'rm', img, '/www').status, 0);
    assert.equal(sing('disk', 'ls', img).stdout, '');
    const fat32 = join(dir, 'b.img');
    assert.equal(sing('disk', 'create', img, '--size', '8MiB').status, 1, 'an existing image is not replaced without --force');
    const big = sing('disk', 'create', fat32, '--size', '40MiB', '--fat', '32');
    assert.equal(big.status, 0, big.stderr);
    assert.match(big.stdout, /FAT32/);
  });

  test('failures exit non-zero and name the image, the path and the problem', () => {
    const img = join(dir, 'c.img');
    assert.equal(sing('disk', 'create', img, '--size', '4MiB').status, 0);
    const missing = sing('disk', 'get', img, '/no/such.txt');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, new RegExp(`sing disk get ${img.replace(/[.]/g, '\\.')}: /no/such\\.txt: E_NOT_FOUND`));
    const noImage = sing('disk', 'ls', join(dir, 'absent.img'));
    assert.equal(noImage.status, 1);
    assert.match(noImage.stderr, /absent\.img: no such file/);
    const notFat = join(dir, 'zeros.img');
    writeFileSync(notFat, Buffer.alloc(1024 * 1024));
    const bad = sing('disk', 'ls', notFat);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /zeros\.img: cannot mount: .*E_BAD_BOOT/);
    assert.equal(sing('disk', 'create', join(dir, 'd.img')).status, 2, 'create without --size is bad usage');
    assert.equal(sing('disk', 'ls', img, '--repair').status, 2, 'an option of another command is bad usage');
    assert.equal(sing('disk', 'put', img, join(dir, 'nothing.bin'), '/x').status, 1);
  });

  test('fsck reports a clean volume with 0, a damaged one with 1, and --repair mends it', { skip }, () => {
    const img = join(dir, 'e.img');
    assert.equal(sing('disk', 'create', img, '--size', '4MiB', '--fat', '16').status, 0);
    writeFileSync(join(dir, 'f.bin'), pattern(20_000, 9));
    assert.equal(sing('disk', 'put', img, join(dir, 'f.bin'), '/f.bin').status, 0);
    const clean = sing('fsck', img);
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /clean/);
    // Damage it: mark the volume dirty and leak a cluster in the first FAT (fsck.fat -a would too).
    const raw = readFileSync(img);
    const reserved = raw.readUInt16LE(14);
    raw.writeUInt16LE(0xffff, reserved * 512 + 2 * 1000);
    writeFileSync(img, raw);
    const found = sing('fsck', img, '--json');
    assert.equal(found.status, 1, found.stderr);
    const report = JSON.parse(found.stdout) as { problems: { code: string }[] };
    assert.ok(report.problems.some((p) => p.code === 'LOST_CLUSTERS' || p.code === 'FAT_MIRROR'), found.stdout);
    assert.equal(sing('fsck', img, '--repair').status, 1);
    assert.equal(sing('fsck', img).status, 0);
    const judged = fsckN(img);
    assert.equal(judged.status, 0, judged.stdout + judged.stderr);
  });
});

describe('sing disk judged by dosfstools and mtools', { skip }, () => {
  test('an image mkfs.fat made and mcopy filled reads back byte-identical', () => {
    const img = join(dir, 'mkfs.img');
    const made = run(tool('mkfs.fat'), ['-C', '-F', '16', '-n', 'FROMTOOLS', img, String(16 * 1024)]);
    assert.equal(made.status, 0, made.stderr);
    const host = join(dir, 'Some Long Name.dat');
    const bytes = pattern(333_333, 4);
    writeFileSync(host, bytes);
    assert.equal(run(tool('mmd'), ['-i', img, '::/sub']).status, 0);
    assert.equal(run(tool('mcopy'), ['-i', img, host, '::/sub/Some Long Name.dat']).status, 0);
    const ls = sing('disk', 'ls', img, '/sub');
    assert.match(ls.stdout, /SOMELO~1\.DAT\s+333333 .* Some Long Name\.dat/);
    const got = sing('disk', 'get', img, '/sub/Some Long Name.dat');
    assert.equal(got.status, 0, got.stderr);
    assert.ok(got.raw.equals(Buffer.from(bytes)));
  });

  test('files sing puts pass fsck.fat -n and come back byte-identical through mcopy', () => {
    for (const fat of ['12', '16', '32']) {
      const img = join(dir, `put${fat}.img`);
      assert.equal(sing('disk', 'create', img, '--size', fat === '32' ? '40MiB' : '8MiB', '--fat', fat).status, 0);
      assert.equal(sing('disk', 'mkdir', img, '/Deep Dir').status, 0);
      const files = [0, 4097, 200_000].map((n, i) => ({ name: `file ${i} of size ${n}.bin`, bytes: pattern(n, i + Number(fat)) }));
      for (const f of files) {
        writeFileSync(join(dir, f.name), f.bytes);
        const put = sing('disk', 'put', img, join(dir, f.name), `/Deep Dir/${f.name}`);
        assert.equal(put.status, 0, put.stderr);
      }
      const judged = fsckN(img);
      assert.equal(judged.status, 0, `FAT${fat}: ${judged.stdout}${judged.stderr}`);
      for (const f of files) {
        const out = join(dir, `out-${fat}.bin`);
        if (existsSync(out)) rmSync(out);
        const r = run(tool('mcopy'), ['-i', img, `::/Deep Dir/${f.name}`, out]);
        assert.equal(r.status, 0, r.stderr);
        assert.ok(readFileSync(out).equals(Buffer.from(f.bytes)), `FAT${fat}: ${f.name}`);
      }
    }
  });
});
