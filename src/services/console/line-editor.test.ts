/* eslint-disable no-restricted-imports -- a unit test of the console driver's line discipline runs on the host, with node's test runner */
// The console driver's line discipline: editing keys, history, a script's text, input split
// anywhere (an escape sequence cut in two), and input past a finished line left for the next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HISTORY, LineEditor } from './line-editor.ts';

/** Feeds `keys` from a fresh line; the finished line and what is left over. */
function type(e: LineEditor, keys: string): { line: string | null | undefined; rest: string; draw: string } {
  e.begin('$ ');
  const f = e.feed(keys);
  return { line: f.line, rest: keys.slice(f.used), draw: f.draw };
}

test('editing keys move the cursor and change the line', () => {
  const e = new LineEditor(true);
  assert.equal(type(e, 'helo\x1b[Dl\r').line, 'hello', 'left arrow, then insert');
  assert.equal(type(e, 'abc\x7f\x7fx\r').line, 'ax', 'backspace');
  assert.equal(type(e, 'world\x01hello \r').line, 'hello world', 'Ctrl-A, then insert at the start');
  assert.equal(type(e, 'abc\x1b[H\x1b[3~\r').line, 'bc', 'Home, then Delete');
  assert.equal(type(e, 'one two three\x17\x17\r').line, 'one ', 'Ctrl-W deletes words backwards');
  assert.equal(type(e, 'abc\x15xyz\r').line, 'xyz', 'Ctrl-U kills to the start');
  assert.equal(type(e, 'abcdef\x1b[D\x1b[D\x0b\r').line, 'abcd', 'Ctrl-K kills to the end');
  assert.equal(type(e, 'ab\x1b[D\x1b[D\x1b[D\x1b[Dc\r').line, 'cab', 'the cursor stops at the start');
});

test('Up and Down walk the history and come back to the line being written', () => {
  const e = new LineEditor(true);
  type(e, 'first\r');
  type(e, 'second\r');
  type(e, 'second\r');
  type(e, '   \r');
  assert.deepEqual(e.history, ['first', 'second'], 'no blank lines, no line twice in a row');
  assert.equal(type(e, '\x1b[A\r').line, 'second');
  assert.equal(type(e, '\x1b[A\x1b[A\x1b[A\x1b[A\r').line, 'first', 'Up stops at the oldest');
  assert.equal(type(e, 'draft\x1b[A\x1b[B\r').line, 'draft', 'Down comes back to the draft');
  for (let i = 0; i < HISTORY + 10; i++) type(e, `line ${i}\r`);
  assert.equal(e.history.length, HISTORY);
  assert.equal(e.history[0], 'line 10');
});

test('interactive drawing redraws the line and puts the cursor back', () => {
  const e = new LineEditor(true);
  const t = type(e, 'ab\x1b[D');
  assert.equal(t.line, undefined);
  assert.ok(t.draw.endsWith('\r$ ab\x1b[K\x1b[1D'), JSON.stringify(t.draw));
});

test('a script is echoed line by line, and input past a line is left for the next', () => {
  const e = new LineEditor(false);
  const t = type(e, 'ls /fs\r\necho hi\n');
  assert.equal(t.line, 'ls /fs');
  assert.equal(t.draw, 'ls /fs\n');
  e.begin('$ ');
  const f = e.feed(t.rest);
  assert.equal(f.line, 'echo hi', 'the LF of a CR LF is not a second, empty line');
  assert.equal(f.draw, 'echo hi\n');
});

test('an escape sequence cut in two waits for its rest', () => {
  const e = new LineEditor(true);
  e.begin('$ ');
  e.feed('ab');
  const cut = e.feed('\x1b[');
  assert.equal(cut.used, 0, 'nothing of the cut sequence is used');
  e.feed('\x1b[D');
  assert.equal(e.feed('X\r').line, 'aXb');
});

test('Ctrl-D ends the input on an empty line and deletes forward otherwise', () => {
  const e = new LineEditor(true);
  assert.equal(type(e, '\x04').line, null);
  assert.equal(type(e, 'abc\x01\x04\r').line, 'bc');
});
