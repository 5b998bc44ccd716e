import { HttpError, notFound, type ValidationDetail } from '@platform/platform';
import type { Request, Response } from 'express';
import type { CachedResponse } from './cache';
import type { EventpostContext } from './context';
import type { NotificationRow } from './db';
import { newId } from './event-routes';
import { idempotent } from './idempotency';
import { canonicalQuery, nextLink, NOTIFICATION_QUERY_NAMES, type NotificationFilters } from './listing';
import { notificationInput, notificationToWire, type NotificationInput } from './notification-schemas';
import { ifMatchHolds, itemEtag, parseIfMatch, preconditionFailed } from './preconditions';
import { UnknownEventError, type Tx } from './repository';
import { cacheKeyPart, jsonResponse, send, weakEtag } from './responses';
import { parseInstant } from './time';
import { ID, mergePatch, validate } from './validation';
import { requestBody, type RouteHandler } from './wire';

const LIST_PATH = '/eventpost/notifications';
const CACHE_CONTROL = 'private, no-cache';
const PAST_TOLERANCE_MS = 60_000;
const READ_ONLY = ['id', 'status', 'attempts', 'last_error', 'sent_at', 'version', 'created_at', 'updated_at'] as const;

function itemResponse(status: number, row: NotificationRow, extra: Record<string, string> = {}): CachedResponse {
  return jsonResponse(status, notificationToWire(row), { ETag: itemEtag(row.id, row.version), ...extra });
}

/** The path id, checked by the router against `ID`. */
function notificationId(req: Request): string {
  return req.params.id as string;
}

const pastDetail: ValidationDetail = {
  path: 'scheduled_time',
  message: 'is more than 60 s in the past',
  code: 'scheduled_time_in_past',
  in: 'body',
};
const unknownEventDetail: ValidationDetail = { path: 'event_id', message: 'names no existing event', code: 'custom', in: 'body' };

function isPast(time: Date): boolean {
  return time.getTime() < Date.now() - PAST_TOLERANCE_MS;
}

/** One 422 listing every failing field; the code is `scheduled_time_in_past` when that is the only one. */
function rejectFields(details: ValidationDetail[]): HttpError {
  if (details.length === 1 && details[0]!.code === 'scheduled_time_in_past') {
    return new HttpError(422, 'scheduled_time_in_past', 'scheduled_time is more than 60 s in the past', details);
  }
  return new HttpError(422, 'validation_failed', 'Invalid request', details);
}

/**
 * Validates a full notification body. `timeChanged` says whether the past check applies (it does on
 * create, and on update only when scheduled_time changes). A named event that does not exist is
 * listed too when other fields fail; otherwise the foreign key decides, atomically with deletion.
 */
async function parseNotificationBody(
  ctx: EventpostContext,
  body: unknown,
  timeChanged: (time: Date) => boolean,
  executor?: Tx,
): Promise<NotificationInput> {
  const result = validate(notificationInput, body);
  const details = result.ok ? [] : [...result.details];
  const rawTime = (body as { scheduled_time?: unknown }).scheduled_time;
  const time = typeof rawTime === 'string' ? parseInstant(rawTime) : undefined;
  if (time && timeChanged(time) && isPast(time)) details.push(pastDetail);
  if (!details.length && result.ok) return result.data;
  const eventId = (body as { event_id?: unknown }).event_id;
  if (typeof eventId === 'string' && !details.some((d) => d.path === 'event_id')) {
    // Inside a transaction, look up on its connection: a second pool connection could wait forever.
    if (!ID.test(eventId) || !(await ctx.repository.findEvent(eventId, executor))) details.push(unknownEventDetail);
  }
  throw rejectFields(details);
}

async function unknownEventAsField<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UnknownEventError) throw rejectFields([unknownEventDetail]);
    throw error;
  }
}

export function listNotifications(ctx: EventpostContext) {
  return async (filters: NotificationFilters, req: Request, res: Response) => {
    const query = canonicalQuery(req, NOTIFICATION_QUERY_NAMES);
    const entry = `ntl:${cacheKeyPart(`${query}|${filters.cursor ? String(req.query.cursor) : ''}`)}`;
    const cached = await ctx.cache.lookup('notification_list', 'nt', entry);
    if (cached.hit) return send(req, res, cached.hit);
    const rows = await ctx.repository.listNotifications(filters);
    const page = rows.slice(0, filters.limit);
    const body = JSON.stringify(page.map(notificationToWire));
    const headers: Record<string, string> = { ETag: weakEtag(body), 'Cache-Control': CACHE_CONTROL };
    const last = page[page.length - 1];
    if (rows.length > filters.limit && last) headers.Link = nextLink(LIST_PATH, query, filters.limit, { at: last.scheduled_time, id: last.id });
    const response = { status: 200, headers, body };
    await ctx.cache.fill(cached.slot, response);
    send(req, res, response);
  };
}

export function getNotification(ctx: EventpostContext): RouteHandler {
  return async (req, res) => {
    const id = notificationId(req);
    const cached = await ctx.cache.lookup('notification', `nt:${id}`, `nt:${id}`);
    if (cached.hit) return send(req, res, cached.hit);
    const row = await ctx.repository.findNotification(id);
    if (!row) throw notFound('No notification has this id');
    const response = itemResponse(200, row, { 'Cache-Control': CACHE_CONTROL });
    await ctx.cache.fill(cached.slot, response);
    send(req, res, response);
  };
}

export function createNotification(ctx: EventpostContext): RouteHandler {
  return async (req, res) => {
    const response = await idempotent(req, ctx.repository, 'notifications', async () => {
      const input = await parseNotificationBody(ctx, requestBody(req), () => true);
      const row = await unknownEventAsField(() => ctx.repository.insertNotification(newId(), input));
      ctx.metrics.notifications.inc({ status: 'scheduled' });
      await ctx.cache.invalidate(['nt']);
      await ctx.delivery.schedule([row]);
      return itemResponse(201, row, { Location: `${LIST_PATH}/${row.id}` });
    });
    send(req, res, response);
  };
}

/** PUT (`merge` false) and PATCH (`merge` true) share one locked read-check-write. */
function updateNotification(ctx: EventpostContext, merge: boolean): RouteHandler {
  return async (req, res) => {
    const id = notificationId(req);
    const body = requestBody(req);
    const condition = parseIfMatch(req, id);
    if (!merge) validateShapeEarly(body);
    const { before, after } = await unknownEventAsField(() =>
      ctx.repository.transaction(async (tx) => {
        const current = await ctx.repository.lockNotification(tx, id);
        if (!current) throw notFound('No notification has this id');
        if (!ifMatchHolds(condition, current.version)) throw preconditionFailed(itemEtag(id, current.version));
        if (current.status === 'sending') throw new HttpError(409, 'conflict', 'The notification is being sent; retry shortly');
        let candidate: Record<string, unknown> = body;
        if (merge) {
          const base: Record<string, unknown> = { ...notificationToWire(current) };
          for (const field of READ_ONLY) delete base[field];
          candidate = mergePatch(base, body);
        }
        const changed = (time: Date) => time.getTime() !== current.scheduled_time.getTime();
        const input = await parseNotificationBody(ctx, candidate, changed, tx);
        const rearm = changed(input.scheduled_time);
        const updated = await ctx.repository.updateLockedNotification(tx, id, input, rearm);
        return { before: current, after: updated };
      }),
    );
    await ctx.cache.invalidate([`nt:${id}`, 'nt']);
    if (after.schedule_seq !== before.schedule_seq) {
      ctx.metrics.notifications.inc({ status: 'scheduled' });
      await ctx.delivery.cancel(id, before.schedule_seq);
      await ctx.delivery.schedule([after]);
    }
    send(req, res, itemResponse(200, after));
  };
}

/** A PUT body that fails on its own is answered before any row is locked. */
function validateShapeEarly(body: unknown): void {
  const result = validate(notificationInput, body);
  if (!result.ok) throw rejectFields(result.details);
}

export const replaceNotification = (ctx: EventpostContext) => updateNotification(ctx, false);
export const patchNotification = (ctx: EventpostContext) => updateNotification(ctx, true);

export function deleteNotification(ctx: EventpostContext): RouteHandler {
  return async (req, res) => {
    const id = notificationId(req);
    const condition = parseIfMatch(req, id);
    const row = await ctx.repository.transaction(async (tx) => {
      const current = await ctx.repository.lockNotification(tx, id);
      if (!current) throw notFound('No notification has this id');
      if (!ifMatchHolds(condition, current.version)) throw preconditionFailed(itemEtag(id, current.version));
      return ctx.repository.deleteLockedNotification(tx, id);
    });
    await ctx.cache.invalidate([`nt:${id}`, 'nt']);
    const wasScheduled = row.status === 'scheduled';
    if (wasScheduled) {
      ctx.metrics.notifications.inc({ status: 'cancelled' });
      await ctx.delivery.cancel(id, row.schedule_seq);
    }
    const wire = notificationToWire(wasScheduled ? { ...row, status: 'cancelled' } : row);
    send(req, res, jsonResponse(200, wire));
  };
}
