/**
 * Event times as integer microseconds since the Unix epoch (bigint): JS `Date` keeps milliseconds only,
 * and the challenge's timestamps carry microseconds that must round-trip exactly.
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;
const MIN_MICROS = -62_135_596_800_000_000n; // 0001-01-01T00:00:00Z
const MAX_MICROS = 253_402_300_799_999_999n; // 9999-12-31T23:59:59.999999Z

export type Micros = bigint;

/** Parses the accepted input forms (no zone = UTC; digits past 6 truncated), or undefined when invalid. */
export function parseTimestamp(text: string): Micros | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, , sign, zh, zm] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 59 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  let offsetMinutes = 0;
  if (sign) {
    const offsetHours = Number(zh);
    const offsetMins = Number(zm);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60;
  const micros = BigInt(seconds) * 1_000_000n + BigInt(fraction === undefined ? 0 : Number(fraction.slice(0, 6).padEnd(6, '0')));
  return micros < MIN_MICROS || micros > MAX_MICROS ? undefined : micros;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm), without a Date. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** `YYYY-MM-DDThh:mm:ss.ffffffZ`: the one output form of every time field. */
export function formatMicros(micros: Micros): string {
  const remainder = ((micros % 1000n) + 1000n) % 1000n;
  const millis = (micros - remainder) / 1000n;
  return `${new Date(Number(millis)).toISOString().slice(0, -1)}${remainder.toString().padStart(3, '0')}Z`;
}

let anchorMicros = BigInt(Date.now()) * 1000n;
let anchorHr = process.hrtime.bigint();

/** Wall-clock time in µs: the monotonic clock supplies the digits below the millisecond. */
export function nowMicros(): Micros {
  const wall = BigInt(Date.now()) * 1000n;
  let micros = anchorMicros + (process.hrtime.bigint() - anchorHr) / 1000n;
  if (micros - wall > 2_000n || wall - micros > 2_000n) {
    anchorMicros = wall;
    anchorHr = process.hrtime.bigint();
    micros = wall;
  }
  return micros;
}

/** Normalises an accepted input form to the output form, or undefined when invalid. */
export function normaliseTimestamp(text: string): string | undefined {
  const micros = parseTimestamp(text);
  return micros === undefined ? undefined : formatMicros(micros);
}
