import { parseTimestamp, type Micros } from './timestamp';

export interface Detail {
  path: string;
  message: string;
}

/** A structurally valid event, before its type's rules are applied. */
export interface Envelope {
  session_id: string;
  category: string;
  name: string;
  data: Record<string, unknown>;
  timestamp: Micros;
  event_id: string | null;
}

const FIELDS = new Set(['session_id', 'category', 'name', 'data', 'timestamp', 'event_id']);
const MAX_DATA_DEPTH = 32;
// jsonb refuses both: U+0000 and a surrogate without its pair.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SURROGATE = /[\uD800-\uDFFF]/;
// The cheap test first: almost every string holds no surrogate at all.
const isUnstorable = (text: string) => text.includes('\u0000') || (SURROGATE.test(text) && LONE_SURROGATE.test(text));

type EnvelopeResult = { ok: true; envelope: Envelope } | { ok: false; details: Detail[] };

/** Checks the envelope of §3; every problem is listed, each with its dotted path from the event root. */
export function validateEnvelope(value: unknown, maxEventIdLength = 64): EnvelopeResult {
  if (!isPlainObject(value)) return { ok: false, details: [{ path: '', message: 'An event must be a JSON object' }] };
  const details: Detail[] = [];
  for (const key of Object.keys(value)) if (!FIELDS.has(key)) details.push({ path: key, message: 'Unknown field' });
  checkText(value.session_id, 'session_id', 128, false, details);
  checkText(value.category, 'category', 100, true, details);
  checkText(value.name, 'name', 100, true, details);
  const eventId = value.event_id;
  if (eventId !== undefined && eventId !== null) checkText(eventId, 'event_id', maxEventIdLength, false, details);
  const data = value.data;
  if (!isPlainObject(data)) details.push({ path: 'data', message: 'Must be a JSON object' });
  else if (deeperThan(data, MAX_DATA_DEPTH)) details.push({ path: 'data', message: `Nesting deeper than ${MAX_DATA_DEPTH} levels` });
  let timestamp: Micros | undefined;
  if (typeof value.timestamp !== 'string') details.push({ path: 'timestamp', message: 'Must be a string' });
  else {
    timestamp = parseTimestamp(value.timestamp);
    if (timestamp === undefined) {
      details.push({ path: 'timestamp', message: 'Must be YYYY-MM-DD hh:mm:ss[.ffffff][Z|±hh:mm], an existing date and time' });
    }
  }
  findUnstorable(value, '', details);
  if (details.length || timestamp === undefined) return { ok: false, details };
  return {
    ok: true,
    envelope: {
      session_id: value.session_id as string,
      category: value.category as string,
      name: value.name as string,
      data: data as Record<string, unknown>,
      timestamp,
      event_id: (eventId as string | null | undefined) ?? null,
    },
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkText(value: unknown, path: string, max: number, notBlank: boolean, details: Detail[]): void {
  if (typeof value !== 'string') details.push({ path, message: 'Must be a string' });
  else if (value.length === 0) details.push({ path, message: 'Must not be empty' });
  else if (value.length > max && codePoints(value) > max) details.push({ path, message: `Must be at most ${max} characters` });
  else if (notBlank && value.trim() === '') details.push({ path, message: 'Must not be only whitespace' });
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Bounded recursion: a hostile body nested a million levels deep must not exhaust the stack. */
function deeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit <= 0) return true;
  for (const child of Object.values(value)) if (deeperThan(child, limit - 1)) return true;
  return false;
}

function findUnstorable(value: unknown, path: string, details: Detail[], budget = MAX_DATA_DEPTH + 2): void {
  if (budget < 0) return;
  if (typeof value === 'string') {
    if (isUnstorable(value)) details.push({ path, message: 'Contains U+0000 or an unpaired surrogate' });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => findUnstorable(item, join(path, index), details, budget - 1));
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = join(path, key);
    if (isUnstorable(key)) details.push({ path: childPath, message: 'Key contains U+0000 or an unpaired surrogate' });
    findUnstorable(child, childPath, details, budget - 1);
  }
}

/** Strings (keys included) that jsonb would refuse, with their paths. */
export function unstorableDetails(value: unknown, path: string): Detail[] {
  const details: Detail[] = [];
  findUnstorable(value, path, details, Number.MAX_SAFE_INTEGER);
  return details;
}

export function join(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}
