import type { Request } from 'express';
import { z } from 'zod';
import { NOTIFICATION_STATUSES } from './notification-schemas';
import { isStorableText } from './text';
import { addDays, parseCalendarDate, parseInstant, startOfUtcDay } from './time';
import { badRequest } from './wire';

export interface Cursor {
  at: Date;
  id: string;
}

export interface Page {
  limit: number;
  cursor: Cursor | undefined;
}

export interface EventFilters extends Page {
  from: Date | undefined;
  to: Date | undefined;
  topic: string | undefined;
  place: string | undefined;
  organizer: string | undefined;
  q: string | undefined;
}

export interface NotificationFilters extends Page {
  status: (typeof NOTIFICATION_STATUSES)[number] | undefined;
  eventId: string | undefined;
  toMail: string | undefined;
}

const EVENT_PARAMS = ['from', 'to', 'topic', 'place', 'organizer', 'q', 'limit', 'cursor'] as const;
const NOTIFICATION_PARAMS = ['status', 'event_id', 'to_mail', 'limit', 'cursor'] as const;
const CURSOR = /^(-?\d{1,16})\.([0-9a-f]{24})$/;

type Params<K extends string> = Partial<Record<K, string>>;

/** The recognised, non-empty parameters; a repeated one or one with a lone surrogate is a 400. */
function readParams<K extends string>(query: Record<string, unknown>, names: readonly K[]): Params<K> {
  const params: Params<K> = {};
  for (const name of names) {
    const value = query[name];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') throw badRequest(`Query parameter ${name} must be given once`, [{ path: name, message: 'given more than once' }]);
    if (!isStorableText(value)) {
      throw badRequest(`Query parameter ${name} is not well-formed text`, [{ path: name, message: 'not well-formed' }]);
    }
    params[name] = value;
  }
  return params;
}

function parsePage(params: Params<'limit' | 'cursor'>): Page {
  let limit = 50;
  if (params.limit !== undefined) {
    limit = /^\d{1,3}$/.test(params.limit) ? Number(params.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= 500)) throw badRequest('limit must be an integer 1–500', [{ path: 'limit', message: 'must be an integer 1–500' }]);
  }
  return { limit, cursor: params.cursor === undefined ? undefined : decodeCursor(params.cursor) };
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.at.getTime()}.${cursor.id}`).toString('base64url');
}

function decodeCursor(token: string): Cursor {
  const match = /^[A-Za-z0-9_-]{1,64}$/.test(token) ? CURSOR.exec(Buffer.from(token, 'base64url').toString('latin1')) : null;
  const at = match ? new Date(Number(match[1])) : undefined;
  if (!match || !at || Number.isNaN(at.getTime())) {
    throw badRequest('cursor is not a token from a Link header', [{ path: 'cursor', message: 'invalid cursor' }]);
  }
  return { at, id: match[2]! };
}

/** `from` inclusive; `to` exclusive for an instant, and a date `to=D` includes the whole UTC day D. */
function parseBound(name: 'from' | 'to', value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = parseCalendarDate(value, 1, 9999);
  if (date) return name === 'from' ? startOfUtcDay(date) : addDays(startOfUtcDay(date), 1);
  const instant = parseInstant(value);
  if (!instant) throw badRequest(`${name} must be a date YYYY-MM-DD or an ISO 8601 instant`, [{ path: name, message: 'invalid date or instant' }]);
  return instant;
}

function parseEventFilters(query: Record<string, unknown>): EventFilters {
  const params = readParams(query, EVENT_PARAMS);
  const page = parsePage(params);
  const from = parseBound('from', params.from);
  const to = parseBound('to', params.to);
  if (from && to && from.getTime() > to.getTime()) throw badRequest('from is after to', [{ path: 'from', message: 'must not be after to' }]);
  return { ...page, from, to, topic: params.topic, place: params.place, organizer: params.organizer, q: params.q };
}

function parseNotificationFilters(query: Record<string, unknown>): NotificationFilters {
  const params = readParams(query, NOTIFICATION_PARAMS);
  const page = parsePage(params);
  const status = params.status as NotificationFilters['status'];
  if (status !== undefined && !NOTIFICATION_STATUSES.includes(status)) {
    throw badRequest(`status must be one of ${NOTIFICATION_STATUSES.join(', ')}`, [{ path: 'status', message: 'unknown status' }]);
  }
  return { ...page, status, eventId: params.event_id, toMail: params.to_mail };
}

/** A query parameter as Express gives it; `readParams` answers 400 for a repeated or malformed one. */
const param = (description: string, extra: Record<string, unknown> = {}) => z.unknown().meta({ type: 'string', description, ...extra }).optional();
const page = {
  limit: param('1–500, default 50', { pattern: '^[0-9]{1,3}$' }),
  cursor: param('Opaque token from the `Link` header of the previous page'),
};
const eventFilterParams = {
  from: param('A date YYYY-MM-DD (from its start) or an ISO 8601 instant, inclusive'),
  to: param('A date YYYY-MM-DD (through its end) or an ISO 8601 instant, exclusive'),
  topic: param('Substring of the topics'),
  place: param('Substring of the place'),
  organizer: param('Substring of the organizer'),
  q: param('Substring of the title or description'),
};

/** The documented event list parameters, validated by `parseEventFilters` (400 `bad_request` naming the parameter). */
export const eventListQuery = z.object({ ...eventFilterParams, ...page }).transform(parseEventFilters);
export const eventCalendarQuery = z.object(eventFilterParams).transform(parseEventFilters);
export const notificationListQuery = z
  .object({
    status: param('Notification status', { enum: [...NOTIFICATION_STATUSES] }),
    event_id: param('Notifications of this event'),
    to_mail: param('Notifications to this address'),
    ...page,
  })
  .transform(parseNotificationFilters);

/** Canonical query string of the filters (without the cursor): the cache key and the base of `Link`. */
export function canonicalQuery(req: Request, names: readonly string[]): string {
  const query = req.query as Record<string, unknown>;
  const search = new URLSearchParams();
  for (const name of names) {
    const value = query[name];
    if (name !== 'cursor' && typeof value === 'string' && value !== '') search.set(name, value);
  }
  return search.toString();
}

export const EVENT_QUERY_NAMES = EVENT_PARAMS;
export const NOTIFICATION_QUERY_NAMES = NOTIFICATION_PARAMS;

export function nextLink(path: string, filtersQuery: string, limit: number, next: Cursor): string {
  const search = new URLSearchParams(filtersQuery);
  search.set('limit', String(limit));
  search.set('cursor', encodeCursor(next));
  return `<${path}?${search.toString()}>; rel="next"`;
}

/** `%` and `_` match literally in the substring filters. */
export function likePattern(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
