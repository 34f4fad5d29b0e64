// FAT dates and times from and to milliseconds since the Unix epoch, without Date (a sealed
// program has no clock of its own: the engine is handed `clock()`).
// Rules for callers: times are stored as UTC (as Linux does with tz=UTC); FAT holds 1980-01-01
// to 2107-12-31, so earlier or later instants are clamped to those ends. Modification times have
// 2-second resolution, creation times 10 ms (the tenths byte), access times a date only.
// Invariants: `fromFat(toFat(t))` is t rounded down to the field's resolution, for t in range.
const DAY = 86_400_000;
const MIN_MS = daysFromCivil(1980, 1, 1) * DAY;
const MAX_MS = daysFromCivil(2107, 12, 31) * DAY + DAY - 1;

/** Days from 1970-01-01 to the given proleptic Gregorian date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The date `days` after 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

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
