import type { EventRow } from './db';
import { zoneOffsetMs } from './time';

/** RFC 5545 rendering of events; no I/O. */

const CRLF = '\r\n';
const DAY_MS = 86_400_000;
const SCAN_STEP_MS = 7 * DAY_MS;

export function escapeText(value: string): string {
  return value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\n|\r/g, '\\n');
}

/** Lines longer than 75 octets are folded (CRLF + space) without splitting a UTF-8 character. */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line) <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  let limit = 75;
  for (const char of line) {
    const bytes = Buffer.byteLength(char);
    if (size + bytes > limit) {
      parts.push(current);
      current = '';
      size = 0;
      limit = 74; // the leading space of a continuation line counts
    }
    current += char;
    size += bytes;
  }
  parts.push(current);
  return parts.join(`${CRLF} `);
}

function pad(value: number, width = 2): string {
  return String(Math.abs(value)).padStart(width, '0');
}

function utcStamp(value: Date): string {
  return `${value.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** Wall-clock `YYYYMMDDTHHMMSS` of an instant read with a fixed offset. */
function localStamp(instantMs: number, offsetMs: number): string {
  return new Date(instantMs + offsetMs).toISOString().slice(0, 19).replace(/[-:]/g, '');
}

function offsetText(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.round(Math.abs(offsetMs) / 1000);
  const seconds = total % 60;
  return `${sign}${pad(Math.floor(total / 3600))}${pad(Math.floor(total / 60) % 60)}${seconds ? pad(seconds) : ''}`;
}

interface Transition {
  at: number;
  from: number;
  to: number;
}

/** Every offset change of `zone` in [startMs, endMs), found by scanning weekly and bisecting to the second. */
function transitions(zone: string, startMs: number, endMs: number): Transition[] {
  const found: Transition[] = [];
  let previous = startMs;
  let previousOffset = zoneOffsetMs(zone, previous);
  for (let probe = startMs + SCAN_STEP_MS; previous < endMs; probe += SCAN_STEP_MS) {
    const at = Math.min(probe, endMs);
    const offset = zoneOffsetMs(zone, at);
    if (offset !== previousOffset) {
      let low = previous;
      let high = at;
      while (high - low > 1000) {
        const middle = low + Math.floor((high - low) / 2000) * 1000;
        if (zoneOffsetMs(zone, middle) === previousOffset) low = middle;
        else high = middle;
      }
      found.push({ at: high, from: previousOffset, to: zoneOffsetMs(zone, high) });
      // A second change inside the same step is rare; rescan from the change.
      previous = high;
      previousOffset = zoneOffsetMs(zone, high);
      probe = high;
      continue;
    }
    previous = at;
  }
  return found;
}

/**
 * A VTIMEZONE whose observances cover the given years exactly as this runtime's zone data has them,
 * so that a parser maps each DTSTART;TZID back to the same UTC instant.
 */
export function vtimezone(zone: string, years: number[]): string[] {
  const sorted = [...new Set(years.flatMap((year) => [year - 1, year, year + 1]))].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const year of sorted) {
    const last = runs[runs.length - 1];
    if (last && year === last[1] + 1) last[1] = year;
    else runs.push([year, year]);
  }
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
  const observance = (type: 'STANDARD' | 'DAYLIGHT', startLocal: string, from: number, to: number) =>
    lines.push(`BEGIN:${type}`, `TZOFFSETFROM:${offsetText(from)}`, `TZOFFSETTO:${offsetText(to)}`, `DTSTART:${startLocal}`, `END:${type}`);
  for (const [first, last] of runs) {
    const start = yearStart(first);
    const end = yearStart(last + 1);
    const initial = zoneOffsetMs(zone, start);
    observance('STANDARD', localStamp(start, initial), initial, initial);
    for (const change of transitions(zone, start, end)) {
      observance(change.to > change.from ? 'DAYLIGHT' : 'STANDARD', localStamp(change.at, change.from), change.from, change.to);
    }
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

function yearStart(year: number): number {
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year);
  return date.getTime();
}

export function renderCalendar(events: EventRow[], publicUrl: string): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//EventPost//Platform//EN', 'CALSCALE:GREGORIAN'];
  const zones = new Map<string, number[]>();
  for (const event of events) {
    if (event.timezone === 'UTC') continue;
    const years = zones.get(event.timezone) ?? [];
    years.push(Number(event.date.slice(0, 4)));
    zones.set(event.timezone, years);
  }
  for (const [zone, years] of zones) lines.push(...vtimezone(zone, years));
  for (const event of events) lines.push(...vevent(event, publicUrl));
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join(CRLF) + CRLF;
}

function vevent(event: EventRow, publicUrl: string): string[] {
  const start = event.starts_at.getTime();
  const dtstart =
    event.timezone === 'UTC'
      ? `DTSTART:${utcStamp(event.starts_at)}`
      : `DTSTART;TZID=${event.timezone}:${localStamp(start, zoneOffsetMs(event.timezone, start))}`;
  const categories = event.topics
    .split(',')
    .map((topic) => topic.trim())
    .filter(Boolean);
  return [
    'BEGIN:VEVENT',
    `UID:${event.id}@eventpost`,
    `DTSTAMP:${utcStamp(event.updated_at)}`,
    dtstart,
    `SUMMARY:${escapeText(event.title)}`,
    `DESCRIPTION:${escapeText(event.description)}`,
    ...(event.place ? [`LOCATION:${escapeText(event.place)}`] : []),
    ...(categories.length ? [`CATEGORIES:${categories.map(escapeText).join(',')}`] : []),
    `SEQUENCE:${event.version - 1}`,
    `CREATED:${utcStamp(event.created_at)}`,
    `LAST-MODIFIED:${utcStamp(event.updated_at)}`,
    `URL:${publicUrl}/eventpost/events/${event.id}`,
    'END:VEVENT',
  ];
}
