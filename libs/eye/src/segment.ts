import { isPlainObject, type Detail } from './envelope';
import { MAX_EVENT_BYTES, type IngestItem } from './ingest';
import { formatMicros, parseTimestamp, type Micros } from './timestamp';

const SEGMENT_TYPES = new Set(['track', 'page', 'screen', 'identify', 'group', 'alias']);
const NOT_DATA = ['messageId', 'timestamp', 'originalTimestamp', 'sentAt', 'receivedAt', 'writeKey'];

/** Batch-level fields applied to each message: `sentAt`, and shallow defaults for `context` / `integrations`. */
interface SegmentDefaults {
  sentAt?: unknown;
  context?: unknown;
  integrations?: unknown;
}

const rejected = (payload: unknown, index: number | null, details: Detail[]): IngestItem => ({
  index,
  event: payload,
  payload,
  rejection: { code: 'validation_failed', message: 'The Segment message is invalid', details },
});

/** The message as recorded: batch defaults applied, the endpoint's type set. */
export function withDefaults(message: unknown, defaults: SegmentDefaults, type?: string): unknown {
  if (!isPlainObject(message)) return message;
  const merged: Record<string, unknown> = { ...message };
  if (type !== undefined) merged.type = type;
  const sentAt = merged.sentAt ?? defaults.sentAt;
  if (sentAt !== undefined) merged.sentAt = sentAt;
  for (const key of ['context', 'integrations'] as const) {
    const shared = defaults[key];
    if (isPlainObject(shared)) merged[key] = isPlainObject(merged[key]) ? { ...shared, ...merged[key] } : (merged[key] ?? { ...shared });
  }
  return merged;
}

/**
 * Maps one Segment message (defaults already applied) to an event of category `segment`: its name, session,
 * corrected timestamp (`received_at − (sentAt − originalTimestamp)`, exact in µs) and dedup key.
 */
export function mapSegmentMessage(message: unknown, index: number | null, receivedAt: Micros, originalSize?: number): IngestItem {
  const size = originalSize ?? Buffer.byteLength(JSON.stringify(message) ?? '');
  if (size > MAX_EVENT_BYTES) {
    return { index, event: message, payload: message, rejection: { code: 'event_too_large', message: `A message must be at most ${MAX_EVENT_BYTES} bytes`, details: null } };
  }
  if (!isPlainObject(message)) return rejected(message, index, [{ path: '', message: 'A message must be a JSON object' }]);
  const details: Detail[] = [];
  const type = message.type;
  if (typeof type !== 'string' || !SEGMENT_TYPES.has(type)) details.push({ path: 'type', message: `Must be one of ${[...SEGMENT_TYPES].join(', ')}` });
  const messageId = message.messageId;
  if (messageId !== undefined && messageId !== null && (typeof messageId !== 'string' || messageId.length < 1 || messageId.length > 100)) {
    details.push({ path: 'messageId', message: 'Must be a string of 1-100 characters' });
  }
  let name = typeof type === 'string' ? type : '';
  if (type === 'track') {
    if (typeof message.event !== 'string' || message.event.length < 1 || message.event.length > 100) details.push({ path: 'event', message: 'A track needs event, 1-100 characters' });
    else name = message.event;
  }
  const properties = isPlainObject(message.properties) ? message.properties : {};
  const sessionId = [properties.session_id, message.anonymousId, message.userId]
    .map((value) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value))
    .find((value): value is string => typeof value === 'string' && value !== '');
  if (sessionId === undefined) details.push({ path: 'anonymousId', message: 'One of properties.session_id, anonymousId or userId is required' });
  const base = timeField(message, message.originalTimestamp !== undefined && message.originalTimestamp !== null ? 'originalTimestamp' : 'timestamp', details);
  const sent = timeField(message, 'sentAt', details);
  if (details.length) return rejected(message, index, details);

  let timestamp = receivedAt;
  if (base !== undefined) timestamp = sent !== undefined ? receivedAt - (sent - base) : base;
  let formatted: string;
  try {
    formatted = formatMicros(timestamp);
  } catch {
    return rejected(message, index, [{ path: 'timestamp', message: 'The corrected timestamp is out of range' }]);
  }
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) if (!NOT_DATA.includes(key)) data[key] = value;
  const hasId = typeof messageId === 'string';
  const { sentAt: _sentAt, writeKey: _writeKey, ...identity } = message;
  return {
    index,
    event: { session_id: sessionId, category: 'segment', name, data, timestamp: formatted, event_id: hasId ? messageId : null },
    payload: message,
    maxEventIdLength: 100,
    sizeChecked: true,
    ...(hasId ? {} : { dedupIdentity: identity }),
  };
}

function timeField(message: Record<string, unknown>, key: string, details: Detail[]): Micros | undefined {
  const value = message[key];
  if (value === undefined || value === null) return undefined;
  const micros = typeof value === 'string' ? parseTimestamp(value) : undefined;
  if (micros === undefined) details.push({ path: key, message: 'Must be an ISO 8601 date-time' });
  return micros;
}
