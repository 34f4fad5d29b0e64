// The file-system contracts at work between two ends the host holds: a directory hands out an open
// file and a sub-directory of its own kind, an enumeration carries a tree of names, and a refused
// open hands the endpoint back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../src/index.ts';
import { Directory, DirEntry, File } from 'sing/contracts/fs';

test('a Directory opens files and directories of its own kind, enumerates as a tree, and hands refused endpoints back', async () => {
  const k = new Kernel({ console: () => undefined });
  try {
    const d = k.hostChannel(Directory);
    let server = d.exp.send('Success');
    const first = await d.imp.receive();
    assert.equal(first.tag, 'Success');
    if (first.tag !== 'Success') return;
    // OpenDirectory with a new Directory's export end; the server accepts it and answers on it.
    const sub = k.hostChannel(Directory);
    const opening = first.ep.send('OpenDirectory', { name: 'www', dir: sub.exp });
    const open = await server.receive();
    assert.equal(open.tag, 'OpenDirectory');
    if (open.tag !== 'OpenDirectory') return;
    assert.equal(open.name, 'www');
    open.dir.send('Success');
    server = open.ep.send('AckOpenDirectory');
    const acked = await opening.receive();
    if (acked.tag !== 'AckOpenDirectory') assert.fail(acked.tag);
    assert.equal((await sub.imp.receive()).tag, 'Success');
    // A refused OpenFile gives the file's endpoint back.
    const f = k.hostChannel(File);
    const asking = acked.ep.send('OpenFile', { name: 'missing', write: false, file: f.exp });
    const of = await server.receive();
    if (of.tag !== 'OpenFile') assert.fail(of.tag);
    server = of.ep.send('NakOpenFile', { code: 'E_NOT_FOUND', reason: '/www/missing: no such file', file: of.file });
    const nak = await asking.receive();
    assert.equal(nak.tag, 'NakOpenFile');
    if (nak.tag !== 'NakOpenFile') return;
    assert.equal(nak.code, 'E_NOT_FOUND');
    nak.file.close();
    // An enumeration is a vector of entries whose names are text blocks.
    const listing = nak.ep.send('Enumerate');
    const en = await server.receive();
    if (en.tag !== 'Enumerate') assert.fail(en.tag);
    const entries = k.hostAllocRecord(DirEntry, 1);
    const name = k.hostAllocArray('char', 10);
    name.writeString('index.html');
    entries.put(0, 'name', name);
    entries.set(0, 'size', 1234n);
    server = en.ep.send('AckEnumerate', { entries });
    const got = await listing.receive();
    if (got.tag !== 'AckEnumerate') assert.fail(got.tag);
    assert.deepEqual([got.entries.length, got.entries.get(0, 'size'), got.entries.open(0, 'name')?.readString(), got.entries.open(0, 'shortName')], [1, 1234n, 'index.html', null]);
    got.entries.free();
    got.ep.send('Close');
    const close = await server.receive();
    if (close.tag === 'Close') close.ep.send('AckClose');
    assert.equal(k.heapStats().blocks, 0);
  } finally {
    k.shutdown();
  }
});
