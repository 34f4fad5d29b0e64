// FAT dates and times from and to milliseconds since the Unix epoch, without Date (a sealed
// program has no clock of its own: the engine is handed `clock()`).
// Rules for callers: times are stored as UTC (as Linux does with tz=UTC); FAT holds 1980-01-01
// to 2107-12-31, so earlier or later instants are clamped to those ends. Modification times have
// 2-second resolution, creation times 10 ms (the tenths byte), access times a date only.
// Invariants: `fromFat(toFat(t))` is t rounded down to the field's resolution, for t in range.
import { civilFromDays, daysFromCivil } from '../shared/civil-date.ts';

export { civilFromDays, daysFromCivil };

const DAY = 86_400_000;
const MIN_MS = daysFromCivil(1980, 1, 1) * DAY;
const MAX_MS = daysFromCivil(2107, 12, 31) * DAY + DAY - 1;


export interface FatStamp { readonly date: number; readonly time: number; readonly tenths: number }

export function toFat(ms: number): FatStamp {
  const t = Number.isFinite(ms) ? Math.min(MAX_MS, Math.max(MIN_MS, Math.floor(ms))) : MIN_MS;
  const days = Math.floor(t / DAY);
  const inDay = t - days * DAY;
  const { year, month, day } = civilFromDays(days);
  const secs = Math.floor(inDay / 1000);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return {
    date: ((year - 1980) << 9) | (month << 5) | day,
    time: (h << 11) | (m << 5) | (s >> 1),
    tenths: (s & 1) * 100 + Math.floor((inDay % 1000) / 10),
  };
}

/** Milliseconds for a stored date, time and tenths; null when the fields are not a valid date and time. */
export function fromFat(date: number, time = 0, tenths = 0): number | null {
  const month = (date >> 5) & 15;
  const day = date & 31;
  const h = time >> 11;
  const m = (time >> 5) & 63;
  const s2 = time & 31;
  if (date === 0 || month < 1 || month > 12 || day < 1 || h > 23 || m > 59 || s2 > 29 || tenths > 199) return null;
  const year = 1980 + (date >> 9);
  const days = daysFromCivil(year, month, day);
  if (civilFromDays(days).month !== month) return null; // 31 February and the like
  return days * DAY + (h * 3600 + m * 60 + s2 * 2) * 1000 + tenths * 10;
}
