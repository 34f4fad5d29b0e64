/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// Response heads (exact bytes, the fit boundary, refused names and values) and HTTP dates: the
// RFC 9110 §5.6.7 examples in all three forms, agreement with Date's own UTC formatting, round
// trips, invalid dates, the two-digit-year rule, and the once-a-second cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateCache, HttpHeadError, STATUS_TEXT, head, httpDate, parseHttpDate, writeHead } from './http-response.ts';

const text = (b: Uint8Array): string => String.fromCharCode(...b);
const SUN = 784111777000; // Sun, 06 Nov 1994 08:49:37 GMT

test('writeHead writes the status line, the fields in order and the blank line, nothing more', () => {
  const out = new Uint8Array(100).fill(0xee);
  const n = writeHead(out, 3, 200, ['Content-Length', '5', 'X-Tab', 'a\tb', 'X-Latin', 'caf\xe9']);
  const want = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Tab: a\tb\r\nX-Latin: caf\xe9\r\n\r\n';
  assert.equal(n, want.length);
  assert.equal(text(out.subarray(3, 3 + n)), want);
  assert.deepEqual([out[2], out[3 + n]], [0xee, 0xee], 'nothing written outside the head');
  assert.equal(text(head(404, [])), 'HTTP/1.1 404 Not Found\r\n\r\n');
  assert.equal(text(head(599, ['A', ''])), 'HTTP/1.1 599 \r\nA: \r\n\r\n', 'an unknown status has an empty reason');
  const o = new Uint8Array(64);
  assert.deepEqual(head(206, ['Content-Range', 'bytes 0-1/2']), o.slice(0, writeHead(o, 0, 206, ['Content-Range', 'bytes 0-1/2'])));
});

test('writeHead answers -1 when the head does not fit, at the exact boundary', () => {
  const h = ['Date', 'Sun, 06 Nov 1994 08:49:37 GMT'];
  const size = head(200, h).length;
  assert.equal(writeHead(new Uint8Array(size + 10), 10, 200, h), size);
  assert.equal(writeHead(new Uint8Array(size + 9), 10, 200, h), -1);
  assert.equal(writeHead(new Uint8Array(size), -1, 200, h), -1);
});

test('names that are not tokens, values with CR, LF or other controls, bad statuses throw with a code', () => {
  const code = (f: () => unknown): string => {
    try { f(); } catch (e) { assert.ok(e instanceof HttpHeadError); return e.code; }
    return 'no error';
  };
  const out = new Uint8Array(256);
  assert.equal(code(() => writeHead(out, 0, 200, ['X', 'a\r\nSet-Cookie: x=1'])), 'E_HTTP_HEADER_VALUE');
  assert.equal(code(() => writeHead(out, 0, 200, ['X', 'a\nb'])), 'E_HTTP_HEADER_VALUE');
  assert.equal(code(() => writeHead(out, 0, 200, ['X', 'a\x00'])), 'E_HTTP_HEADER_VALUE');
  assert.equal(code(() => writeHead(out, 0, 200, ['X', 'a\x7f'])), 'E_HTTP_HEADER_VALUE');
  assert.equal(code(() => head(200, ['X', 'snow \u2603'])), 'E_HTTP_HEADER_VALUE');
  assert.equal(code(() => head(200, ['Bad Name', 'v'])), 'E_HTTP_HEADER_NAME');
  assert.equal(code(() => head(200, ['X:', 'v'])), 'E_HTTP_HEADER_NAME');
  assert.equal(code(() => head(200, ['', 'v'])), 'E_HTTP_HEADER_NAME');
  assert.equal(code(() => head(200, ['X'])), 'E_HTTP_HEADER_VALUE');
  assert.equal(code(() => head(99, [])), 'E_HTTP_STATUS');
  assert.equal(code(() => head(200.5, [])), 'E_HTTP_STATUS');
  assert.equal(code(() => httpDate(Number.NaN)), 'E_HTTP_DATE');
});

test('STATUS_TEXT names the statuses the server sends', () => {
  for (const s of [200, 206, 301, 304, 400, 403, 404, 405, 408, 412, 413, 414, 416, 431, 500, 501, 502, 503, 505]) {
    assert.ok((STATUS_TEXT[s] ?? '').length > 0, String(s));
  }
  assert.deepEqual([STATUS_TEXT[416], STATUS_TEXT[431]], ['Range Not Satisfiable', 'Request Header Fields Too Large']);
});

test('httpDate is IMF-fixdate, and agrees with Date.toUTCString over years 0 to 9999', () => {
  assert.equal(httpDate(SUN), 'Sun, 06 Nov 1994 08:49:37 GMT');
  assert.equal(httpDate(SUN + 999), 'Sun, 06 Nov 1994 08:49:37 GMT', 'milliseconds are dropped, not rounded');
  assert.equal(httpDate(0), 'Thu, 01 Jan 1970 00:00:00 GMT');
  assert.equal(httpDate(-1), 'Wed, 31 Dec 1969 23:59:59 GMT');
  assert.equal(httpDate(Date.UTC(2000, 1, 29, 23, 59, 59)), 'Tue, 29 Feb 2000 23:59:59 GMT');
  let seed = 12345;
  const lo = new Date(0).setUTCFullYear(0, 0, 1);
  const hi = Date.UTC(9999, 11, 31, 23, 59, 59);
  for (let i = 0; i < 5000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const ms = Math.floor(lo + (seed / 2147483648) * (hi - lo));
    const t = ms;
    assert.equal(httpDate(t), new Date(t).toUTCString(), String(t));
    assert.equal(parseHttpDate(httpDate(t)), Math.floor(t / 1000) * 1000, String(t));
  }
});

test('parseHttpDate reads the three forms RFC 9110 requires, and nothing else', () => {
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), SUN);
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), SUN);
  assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), SUN);
  assert.equal(parseHttpDate('Thu Nov 16 08:49:37 1994'), SUN + 10 * 86_400_000);
  assert.equal(parseHttpDate('Tue, 29 Feb 2000 00:00:00 GMT'), Date.UTC(2000, 1, 29));
  for (const bad of ['', 'Sun, 06 Nov 1994 08:49:37 UTC', 'sun, 06 Nov 1994 08:49:37 GMT', 'Sun, 06 nov 1994 08:49:37 GMT',
    'Sun,  6 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 8:49:37 GMT ', 'Sun, 06 Nov 1994 24:00:00 GMT', 'Sun, 06 Nov 1994 08:60:00 GMT',
    'Thu, 29 Feb 1900 00:00:00 GMT', 'Mon, 31 Apr 2024 00:00:00 GMT', 'Sun, 00 Nov 1994 08:49:37 GMT', 'Xyz, 06 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT', 'Sun Nov 6 08:49:37 1994', 'Sunday, 06-Nov-1994 08:49:37 GMT',
    'Sun, 06-Nov-94 08:49:37 GMT', '1994-11-06T08:49:37Z', '784111777']) {
    assert.ok(Number.isNaN(parseHttpDate(bad)), bad);
  }
});

test('RFC 850 two-digit years: 50 years ahead of now means the century before', () => {
  const now = Date.UTC(2030, 0, 1);
  assert.equal(parseHttpDate('Monday, 01-Jan-80 00:00:00 GMT', now), Date.UTC(2080, 0, 1));
  assert.equal(parseHttpDate('Tuesday, 01-Jan-81 00:00:00 GMT', now), Date.UTC(1981, 0, 1));
  assert.equal(parseHttpDate('Thursday, 01-Jan-70 00:00:00 GMT'), 0, 'without now: 1970 to 2069');
  assert.equal(parseHttpDate('Saturday, 01-Jan-00 00:00:00 GMT'), Date.UTC(2000, 0, 1));
});

test('DateCache recomputes once per second', () => {
  const c = new DateCache();
  const a = c.get(SUN + 10);
  assert.equal(a, httpDate(SUN));
  assert.equal(c.get(SUN + 999), a);
  assert.equal(c.get(SUN + 1000), 'Sun, 06 Nov 1994 08:49:38 GMT');
  assert.equal(c.get(SUN + 500), a, 'going back is fine too');
});
