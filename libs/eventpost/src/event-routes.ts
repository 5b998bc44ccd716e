import { randomBytes } from 'node:crypto';
import { notFound } from '@platform/platform';
import type { Request, Response } from 'express';
import type { CachedResponse } from './cache';
import type { EventpostContext } from './context';
import { eventInput, eventToWire, type EventInput } from './event-schemas';
import type { EventRow } from './db';
import { idempotent } from './idempotency';
import { canonicalQuery, EVENT_QUERY_NAMES, nextLink, type EventFilters } from './listing';
import { ifMatchHolds, itemEtag, parseIfMatch, preconditionFailed } from './preconditions';
import type { EventValues } from './repository';
import { cacheKeyPart, jsonResponse, send, weakEtag } from './responses';
import { wallTimeToInstant } from './time';
import { mergePatch, validate } from './validation';
import { requestBody, validationFailed, type RouteHandler } from './wire';

const LIST_PATH = '/eventpost/events';
const CACHE_CONTROL = 'no-cache';
const READ_ONLY = ['id', 'starts_at', 'version', 'created_at', 'updated_at'] as const;

export function newId(): string {
  return randomBytes(12).toString('hex');
}

function eventValues(input: EventInput): EventValues {
  return { ...input, starts_at: wallTimeToInstant(input.date, input.time, input.timezone) };
}

function itemResponse(status: number, row: EventRow, extra: Record<string, string> = {}): CachedResponse {
  return jsonResponse(status, eventToWire(row), { ETag: itemEtag(row.id, row.version), ...extra });
}

/** The path id, checked by the router against `ID`. */
function eventId(req: Request): string {
  return req.params.id as string;
}

function parseEventBody(body: unknown): EventInput {
  const result = validate(eventInput, body);
  if (!result.ok) throw validationFailed(result.details);
  return result.data;
}

export function listEvents(ctx: EventpostContext) {
  return async (filters: EventFilters, req: Request, res: Response) => {
    const query = canonicalQuery(req, EVENT_QUERY_NAMES);
    const entry = `evl:${cacheKeyPart(`${query}|${filters.cursor ? String(req.query.cursor) : ''}`)}`;
    const cached = await ctx.cache.lookup('event_list', 'ev', entry);
    if (cached.hit) return send(req, res, cached.hit);
    const rows = await ctx.repository.listEvents({ ...filters, limit: filters.limit + 1 });
    const page = rows.slice(0, filters.limit);
    const body = JSON.stringify(page.map(eventToWire));
    const headers: Record<string, string> = { ETag: weakEtag(body), 'Cache-Control': CACHE_CONTROL };
    const last = page[page.length - 1];
    if (rows.length > filters.limit && last) headers.Link = nextLink(LIST_PATH, query, filters.limit, { at: last.starts_at, id: last.id });
    const response = { status: 200, headers, body };
    await ctx.cache.fill(cached.slot, response);
    send(req, res, response);
  };
}

export function getEvent(ctx: EventpostContext): RouteHandler {
  return async (req, res) => {
    const id = eventId(req);
    const cached = await ctx.cache.lookup('event', `ev:${id}`, `ev:${id}`);
    if (cached.hit) return send(req, res, cached.hit);
    const row = await ctx.repository.findEvent(id);
    if (!row) throw notFound('No event has this id');
    const response = itemResponse(200, row, { 'Cache-Control': CACHE_CONTROL });
    await ctx.cache.fill(cached.slot, response);
    send(req, res, response);
  };
}

export function createEvent(ctx: EventpostContext): RouteHandler {
  return async (req, res) => {
    const response = await idempotent(req, ctx.repository, 'events', async () => {
      const input = parseEventBody(requestBody(req));
      const row = await ctx.repository.insertEvent(newId(), eventValues(input));
      await ctx.cache.invalidate(['ev']);
      return itemResponse(201, row, { Location: `${LIST_PATH}/${row.id}` });
    });
    send(req, res, response);
  };
}

export function replaceEvent(ctx: EventpostContext): RouteHandler {
  return async (req, res) => {
    const id = eventId(req);
    const input = parseEventBody(requestBody(req));
    const condition = parseIfMatch(req, id);
    const versions = condition && !condition.any ? condition.versions : undefined;
    const row = await ctx.repository.updateEvent(ctx.repository.executor, id, eventValues(input), versions);
    if (!row) {
      const current = await ctx.repository.findEvent(id);
      if (!current) throw notFound('No event has this id');
      throw preconditionFailed(itemEtag(id, current.version));
    }
    await ctx.cache.invalidate([`ev:${id}`, 'ev']);
    send(req, res, itemResponse(200, row));
  };
}

export function patchEvent(ctx: EventpostContext): RouteHandler {
  return async (req, res) => {
    const id = eventId(req);
    const patch = requestBody(req);
    const condition = parseIfMatch(req, id);
    const row = await ctx.repository.transaction(async (tx) => {
      const current = await ctx.repository.lockEvent(tx, id);
      if (!current) throw notFound('No event has this id');
      if (!ifMatchHolds(condition, current.version)) throw preconditionFailed(itemEtag(id, current.version));
      const base: Record<string, unknown> = { ...eventToWire(current) };
      for (const field of READ_ONLY) delete base[field];
      const input = parseEventBody(mergePatch(base, patch));
      return ctx.repository.updateEvent(tx, id, eventValues(input), undefined);
    });
    if (!row) throw notFound('No event has this id');
    await ctx.cache.invalidate([`ev:${id}`, 'ev']);
    send(req, res, itemResponse(200, row));
  };
}

export function deleteEvent(ctx: EventpostContext): RouteHandler {
  return async (req, res) => {
    const id = eventId(req);
    const condition = parseIfMatch(req, id);
    const { event, notifications } = await ctx.repository.transaction(async (tx) => {
      const current = await ctx.repository.lockEvent(tx, id);
      if (!current) throw notFound('No event has this id');
      if (!ifMatchHolds(condition, current.version)) throw preconditionFailed(itemEtag(id, current.version));
      return ctx.repository.deleteLockedEvent(tx, id);
    });
    const cancelled = notifications.filter((n) => n.was_scheduled);
    if (cancelled.length) ctx.metrics.notifications.inc({ status: 'cancelled' }, cancelled.length);
    await ctx.cache.invalidate([`ev:${id}`, 'ev', ...(notifications.length ? ['nt', ...notifications.map((n) => `nt:${n.id}`)] : [])]);
    for (const notification of cancelled) await ctx.delivery.cancel(notification.id, notification.schedule_seq);
    send(req, res, jsonResponse(200, eventToWire(event)));
  };
}
