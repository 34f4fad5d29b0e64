/* eslint-disable no-restricted-imports -- a host-side unit test beside the code, not part of the program */
// FAT dates and times against the host's Date, clamping, and refusals of impossible fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { civilFromDays, daysFromCivil, fromFat, toFat } from './fat-time.ts';

test('days from and to civil dates agree with Date over three centuries', () => {
  for (let d = -40000; d < 70000; d += 37) {
    const c = civilFromDays(d);
    const dt = new Date(d * 86400000);
    assert.deepEqual([c.year, c.month, c.day], [dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate()]);
    assert.equal(daysFromCivil(c.year, c.month, c.day), d);
  }
});

test('toFat and fromFat round-trip to the field resolution', () => {
  const t = Date.UTC(2024, 4, 1, 13, 45, 17, 990);
  const s = toFat(t);
  assert.equal(s.date, ((2024 - 1980) << 9) | (5 << 5) | 1);
  assert.equal(s.time, (13 << 11) | (45 << 5) | 8);
  assert.equal(s.tenths, 199);
  assert.equal(fromFat(s.date, s.time, s.tenths), t);
  assert.equal(fromFat(s.date, s.time), Date.UTC(2024, 4, 1, 13, 45, 16));
  assert.equal(fromFat(s.date), Date.UTC(2024, 4, 1));
  for (let i = 0; i < 500; i++) {
    const ms = Date.UTC(1980, 0, 1) + Math.floor(i * 8_123_456_789.3) % (Date.UTC(2107, 11, 31) - Date.UTC(1980, 0, 1));
    const f = toFat(ms);
    assert.equal(fromFat(f.date, f.time, f.tenths), Math.floor(ms / 10) * 10);
  }
});

test('instants outside 1980..2107 clamp; impossible fields read as null', () => {
  assert.equal(fromFat(toFat(0).date), Date.UTC(1980, 0, 1));
  assert.equal(fromFat(toFat(Date.UTC(2200, 0, 1)).date), Date.UTC(2107, 11, 31));
  assert.equal(fromFat(toFat(Number.NaN).date), Date.UTC(1980, 0, 1));
  assert.equal(fromFat(0), null);
  assert.equal(fromFat((44 << 9) | (13 << 5) | 1), null);
  assert.equal(fromFat((44 << 9) | (2 << 5) | 31), null);
  assert.equal(fromFat((44 << 9) | (2 << 5) | 1, 24 << 11), null);
  assert.equal(fromFat((44 << 9) | (2 << 5) | 1, 0, 200), null);
});
