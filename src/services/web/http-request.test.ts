/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// The request parser: whole, byte by byte and pipelined; every refusal with its status and code at
// its exact limit; chunked bodies; and a table of raw requests compared with Node's own parser
// (llhttp, through a node:http server on 127.0.0.1), where each deliberate difference is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { MAX_TARGET_BYTES, RequestParser, type HttpRequest, type Limits, type Parsed } from './http-request.ts';

const LIMITS: Limits = { maxHeaderBytes: 16 * 1024, maxBodyBytes: 1024 * 1024 };
const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const dec = (b: Uint8Array): string => String.fromCharCode(...b);

/** Everything `raw` parses to, pushed in pieces of `piece` bytes (whole when 0), until 'more' or an error. */
function parse(raw: string, limits: Limits = LIMITS, piece = 0): Parsed[] {
  const p = new RequestParser(limits);
  const bytes = enc(raw);
  const out: Parsed[] = [];
  const drain = (): boolean => {
    for (;;) {
      const r = p.next();
      if (r.kind === 'more') return true;
      out.push(r);
      if (r.kind === 'error') return false;
    }
  };
  if (piece === 0) { p.push(bytes); drain(); return out; }
  for (let i = 0; i < bytes.length; i += piece) { p.push(bytes, i, Math.min(bytes.length, i + piece)); if (!drain()) break; }
  return out;
}

function one(raw: string, limits: Limits = LIMITS): HttpRequest {
  const r = parse(raw, limits);
  assert.equal(r.length, 1, JSON.stringify(r));
  const p = r[0];
  assert.ok(p !== undefined && p.kind === 'request', JSON.stringify(p));
  return p.request;
}

function refused(raw: string, status: number, code: string, limits: Limits = LIMITS): void {
  for (const piece of [0, 1, 7]) {
    const r = parse(raw, limits, piece);
    const last = r[r.length - 1];
    assert.ok(last !== undefined && last.kind === 'error', `${JSON.stringify(raw.slice(0, 80))} (piece ${piece}): ${JSON.stringify(r)}`);
    assert.deepEqual([last.status, last.code], [status, code], last.reason);
  }
}

const GET = 'GET /index.html?a=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n';

test('a GET request: fields, lower-case names, trimmed values, head size', () => {
  const r = one(GET);
  assert.deepEqual([r.method, r.target, r.path, r.query, r.version, r.keepAlive, r.expectContinue], ['GET', '/index.html?a=1', '/index.html', 'a=1', 11, true, false]);
  assert.deepEqual([...r.headers], [['host', 'example.com'], ['user-agent', 't'], ['accept', '*/*']]);
  assert.equal(r.body.length, 0);
  assert.equal(r.headBytes, GET.length);
  const v = one('GET / HTTP/1.1\r\nHost: h\r\nX-A:  \t spaced out \t\r\nX-Empty:\r\nx-a: again\r\n\r\n');
  assert.equal(v.headers.get('x-a'), 'spaced out, again');
  assert.equal(v.headers.get('x-empty'), '');
  const many = one(`GET / HTTP/1.1\r\nHost: h\r\n${Array.from({ length: 150 }, (_, i) => `X-${i}: ${i}\r\n`).join('')}\r\n`);
  assert.deepEqual([many.headers.size, many.headers.get('x-149')], [151, '149']);
});

test('fed one byte at a time, or in any split, the same request comes out', () => {
  const whole = one(GET);
  for (const piece of [1, 2, 3, 5, 13, 64]) {
    const r = parse(GET, LIMITS, piece);
    assert.equal(r.length, 1);
    assert.deepEqual(r[0], { kind: 'request', request: whole });
  }
  const p = new RequestParser(LIMITS);
  const b = enc(GET);
  assert.deepEqual([p.inHead, p.inBody, p.pending], [false, false, 0]);
  p.push(b, 0, 10);
  assert.equal(p.next().kind, 'more');
  assert.deepEqual([p.inHead, p.inBody, p.pending], [true, false, 10]);
  p.push(b, 10);
  assert.equal(p.next().kind, 'request');
  assert.deepEqual([p.inHead, p.inBody, p.pending], [false, false, 0]);
});

test('pipelined requests in one piece come out one per call, bodies and all', () => {
  const raw = `${GET}POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloPUT /c HTTP/1.1\r\nHost: h\r\n`
    + 'Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHEAD / HTTP/1.0\r\n\r\nGET /par';
  for (const piece of [0, 1, 9]) {
    const p = new RequestParser(LIMITS);
    const b = enc(raw);
    const got: string[] = [];
    for (let i = 0; i < b.length; i += piece || b.length) {
      p.push(b, i, Math.min(b.length, i + (piece || b.length)));
      for (let r = p.next(); r.kind === 'request'; r = p.next()) got.push(`${r.request.method} ${r.request.path} ${dec(r.request.body)}`);
    }
    assert.deepEqual(got, ['GET /index.html ', 'POST /form hello', 'PUT /c abc', 'HEAD / '], `piece ${piece}`);
    assert.deepEqual([p.pending, p.inHead, p.inBody], [8, true, false]);
  }
});

test('bodies: Content-Length waits in the body, the body is a copy, push takes a range', () => {
  const p = new RequestParser(LIMITS);
  const chunk = enc('xxPOST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab');
  p.push(chunk, 2);
  assert.equal(p.next().kind, 'more');
  assert.deepEqual([p.inHead, p.inBody], [false, true]);
  chunk.fill(0);
  const rest = enc('cdyy');
  p.push(rest, 0, 2);
  const r = p.next();
  assert.ok(r.kind === 'request');
  rest.fill(0);
  p.push(enc('GET / HTTP/1.1\r\nHost: h\r\n\r\n'));
  assert.equal(p.next().kind, 'request');
  assert.equal(dec(r.request.body), 'abcd');
  assert.equal(r.request.body.buffer.byteLength, 4);
});

test('a large body grows the buffer, and small requests still parse after it', () => {
  const big = 'x'.repeat(300_000);
  const r = parse(`POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: ${big.length}\r\n\r\n${big}${GET}`, LIMITS, 4096);
  assert.equal(r.length, 2);
  assert.ok(r[0]?.kind === 'request' && r[0].request.body.length === big.length && r[1]?.kind === 'request');
});

test('a repeated header block is reused: same map, new request line, version rules still applied', () => {
  const p = new RequestParser(LIMITS);
  const next = (raw: string): Parsed => { p.push(enc(raw)); return p.next(); };
  const block = 'Host: h\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n';
  const a = next(`POST /a HTTP/1.1\r\n${block}xy`);
  const b = next(`PUT /b%20c?q HTTP/1.1\r\n${block}zw`);
  assert.ok(a.kind === 'request' && b.kind === 'request');
  assert.equal(b.request.headers, a.request.headers, 'the very same map');
  assert.deepEqual([b.request.method, b.request.path, b.request.query, dec(b.request.body), b.request.headBytes], ['PUT', '/b c', 'q', 'zw', 'PUT /b%20c?q HTTP/1.1\r\n'.length + block.length]);
  const other = new RequestParser(LIMITS);
  other.push(enc(`GET /o HTTP/1.1\r\n${block}..`));
  const o = other.next();
  assert.ok(o.kind === 'request' && o.request.headers === a.request.headers, 'shared by the parsers of a process');
  const secret = 'Host: h\r\nCookie: session=s3cr3t\r\n\r\n';
  const s1 = next(`GET /1 HTTP/1.1\r\n${secret}`), s2 = next(`GET /2 HTTP/1.1\r\n${secret}`);
  other.push(enc(`GET /3 HTTP/1.1\r\n${secret}`));
  const s3 = other.next();
  assert.ok(s1.kind === 'request' && s2.kind === 'request' && s3.kind === 'request');
  assert.equal(s2.request.headers, s1.request.headers, 'a block with credentials is reused on its own connection');
  assert.notEqual(s3.request.headers, s1.request.headers, 'but never shared with another parser');
  assert.equal(s3.request.headers.get('cookie'), 'session=s3cr3t');
  const c = next(`GET /c HTTP/1.0\r\n${block}..`);
  assert.ok(c.kind === 'request' && c.request.keepAlive && c.request.version === 10 && c.request.headers === a.request.headers);
  const noHost = 'Connection: close\r\n\r\n';
  const d = next(`GET / HTTP/1.0\r\n${noHost}`);
  assert.ok(d.kind === 'request' && !d.request.keepAlive && d.request.headers !== a.request.headers);
  const e = next(`GET / HTTP/1.1\r\n${noHost}`);
  assert.ok(e.kind === 'error' && e.code === 'E_HTTP_HOST', 'the same block under HTTP/1.1 lacks Host');
  const q = new RequestParser(LIMITS);
  const first = `GET /1 HTTP/1.1\r\n${block}ab`;
  q.push(enc(first));
  assert.equal(q.next().kind, 'request');
  const bad = enc(`GET /../x HTTP/1.1\r\n${block}ab`);
  q.push(bad, 0, 30);
  assert.equal(q.next().kind, 'more', 'a block not all there yet is scanned as usual');
  q.push(bad, 30);
  const f = q.next();
  assert.ok(f.kind === 'error' && f.code === 'E_HTTP_PATH', 'the request line is still checked');
  const r = new RequestParser({ maxHeaderBytes: 64, maxBodyBytes: 10 });
  r.push(enc('GET / HTTP/1.1\r\nHost: h\r\nX: 1\r\n\r\n'));
  assert.equal(r.next().kind, 'request');
  r.push(enc(`GET /${'l'.repeat(40)} HTTP/1.1\r\nHost: h\r\nX: 1\r\n\r\n`));
  const g = r.next();
  assert.ok(g.kind === 'error' && g.status === 431, 'the head limit still holds with a reused block');
});

test('random pipelined heads in random pieces parse as each does alone in a fresh parser', () => {
  let seed = 7;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const lines = ['Accept: */*', 'X-A: 1', 'x-a: 2', 'Connection: close', 'Connection: keep-alive', 'Expect: 100-continue', 'User-Agent: t'];
  const heads: string[] = [];
  for (let i = 0; i < 300; i++) {
    const fields = [['Host: h', 'Host: other'][rnd(2)] as string, ...Array.from({ length: rnd(4) }, () => lines[rnd(lines.length)] as string)];
    if (rnd(3) === 0) fields.push(['Content-Length: 3', 'Transfer-Encoding: chunked'][rnd(2)] as string);
    const body = fields.includes('Transfer-Encoding: chunked') ? '3\r\nabc\r\n0\r\n\r\n' : fields.includes('Content-Length: 3') ? 'xyz' : '';
    heads.push(`${['GET', 'POST', 'PUT'][rnd(3)]} ${['/', '/a/../b', '/%41?q', '/x.html'][rnd(4)]} HTTP/1.${rnd(2)}\r\n${fields.join('\r\n')}\r\n\r\n${body}`);
  }
  const strip = (r: Parsed | undefined): unknown => (r?.kind === 'request' ? { ...r.request, headers: [...r.request.headers], body: dec(r.request.body) } : r);
  const alone = heads.map((h) => strip(parse(h)[0]));
  const p = new RequestParser(LIMITS);
  const all = enc(heads.join(''));
  let at = 0;
  let k = 0;
  while (at < all.length) {
    const n = 1 + rnd(200);
    p.push(all, at, Math.min(all.length, at + n));
    at += n;
    for (let r = p.next(); r.kind !== 'more'; r = p.next()) {
      assert.ok(r.kind === 'request');
      assert.deepEqual(strip(r), alone[k], `head ${k}: ${JSON.stringify(heads[k])}`);
      k++;
    }
  }
  assert.equal(k, heads.length);
});

test('empty lines before a request line are ignored; bare LF ends lines', () => {
  assert.equal(one(`\r\n\n\r\n${GET}`).path, '/index.html');
  const r = parse(`${GET}\r\n${GET}`);
  assert.deepEqual(r.map((x) => x.kind), ['request', 'request']);
  const lf = one('GET /x HTTP/1.1\nHost: h\nX-A: 1\n\n');
  assert.deepEqual([lf.path, lf.headers.get('x-a'), lf.headBytes], ['/x', '1', 32]);
  const p = new RequestParser(LIMITS);
  p.push(enc('\r\n'));
  assert.equal(p.next().kind, 'more');
  assert.deepEqual([p.pending, p.inHead], [0, false]);
});

test('keep-alive and Expect follow the version and the Connection tokens', () => {
  const ka = (v: string, conn: string | null): boolean => one(`GET / HTTP/${v}\r\nHost: h\r\n${conn === null ? '' : `Connection: ${conn}\r\n`}\r\n`).keepAlive;
  assert.deepEqual([ka('1.1', null), ka('1.1', 'close'), ka('1.1', 'Upgrade, Close'), ka('1.1', 'closed'), ka('1.1', 'keep-alive')], [true, false, false, true, true]);
  assert.deepEqual([ka('1.0', null), ka('1.0', 'Keep-Alive'), ka('1.0', 'foo , keep-alive'), ka('1.0', 'keep-alive, close')], [false, true, true, false]);
  assert.equal(one('POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n').keepAlive, false);
  assert.equal(one('GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n\r\n').expectContinue, true);
  assert.equal(one('GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n').expectContinue, false);
  const p = new RequestParser(LIMITS);
  p.push(enc('PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n'));
  assert.equal(p.next().kind, 'more');
  assert.equal(p.wantsContinue, true);
  p.continueSent();
  assert.equal(p.wantsContinue, false);
  p.push(enc('abc'));
  const r = p.next();
  assert.ok(r.kind === 'request' && r.request.expectContinue && dec(r.request.body) === 'abc');
});

test('paths are percent-decoded as UTF-8 with dot segments resolved; the query stays raw', () => {
  const path = (t: string): string => one(`GET ${t} HTTP/1.1\r\nHost: h\r\n\r\n`).path;
  assert.equal(path('/caf%C3%A9/%E2%82%AC%F0%9F%98%80'), '/café/€😀');
  assert.equal(path('/a/./b/../c'), '/a/c');
  assert.equal(path('/a/b/..'), '/a/');
  assert.equal(path('/a/.'), '/a/');
  assert.equal(path('/a/%2e%2E/'), '/');
  assert.equal(path('/a//b'), '/a//b');
  assert.equal(path('/.well-known/x'), '/.well-known/x');
  assert.equal(path('/a%20b%25'), '/a b%');
  const q = one('GET /s%41?q=%2F..%00 HTTP/1.1\r\nHost: h\r\n\r\n');
  assert.deepEqual([q.path, q.query, q.target], ['/sA', 'q=%2F..%00', '/s%41?q=%2F..%00']);
  for (const t of ['/..', '/a/../..', '/%2e%2e/x', '/a/%2E./../..', '/a%2Fb', '/a%00', '/%zz', '/a%4', '/%C3', '/%C0%AF', '/%ED%A0%80', '/%01']) {
    refused(`GET ${t} HTTP/1.1\r\nHost: h\r\n\r\n`, 400, 'E_HTTP_PATH');
  }
});

test('target forms: origin, absolute (for proxies), OPTIONS *; anything else is 400', () => {
  const abs = one('GET http://example.com:8080/p/q?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n');
  assert.deepEqual([abs.path, abs.query, abs.target], ['/p/q', 'x=1', 'http://example.com:8080/p/q?x=1']);
  assert.deepEqual([one('GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n').path, one('GET http://h?y HTTP/1.1\r\nHost: h\r\n\r\n').query], ['/', 'y']);
  const star = one('OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n');
  assert.deepEqual([star.target, star.path, star.query], ['*', '/', '']);
  for (const t of ['*', 'example.com:443', 'ftp://h/x', 'http:///x', 'index.html', '/a#frag', '/caf\xc3\xa9', '/a\tb']) {
    refused(`GET ${t} HTTP/1.1\r\nHost: h\r\n\r\n`, 400, 'E_HTTP_TARGET');
  }
});

test('malformed heads are 400 with a code naming the fault', () => {
  const cases: [string, string][] = [
    ['GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n', 'E_HTTP_HEADER'],
    ['GET / HTTP/1.1\r\n Host: h\r\n\r\n', 'E_HTTP_HEADER'],
    ['GET / HTTP/1.1\r\nHost : h\r\n\r\n', 'E_HTTP_HEADER'],
    ['GET / HTTP/1.1\r\nHost: h\r\nX(A): 1\r\n\r\n', 'E_HTTP_HEADER'],
    ['GET / HTTP/1.1\r\nHost: h\r\n: 1\r\n\r\n', 'E_HTTP_HEADER'],
    ['GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n', 'E_HTTP_HEADER'],
    ['GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01b\r\n\r\n', 'E_HTTP_CONTROL_CHAR'],
    ['GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fb\r\n\r\n', 'E_HTTP_CONTROL_CHAR'],
    ['GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x00\r\n\r\n', 'E_HTTP_CONTROL_CHAR'],
    ['GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n', 'E_HTTP_BARE_CR'],
    ['G@T / HTTP/1.1\r\nHost: h\r\n\r\n', 'E_HTTP_METHOD'],
    [' GET / HTTP/1.1\r\nHost: h\r\n\r\n', 'E_HTTP_METHOD'],
    ['GET\r\nHost: h\r\n\r\n', 'E_HTTP_REQUEST_LINE'],
    ['GET /\r\nHost: h\r\n\r\n', 'E_HTTP_REQUEST_LINE'],
    ['GET  / HTTP/1.1\r\nHost: h\r\n\r\n', 'E_HTTP_REQUEST_LINE'],
    ['GET / http/1.1\r\nHost: h\r\n\r\n', 'E_HTTP_REQUEST_LINE'],
    ['GET / HTTP/1.1 \r\nHost: h\r\n\r\n', 'E_HTTP_REQUEST_LINE'],
    ['GET / HTTP/1.10\r\nHost: h\r\n\r\n', 'E_HTTP_REQUEST_LINE'],
    ['GET / HTTP/1.1\r\n\r\n', 'E_HTTP_HOST'],
    ['GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'E_HTTP_HOST'],
    ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 'E_HTTP_FRAMING'],
    ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', 'E_HTTP_FRAMING'],
  ];
  for (const cl of ['abc', '-1', '+1', '1 2', '1,1', '0x10', '']) cases.push([`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${cl}\r\n\r\n`, 'E_HTTP_CONTENT_LENGTH']);
  cases.push(['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 'E_HTTP_CONTENT_LENGTH']);
  for (const [raw, code] of cases) refused(raw, 400, code);
  const dup = one('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\ncontent-length: 02\r\n\r\nab');
  assert.deepEqual([dec(dup.body), dup.headers.get('content-length')], ['ab', '2']);
  assert.equal(one('GET / HTTP/1.0\r\n\r\n').version, 10);
});

test('unsupported transfer codings are 501, other versions 505', () => {
  for (const te of ['gzip', 'gzip, chunked', 'chunked, chunked', 'identity']) {
    refused(`POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ${te}\r\n\r\n`, 501, 'E_HTTP_TRANSFER_ENCODING');
  }
  assert.equal(dec(one('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n').body), 'z');
  for (const v of ['2.0', '1.2', '0.9', '3.0']) refused(`GET / HTTP/${v}\r\nHost: h\r\n\r\n`, 505, 'E_HTTP_VERSION');
});

test('head limit: exactly maxHeaderBytes passes, one more is 431, even before the blank line', () => {
  const limits = { maxHeaderBytes: 200, maxBodyBytes: 100 };
  const base = 'GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ';
  const exact = `${base}${'p'.repeat(200 - base.length - 4)}\r\n\r\n`;
  assert.equal(exact.length, 200);
  assert.equal(one(exact, limits).headBytes, 200);
  refused(`${base}${'p'.repeat(200 - base.length - 3)}\r\n\r\n`, 431, 'E_HTTP_HEAD_TOO_LARGE', limits);
  const p = new RequestParser(limits);
  p.push(enc(`${base}${'p'.repeat(200)}`));
  const r = p.next();
  assert.ok(r.kind === 'error' && r.status === 431);
  assert.deepEqual(p.next(), r, 'the error stays');
  assert.deepEqual([p.inHead, p.inBody], [false, false]);
  assert.deepEqual(parse(`\r\n\r\n${exact}`, limits).map((x) => x.kind), ['request'], 'leading empty lines do not count');
});

test('target limit: 8 KiB passes, one more byte is 414, even before the line ends', () => {
  const t = (n: number): string => `/${'a'.repeat(n - 1)}`;
  assert.equal(one(`GET ${t(MAX_TARGET_BYTES)} HTTP/1.1\r\nHost: h\r\n\r\n`).path.length, MAX_TARGET_BYTES);
  refused(`GET ${t(MAX_TARGET_BYTES + 1)} HTTP/1.1\r\nHost: h\r\n\r\n`, 414, 'E_HTTP_URI_TOO_LONG');
  const p = new RequestParser(LIMITS);
  p.push(enc(`GET ${t(MAX_TARGET_BYTES + 1)}`));
  assert.deepEqual([p.next().kind, p.next().kind], ['error', 'error']);
  refused(`GET ${t(300)} HTTP/1.1\r\nHost: h\r\n\r\n`, 414, 'E_HTTP_URI_TOO_LONG', { maxHeaderBytes: 256, maxBodyBytes: 10 });
});

test('body limit: Content-Length is judged right after the head, chunked as the sizes arrive', () => {
  const limits = { maxHeaderBytes: 1024, maxBodyBytes: 10 };
  assert.equal(one(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n${'b'.repeat(10)}`, limits).body.length, 10);
  refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n', 413, 'E_HTTP_BODY_TOO_LARGE', limits);
  refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n', 413, 'E_HTTP_BODY_TOO_LARGE', limits);
  const chunked = (sizes: number[]): string => `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n${sizes.map((n) => `${n.toString(16)}\r\n${'c'.repeat(n)}\r\n`).join('')}0\r\n\r\n`;
  assert.equal(one(chunked([4, 6]), limits).body.length, 10);
  refused(chunked([4, 7]), 413, 'E_HTTP_BODY_TOO_LARGE', limits);
  refused(`POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(5000)}\r\n`, 413, 'E_HTTP_CHUNK_LINE_TOO_LONG');
});

test('chunked bodies: extensions, trailers, hex sizes, bare LF, any split', () => {
  const raw = 'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'
    + '5 ; name=value;flag\r\nhello\r\nA\r\n0123456789\r\n00b;q="a b"\nabcdefghijk\n0\r\nX-Sum: 1\r\nX-Other: two\r\n\r\n';
  for (const piece of [0, 1, 3, 17]) {
    const r = parse(raw, LIMITS, piece);
    assert.equal(r.length, 1, `piece ${piece}`);
    assert.ok(r[0]?.kind === 'request');
    assert.equal(dec(r[0].request.body), 'hello0123456789abcdefghijk');
    assert.equal(r[0].request.headers.has('x-sum'), false, 'trailers are ignored');
  }
  const bad = (chunks: string): void => refused(`POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}`, 400, 'E_HTTP_CHUNK');
  bad('zz\r\n\r\n');
  bad(';x\r\n\r\n');
  bad('3 x\r\nabc\r\n0\r\n\r\n');
  bad('3\r\nabcX\r\n0\r\n\r\n');
  bad('3\r\nabc\r\n0\r\nnot a field\r\n\r\n');
  bad('3;a\x01\r\nabc\r\n0\r\n\r\n');
  refused(`POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ${'t'.repeat(300)}\r\n\r\n`, 431, 'E_HTTP_TRAILERS_TOO_LARGE', { maxHeaderBytes: 256, maxBodyBytes: 10 });
});

// Node's llhttp as the reference: each raw request goes to a node:http server on a connection of
// its own; `node` is what Node does where it differs from Sing (with the reason), else the same.
interface Row { readonly name: string; readonly raw: string; readonly sing: 'accept' | number; readonly node?: 'accept' | 'reject'; readonly why?: string }
const TABLE: readonly Row[] = [
  { name: 'simple', raw: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', sing: 'accept' },
  { name: 'query', raw: 'GET /a/b?c=d&e HTTP/1.1\r\nHost: a\r\n\r\n', sing: 'accept' },
  { name: 'leading CRLF', raw: '\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', sing: 'accept' },
  { name: 'absolute-form', raw: 'GET http://example.com/p?q HTTP/1.1\r\nHost: example.com\r\n\r\n', sing: 'accept' },
  { name: 'OPTIONS *', raw: 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n', sing: 'accept' },
  { name: 'Content-Length body', raw: 'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello', sing: 'accept' },
  { name: 'chunked with ext and trailer', raw: 'POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n', sing: 'accept' },
  { name: 'repeated header', raw: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nX-A: 2\r\n\r\n', sing: 'accept' },
  { name: 'OWS and empty value', raw: 'GET / HTTP/1.1\r\nHost: a\r\nX-A:   v \t \r\nX-E:\r\n\r\n', sing: 'accept' },
  { name: 'HTTP/1.0 without Host', raw: 'GET / HTTP/1.0\r\n\r\n', sing: 'accept' },
  { name: 'obs-text in a value', raw: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xe9\r\n\r\n', sing: 'accept' },
  { name: 'escapes in the path', raw: 'GET /caf%C3%A9/%7Ex HTTP/1.1\r\nHost: a\r\n\r\n', sing: 'accept' },
  { name: 'raw UTF-8 in the target', raw: 'GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n', sing: 400 },
  { name: 'HTTP/1.1 without Host', raw: 'GET / HTTP/1.1\r\n\r\n', sing: 400 },
  { name: 'obs-fold', raw: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  2\r\n\r\n', sing: 400 },
  { name: 'space before colon', raw: 'GET / HTTP/1.1\r\nHost: a\r\nX-A : 1\r\n\r\n', sing: 400 },
  { name: 'bad method char', raw: 'G@T / HTTP/1.1\r\nHost: a\r\n\r\n', sing: 400 },
  { name: 'bad header name', raw: 'GET / HTTP/1.1\r\nHost: a\r\nX(A): 1\r\n\r\n', sing: 400 },
  { name: 'control char in value', raw: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n', sing: 400 },
  { name: 'DEL in value', raw: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x7fb\r\n\r\n', sing: 400 },
  { name: 'bare CR', raw: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n', sing: 400 },
  { name: 'Content-Length and chunked', raw: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', sing: 400 },
  { name: 'Content-Length not a number', raw: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n', sing: 400 },
  { name: 'conflicting Content-Length', raw: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', sing: 400 },
  { name: 'Transfer-Encoding gzip', raw: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', sing: 501, node: 'reject' },
  { name: 'HTTP/1.2', raw: 'GET / HTTP/1.2\r\nHost: a\r\n\r\n', sing: 505, node: 'reject' },
  { name: 'lower-case version', raw: 'GET / http/1.1\r\nHost: a\r\n\r\n', sing: 400 },
  { name: 'bad chunk size', raw: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n', sing: 400 },
  { name: 'chunk data without CRLF', raw: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n', sing: 400 },
  { name: 'tab in target', raw: 'GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n', sing: 400 },
  { name: 'authority-form', raw: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n', sing: 400, why: 'Node leaves CONNECT to a connect listener' },
  { name: 'bare LF after the request line', raw: 'GET /x HTTP/1.1\nHost: a\n\n', sing: 'accept', node: 'reject', why: 'bare LF line ends are accepted (RFC 9112 §2.2 allows it)' },
  { name: 'bare LF in the fields', raw: 'GET / HTTP/1.1\r\nHost: a\nX-A: 1\n\n', sing: 'accept', node: 'reject', why: 'bare LF line ends are accepted (RFC 9112 §2.2 allows it)' },
  { name: 'unknown method', raw: 'BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n', sing: 'accept', node: 'reject', why: 'llhttp knows a fixed method list; any token is a method (RFC 9110 §9.1)' },
  { name: 'equal Content-Length twice', raw: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab', sing: 'accept', node: 'reject', why: 'RFC 9110 §8.6 lets a recipient take them as one' },
  { name: 'gzip, chunked', raw: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', sing: 501, node: 'accept', why: 'Sing decodes no codings but chunked (RFC 9112 §6.1: 501)' },
  { name: 'HTTP/2.0 on HTTP/1 syntax', raw: 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', sing: 505, node: 'accept', why: 'only 1.0 and 1.1 are served' },
  { name: 'HTTP/0.9 request line', raw: 'GET /\r\nHost: a\r\n\r\n', sing: 400, node: 'accept', why: 'a version is required' },
  { name: 'two spaces', raw: 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', sing: 400, node: 'accept', why: 'strict single SP (RFC 9112 §3 allows either)' },
  { name: 'two Host fields', raw: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', sing: 400, node: 'accept', why: 'RFC 9112 §3.2: MUST respond 400' },
  { name: 'fragment in target', raw: 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n', sing: 400, node: 'accept', why: 'not in the request-target grammar' },
  { name: 'dot-dot above root', raw: 'GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n', sing: 400, node: 'accept', why: 'Node leaves paths to the app' },
  { name: '%2F in the path', raw: 'GET /a%2Fb HTTP/1.1\r\nHost: a\r\n\r\n', sing: 400, node: 'accept', why: 'Node leaves paths to the app' },
];

interface NodeSaw { readonly ok: boolean; readonly method?: string; readonly url?: string; readonly headers?: Record<string, string>; readonly body?: string }

test('cross-check with Node: the same raw requests, accepted or refused alike (differences named)', async () => {
  const seen: { saw: NodeSaw | null } = { saw: null };
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const n = (req.rawHeaders[i] as string).toLowerCase();
        headers[n] = n in headers ? `${headers[n]}, ${req.rawHeaders[i + 1]}` : (req.rawHeaders[i + 1] as string);
      }
      seen.saw = { ok: true, method: req.method as string, url: req.url as string, headers, body: Buffer.concat(parts).toString('latin1') };
      res.writeHead(200, { Connection: 'close' }).end();
    });
  });
  server.on('clientError', (_e, socket) => { seen.saw = { ok: false }; socket.destroy(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    for (const row of TABLE) {
      seen.saw = null;
      await new Promise<void>((resolve) => {
        const c = connect(port, '127.0.0.1', () => { c.write(Buffer.from(row.raw, 'latin1')); });
        const timer = setTimeout(() => c.destroy(), 2000);
        c.on('error', () => undefined);
        c.on('close', () => { clearTimeout(timer); resolve(); });
        c.resume();
      });
      const node: NodeSaw = seen.saw ?? { ok: false };
      const mine = parse(row.raw)[0];
      assert.ok(mine !== undefined && mine.kind !== 'more', row.name);
      assert.equal(mine.kind === 'request' ? 'accept' : mine.status, row.sing, `${row.name}: Sing`);
      assert.equal(node.ok ? 'accept' : 'reject', row.node ?? (row.sing === 'accept' ? 'accept' : 'reject'), `${row.name}: Node (${row.why ?? 'no difference expected'})`);
      if (mine.kind === 'request' && node.ok) {
        const r = mine.request;
        assert.deepEqual([r.method, r.target, dec(r.body)], [node.method, node.url, node.body], row.name);
        assert.deepEqual(Object.fromEntries(r.headers), node.headers, row.name);
      }
    }
  } finally {
    server.close();
  }
});
