/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// Names: which names are allowed, how long names map to short ones, the long-name entry format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aliasWithTail, checkLongName, checkShortBytes, lfnChecksum, lfnEntries, lfnPart, nameKey, planShort, shortText, NT_LOWER_BASE, NT_LOWER_EXT } from './names.ts';

const sfn = (s: string): Uint8Array => new Uint8Array([...s.padEnd(11, ' ')].map((c) => c.charCodeAt(0)));
const text = (b: Uint8Array): string => String.fromCharCode(...b);

test('long names: forbidden characters, reserved names, trailing dots and spaces, length', () => {
  assert.equal(checkLongName('hello world.txt'), null);
  assert.equal(checkLongName('ünïcødé ✓.txt'), null);
  assert.equal(checkLongName('a+b,c;d=e[f].g'), null);
  for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a:b', 'a*b', 'a?b', 'a"b', 'a<b', 'a>b', 'a|b', 'tab\there', 'dot.', 'space ']) {
    assert.notEqual(checkLongName(bad), null, bad);
  }
  assert.equal(checkLongName('x'.repeat(255)), null);
  assert.match(checkLongName('x'.repeat(256)) ?? '', /at most 255/);
});

test('names that fit 8.3 are stored short, with case bits for all-lower parts', () => {
  const p = (n: string) => planShort(n);
  const a = p('README.TXT');
  assert.ok(a.fits);
  if (a.fits) { assert.equal(text(a.sfn), 'README  TXT'); assert.equal(a.ntres, 0); }
  const b = p('readme.txt');
  assert.ok(b.fits);
  if (b.fits) { assert.equal(text(b.sfn), 'README  TXT'); assert.equal(b.ntres, NT_LOWER_BASE | NT_LOWER_EXT); }
  const c = p('readme.TXT');
  if (c.fits) assert.equal(c.ntres, NT_LOWER_BASE); else assert.fail('readme.TXT fits');
  const d = p('MAKEFILE');
  if (d.fits) assert.equal(text(d.sfn), 'MAKEFILE   '); else assert.fail('MAKEFILE fits');
  for (const long of ['ReadMe.txt', 'a long name.txt', 'toolongname.txt', 'file.html', 'a.b.c', '.bashrc', 'x+y.txt', 'é.txt']) {
    assert.equal(p(long).fits, false, long);
  }
});

test('aliases: basis from the name, ~N tails, the extension cut to three', () => {
  const p = planShort('A long file name.data');
  assert.ok(!p.fits);
  if (!p.fits) {
    assert.equal(text(aliasWithTail(p.basis, p.ext, 1)), 'ALONGF~1DAT');
    assert.equal(text(aliasWithTail(p.basis, p.ext, 12)), 'ALONG~12DAT');
    assert.equal(text(aliasWithTail(p.basis, p.ext, 123456)), 'A~123456DAT');
  }
  const q = planShort('.bashrc');
  if (!q.fits) { assert.equal(q.basis, 'BASHRC'); assert.equal(q.ext, ''); } else assert.fail();
  const r = planShort('x+y[1].tar.gz');
  if (!r.fits) { assert.equal(r.basis, 'X_Y_1_TA'); assert.equal(r.ext, 'GZ'); } else assert.fail();
  const u = planShort('ünï.txt');
  if (!u.fits) assert.equal(u.basis, '_N_'); else assert.fail();
  for (const n of ['A long file name.data', '.bashrc', 'x+y[1].tar.gz', 'ünï.txt']) {
    const pl = planShort(n);
    if (!pl.fits) assert.equal(checkShortBytes(aliasWithTail(pl.basis, pl.ext, 1)), null, n);
  }
});

test('short names as text, with case bits and 0x05 for 0xE5; fsck.fat rules for stored bytes', () => {
  assert.equal(shortText(sfn('README  TXT')), 'README.TXT');
  assert.equal(shortText(sfn('README  TXT'), NT_LOWER_BASE), 'readme.TXT');
  assert.equal(shortText(sfn('MAKEFILE')), 'MAKEFILE');
  const e5 = sfn('XABC    TXT'); e5[0] = 0x05;
  assert.equal(shortText(e5), 'σABC.TXT');
  assert.equal(checkShortBytes(sfn('README  TXT')), null);
  assert.equal(checkShortBytes(e5), null);
  assert.notEqual(checkShortBytes(sfn(' README TXT')), null);
  assert.notEqual(checkShortBytes(sfn('READ.E  TXT')), null);
  assert.notEqual(checkShortBytes(sfn('READ?E  TXT')), null);
  const ctl = sfn('README  TXT'); ctl[3] = 0x01;
  assert.notEqual(checkShortBytes(ctl), null);
});

test('long-name entries: ordinals, checksum, padding, and reading them back', () => {
  const s = sfn('ALONGF~1DAT');
  const sum = lfnChecksum(s);
  assert.equal(sum, lfnChecksum(sfn('ALONGF~1DAT')));
  assert.notEqual(sum, lfnChecksum(sfn('ALONGF~2DAT')));
  const name = 'A long file name.data';
  const es = lfnEntries(name, sum);
  assert.equal(es.length, 2);
  assert.equal(es[0]?.[0], 0x42);
  assert.equal(es[1]?.[0], 0x01);
  for (const e of es) { assert.equal(e[11], 0x0f); assert.equal(e[13], sum); assert.equal(e[26], 0); assert.equal(e[27], 0); }
  assert.equal(lfnPart(es[1] as Uint8Array) + lfnPart(es[0] as Uint8Array), name);
  const exact = lfnEntries('x'.repeat(13), sum);
  assert.equal(exact.length, 1);
  assert.equal(lfnPart(exact[0] as Uint8Array), 'x'.repeat(13));
  assert.equal(lfnEntries('x'.repeat(255), sum).length, 20);
});

test('name keys compare case-insensitively, per UTF-16 unit', () => {
  assert.equal(nameKey('Readme.TXT'), nameKey('README.txt'));
  assert.equal(nameKey('straße'), 'STRAßE');
  assert.notEqual(nameKey('a'), nameKey('b'));
});
