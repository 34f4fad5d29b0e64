// The FAT file system SIP placed in a worker domain and in a process domain, over the disk driver
// in the kernel domain: it binds the driver across the link, its three mounts are published to
// the kernel's directory, and the host reads and writes files through /fs as it does when every
// SIP shares the kernel domain; a clean unmount leaves an image fsck.fat finds clean.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../src/index.ts';
import { openDomain, type Domain } from '../src/domains/domain-host.ts';
import { DiskSession, storageImages } from '../src/cli/disk-session.ts';
import { FsClient } from '../src/cli/fs-client.ts';
import { until, within } from './kit.ts';
import { fsckN, pattern, toolsOrSkip } from './fixtures/fat/kit.ts';

const dir = mkdtempSync(join(tmpdir(), 'sing-fs-domains-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
const skip = toolsOrSkip();

for (const kind of ['worker', 'process'] as const) {
  describe(`the file system in a ${kind} domain`, () => {
    let k: Kernel;
    let domain: Domain;
    let img: string;
    const lines: string[] = [];
    before(async () => {
      img = join(dir, `${kind}.img`);
      writeFileSync(img, '');
      truncateSync(img, 16 * 1024 * 1024);
      assert.equal((await DiskSession.run(img, 'format', {})).status, 0);
      k = new Kernel({ console: (l) => { lines.push(l.text); } });
      const images = await storageImages();
      for (const i of images) k.install(i);
      domain = openDomain(k, kind, images, { name: kind, console: (l) => { lines.push(l.text); } });
      await within(domain.ready, `the ${kind} domain`, 30_000);
    });
    after(async () => {
      await domain.terminate();
      k.shutdown();
    });

    test('serves /fs across the link, and unmounts cleanly', { skip }, async () => {
      const disk = k.spawn('disk', { params: { name: 'disk0', readOnly: false }, host: { disk: img } });
      await until(() => disk.names().length === 1, 'the driver serves /dev/disk0');
      const fat = domain.spawn('fat', { params: { disk: '/dev/disk0', mount: '/fs', readOnly: false, mode: 'mount', fatType: 0, label: '', json: false } });
      await until(() => k.names.list().filter((e) => e.mount && e.path === '/fs').length === 3, 'three mounts at /fs published from the domain', 30_000);
      const fs = new FsClient(k);
      await fs.mkdir('/www');
      const page = pattern(200_000, 8);
      await fs.writeFile('/www/index.html', page);
      assert.ok(Buffer.from(await fs.readFile('/www/index.html')).equals(Buffer.from(page)));
      assert.deepEqual((await fs.list('/www')).map((e) => [e.name, e.size]), [['index.html', 200_000]]);
      await fs.unmount();
      await until(() => !k.names.list().some((e) => e.mount), 'the mounts go when the file system ends', 30_000);
      assert.equal((await within(fat.join(), 'the file system ends', 30_000)).code, 0, lines.join('\n'));
      disk.stop();
      const r = fsckN(img);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });
  });
}
