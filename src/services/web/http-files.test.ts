/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// Content types, ETags, conditional requests in RFC 9110 §13.2.2's order, and byte ranges on the
// RFC 9110 §14.1.2 examples (a 10,000-byte representation), with If-Range and coalescing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RANGES, byteRange, conditional, contentType, etagOf, matchesTag, type RangeResult } from './http-files.ts';
import { httpDate } from './http-response.ts';

const MTIME = Date.UTC(2024, 4, 1, 12, 0, 0) + 345; // a modification time with milliseconds
const LM = httpDate(MTIME); // its Last-Modified, at one-second resolution
const ETAG = etagOf(10000, MTIME);
const h = (...kv: string[]): Map<string, string> => {
  const m = new Map<string, string>();
  for (let i = 0; i < kv.length; i += 2) m.set(kv[i] as string, kv[i + 1] as string);
  return m;
};

test('contentType by extension, case-insensitive; text types say utf-8; unknown is octet-stream', () => {
  assert.equal(contentType('index.html'), 'text/html; charset=utf-8');
  assert.equal(contentType('/www/A.HTM'), 'text/html; charset=utf-8');
  assert.equal(contentType('app.mjs'), 'text/javascript; charset=utf-8');
  assert.equal(contentType('data.json'), 'application/json; charset=utf-8');
  assert.equal(contentType('logo.svg'), 'image/svg+xml; charset=utf-8');
  assert.equal(contentType('a.b.png'), 'image/png');
  assert.equal(contentType('photo.JPEG'), 'image/jpeg');
  assert.equal(contentType('f.woff2'), 'font/woff2');
  assert.equal(contentType('m.wasm'), 'application/wasm');
  assert.equal(contentType('x.tar.gz'), 'application/gzip');
  for (const n of ['README', 'dir.d/file', '.hidden', 'x.unknown', 'x.', '']) assert.equal(contentType(n), 'application/octet-stream', n);
});

test('etagOf is a strong quoted tag of size and time, and changes with either', () => {
  assert.equal(etagOf(255, 4096), '"ff-1000"');
  assert.equal(etagOf(10, 1500.7), '"a-5dc"');
  assert.notEqual(etagOf(10, 1000), etagOf(11, 1000));
  assert.notEqual(etagOf(10, 1000), etagOf(10, 1001));
});

test('entity-tag lists: weak and strong comparison, malformed lists match nothing', () => {
  assert.equal(matchesTag('"x", "y"', '"y"', true), true);
  assert.equal(matchesTag(' ,W/"y" ,', '"y"', false), true);
  assert.equal(matchesTag('W/"y"', '"y"', true), false);
  assert.equal(matchesTag('"y"', 'W/"y"', true), false);
  assert.equal(matchesTag('"y"', 'W/"y"', false), true);
  assert.equal(matchesTag('"yy"', '"y"', false), false);
  assert.equal(matchesTag('y', '"y"', false), false);
  assert.equal(matchesTag('"x" "y"', '"y"', false), false);
  assert.equal(matchesTag('"y', '"y"', false), false);
});

test('conditional: If-None-Match (weak, *, lists) gives 304 for GET and HEAD, 412 for others', () => {
  assert.equal(conditional('GET', h(), ETAG, MTIME), 200);
  assert.equal(conditional('GET', h('if-none-match', ETAG), ETAG, MTIME), 304);
  assert.equal(conditional('HEAD', h('if-none-match', `"other", W/${ETAG}`), ETAG, MTIME), 304);
  assert.equal(conditional('GET', h('if-none-match', '*'), ETAG, MTIME), 304);
  assert.equal(conditional('GET', h('if-none-match', '"other"'), ETAG, MTIME), 200);
  assert.equal(conditional('POST', h('if-none-match', ETAG), ETAG, MTIME), 412);
  assert.equal(conditional('PUT', h('if-none-match', '*'), ETAG, MTIME), 412);
});

test('conditional: If-Match is strong and comes first; If-Unmodified-Since only without it', () => {
  assert.equal(conditional('GET', h('if-match', ETAG), ETAG, MTIME), 200);
  assert.equal(conditional('GET', h('if-match', '*'), ETAG, MTIME), 200);
  assert.equal(conditional('GET', h('if-match', `W/${ETAG}`), ETAG, MTIME), 412);
  assert.equal(conditional('GET', h('if-match', '"other"'), ETAG, MTIME), 412);
  assert.equal(conditional('GET', h('if-match', '"other"', 'if-none-match', ETAG), ETAG, MTIME), 412, 'If-Match is evaluated before If-None-Match');
  const before = httpDate(MTIME - 1000);
  assert.equal(conditional('GET', h('if-unmodified-since', before), ETAG, MTIME), 412);
  assert.equal(conditional('GET', h('if-unmodified-since', LM), ETAG, MTIME), 200, 'same second: not modified since');
  assert.equal(conditional('GET', h('if-match', ETAG, 'if-unmodified-since', before), ETAG, MTIME), 200, 'ignored when If-Match is present');
  assert.equal(conditional('GET', h('if-unmodified-since', 'yesterday'), ETAG, MTIME), 200, 'an invalid date is ignored');
});

test('conditional: If-Modified-Since at one-second resolution, only for GET/HEAD, only without If-None-Match', () => {
  assert.equal(conditional('GET', h('if-modified-since', LM), ETAG, MTIME), 304);
  assert.equal(conditional('HEAD', h('if-modified-since', httpDate(MTIME + 60_000)), ETAG, MTIME), 304);
  assert.equal(conditional('GET', h('if-modified-since', httpDate(MTIME - 1000)), ETAG, MTIME), 200);
  assert.equal(conditional('POST', h('if-modified-since', LM), ETAG, MTIME), 200);
  assert.equal(conditional('GET', h('if-none-match', '"other"', 'if-modified-since', LM), ETAG, MTIME), 200, 'If-None-Match wins');
  assert.equal(conditional('GET', h('if-none-match', ETAG, 'if-modified-since', httpDate(MTIME - 5000)), ETAG, MTIME), 304);
  assert.equal(conditional('GET', h('if-modified-since', `${LM}, ${LM}`), ETAG, MTIME), 200, 'two values: ignored');
  assert.equal(conditional('GET', h('if-modified-since', 'Sunday, 06-Nov-94 08:49:37 GMT'), ETAG, MTIME), 200);
  assert.equal(conditional('GET', h('if-modified-since', 'Wed May  1 12:00:00 2024'), ETAG, MTIME), 304, 'asctime form');
});

const range = (r: string, size = 10000, extra: string[] = []): RangeResult => byteRange('GET', h('range', r, ...extra), size, ETAG, MTIME);
const part = (start: number, end: number): RangeResult => ({ kind: 'partial', start, end });

test('byte ranges: the RFC 9110 §14.1.2 examples on 10,000 bytes', () => {
  assert.deepEqual(range('bytes=0-499'), part(0, 499));
  assert.deepEqual(range('bytes=500-999'), part(500, 999));
  assert.deepEqual(range('bytes=-500'), part(9500, 9999));
  assert.deepEqual(range('bytes=9500-'), part(9500, 9999));
  assert.deepEqual(range('bytes=0-0,-1'), { kind: 'full' }, 'two ranges that do not touch: no multipart, the whole');
  assert.deepEqual(range('bytes=500-600,601-999'), part(500, 999), 'adjacent ranges coalesce');
  assert.deepEqual(range('bytes=500-700,601-999'), part(500, 999), 'overlapping ranges coalesce');
  assert.deepEqual(range('bytes=601-999, 500-600'), part(500, 999), 'in any order');
});

test('byte ranges: clamping, suffixes longer than the file, case and whitespace', () => {
  assert.deepEqual(range('bytes=0-99999'), part(0, 9999));
  assert.deepEqual(range('bytes=9999-9999'), part(9999, 9999));
  assert.deepEqual(range('bytes=-20000'), part(0, 9999));
  assert.deepEqual(range('bytes=0-'), part(0, 9999));
  assert.deepEqual(range('Bytes=1-2'), part(1, 2));
  assert.deepEqual(range('bytes= 0-1 , 2-4 ,'), part(0, 4));
  assert.deepEqual(range('bytes=0-1,20000-30000'), part(0, 1), 'an unsatisfiable range beside a satisfiable one is dropped');
  assert.deepEqual(range('bytes=0-99999999999999999999'), part(0, 9999));
});

test('byte ranges: unsatisfiable ranges give 416; invalid ones are ignored', () => {
  for (const r of ['bytes=10000-', 'bytes=10000-10001', 'bytes=-0', 'bytes=20000-,30000-']) assert.deepEqual(range(r), { kind: 'unsatisfiable' }, r);
  assert.deepEqual(range('bytes=0-', 0), { kind: 'unsatisfiable' });
  assert.deepEqual(range('bytes=-5', 0), { kind: 'unsatisfiable' });
  for (const r of ['bytes=5-1', 'bytes=abc', 'bytes=', 'bytes=,', 'bytes 0-1', 'items=0-1', 'bytes=0-1;', 'bytes=1', 'bytes=--1', 'bytes=-', 'bytes=1-2-3', 'bytes=0x1-2', '=0-1']) {
    assert.deepEqual(range(r), { kind: 'full' }, r);
  }
  const many = `bytes=${Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i}-${i}`).join(',')}`;
  assert.deepEqual(range(many), { kind: 'full' }, 'too many ranges: ignored');
  assert.deepEqual(range(`bytes=${Array.from({ length: MAX_RANGES }, (_, i) => `${i}-${i}`).join(',')}`), part(0, MAX_RANGES - 1));
});

test('byte ranges: only GET, and If-Range must match strongly or by the exact date', () => {
  assert.deepEqual(byteRange('HEAD', h('range', 'bytes=0-1'), 10, ETAG, MTIME), { kind: 'full' });
  assert.deepEqual(byteRange('POST', h('range', 'bytes=0-1'), 10, ETAG, MTIME), { kind: 'full' });
  assert.deepEqual(byteRange('GET', h(), 10, ETAG, MTIME), { kind: 'full' });
  assert.deepEqual(range('bytes=0-1', 10, ['if-range', ETAG]), part(0, 1));
  assert.deepEqual(range('bytes=0-1', 10, ['if-range', '"other"']), { kind: 'full' });
  assert.deepEqual(range('bytes=0-1', 10, ['if-range', `W/${ETAG}`]), { kind: 'full' }, 'a weak tag never matches');
  assert.deepEqual(byteRange('GET', h('range', 'bytes=0-1', 'if-range', `W/${ETAG}`), 10, `W/${ETAG}`, MTIME), { kind: 'full' });
  assert.deepEqual(range('bytes=0-1', 10, ['if-range', LM]), part(0, 1));
  assert.deepEqual(range('bytes=0-1', 10, ['if-range', httpDate(MTIME + 1000)]), { kind: 'full' });
  assert.deepEqual(range('bytes=0-1', 10, ['if-range', 'not a date']), { kind: 'full' });
  assert.deepEqual(range('bytes=50-', 10, ['if-range', '"other"']), { kind: 'full' }, 'a failed If-Range even hides a 416');
});
