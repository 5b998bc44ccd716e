/** Calendar and time-zone arithmetic on plain strings; no I/O. */
import { tzlib_get_timezones } from 'timezones-ical-library';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})$/;
const ZONE_NAME = /^(?:[A-Za-z][A-Za-z0-9_+-]*)(?:\/[A-Za-z0-9][A-Za-z0-9_+-]*)*$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$/i;
const DAY_MS = 86_400_000;

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export function parseCalendarDate(value: string, minYear = 1900, maxYear = 9999): CalendarDate | undefined {
  const match = DATE.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < minYear || year > maxYear || month < 1 || month > 12 || day < 1) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

function daysInMonth(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function parseClockTime(value: string): { hour: number; minute: number; second: number } | undefined {
  const match = TIME.exec(value);
  if (!match) return undefined;
  const [hour, minute, second] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return { hour, minute, second };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

// Exact IANA spellings, aliases included (`Asia/Calcutta`, `US/Pacific`); Intl alone also takes `europe/madrid`.
const ZONE_NAMES = new Set<string>([...(tzlib_get_timezones(false) as string[]), ...Intl.supportedValuesOf('timeZone'), 'UTC']);

/** True for an IANA zone name, spelled exactly, that this runtime can compute offsets for. */
export function isKnownTimeZone(zone: string): boolean {
  if (zone.length > 64 || !ZONE_NAME.test(zone) || !ZONE_NAMES.has(zone)) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `instantMs`, in milliseconds (east positive). */
export function zoneOffsetMs(zone: string, instantMs: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(instantMs));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const era = parts.find((part) => part.type === 'era')?.value;
  const year = era === 'BC' || era === 'B' ? 1 - get('year') : get('year');
  const wall = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const truncated = instantMs - (((instantMs % 1000) + 1000) % 1000);
  return wall - truncated;
}

/**
 * The UTC instant of a wall-clock time in `zone`. A time skipped by a DST change moves forward by
 * the gap; a repeated one takes the earlier instant.
 */
export function wallTimeToInstant(date: string, time: string, zone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const wallUtc = new Date(wall);
  wallUtc.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
  const local = wallUtc.getTime();
  const before = zoneOffsetMs(zone, local - DAY_MS);
  const after = zoneOffsetMs(zone, local + DAY_MS);
  const candidates = [local - before, local - after].filter((instant, i) => zoneOffsetMs(zone, instant) === (i === 0 ? before : after));
  if (candidates.length) return new Date(Math.min(...candidates));
  // In a gap: read the wall time with the offset in force before the change, which lands after it.
  return new Date(local - before);
}

/** `2026-12-12T19:50:12Z` */
export function formatInstantSeconds(value: Date): string {
  return `${value.toISOString().slice(0, 19)}Z`;
}

export function formatInstantMillis(value: Date): string {
  return value.toISOString();
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]`; no zone means UTC; the fraction is dropped.
 * Returns undefined for anything else, including impossible dates and times.
 */
export function parseInstant(value: string): Date | undefined {
  const match = INSTANT.exec(value);
  if (!match) return undefined;
  const date = parseCalendarDate(`${match[1]}-${match[2]}-${match[3]}`, 1, 9999);
  const clock = parseClockTime(`${match[4]}:${match[5]}:${match[6]}`);
  if (!date || !clock) return undefined;
  let offsetMs = 0;
  const zone = match[7];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [h, m] = zone.slice(1).split(':').map(Number) as [number, number];
    if (h > 23 || m > 59) return undefined;
    offsetMs = sign * (h * 3_600_000 + m * 60_000);
  }
  const wall = new Date(Date.UTC(2000, date.month - 1, date.day, clock.hour, clock.minute, clock.second));
  wall.setUTCFullYear(date.year);
  const instant = new Date(wall.getTime() - offsetMs);
  const year = instant.getUTCFullYear();
  return year >= 1 && year <= 9999 ? instant : undefined;
}

/** Midnight UTC that starts the calendar day `value` (`YYYY-MM-DD`). */
export function startOfUtcDay(value: CalendarDate): Date {
  const day = new Date(Date.UTC(2000, value.month - 1, value.day));
  day.setUTCFullYear(value.year);
  return day;
}

export function addDays(value: Date, days: number): Date {
  return new Date(value.getTime() + days * DAY_MS);
}
