// The web server SIP placed in a worker domain and in a process domain, over the network service
// and the file system in the kernel domain: the network service judges its Listen by the program
// the domain's kernel vouched for when it bound /service/tcp (abi.peer names it, with the domain),
// and real clients get the same files as from the kernel domain.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
// web-kit first: serve-static's modules must load before Sing locks the shared intrinsics down.
import { site, type Site } from './web-kit.ts';
import { rmSync } from 'node:fs';
import { WebSession } from '../src/cli/web-session.ts';
import { filterKills } from './kit.ts';

let s: Site;
before(async () => { filterKills(); s = await site(); });
after(() => { if (s !== undefined) rmSync(s.dir, { recursive: true, force: true }); });

for (const placement of ['worker', 'process'] as const) {
  describe(`the web server in a ${placement} domain`, () => {
    test('listens through the network service as the program the domain vouched for, and serves files', async () => {
      const web = await WebSession.start({ image: s.image, placement });
      try {
        assert.ok(web.lines.some((l) => new RegExp(`^net: web \\(pid \\d+ in domain web-${placement}\\) listens on port 8080`).test(l)), web.lines.join('\n'));
        for (const path of ['/a.txt', '/big.bin', '/mid.bin', '/docs/']) {
          const want = s.files.get(path.endsWith('/') ? `${path}index.html` : path) as Uint8Array;
          const r = await fetch(web.url + path);
          assert.equal(r.status, 200);
          assert.ok(Buffer.from(await r.arrayBuffer()).equals(Buffer.from(want)), path);
        }
        const r = await fetch(`${web.url}/a.txt`, { headers: { range: 'bytes=0-9' } });
        assert.equal(r.status, 206);
        assert.equal(await r.text(), 'aaaaaaaaaa');
      } finally {
        await web.close();
      }
    });
  });
}
