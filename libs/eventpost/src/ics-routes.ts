import { notFound } from '@platform/platform';
import type { Request, Response } from 'express';
import type { EventpostContext } from './context';
import { renderCalendar } from './ics';
import { canonicalQuery, EVENT_QUERY_NAMES, type EventFilters } from './listing';
import { cacheKeyPart, send, weakEtag } from './responses';
import { badRequest, type RouteHandler } from './wire';

const CALENDAR_TYPE = 'text/calendar; charset=utf-8';

export function eventsCalendar(ctx: EventpostContext) {
  return async ({ limit: _limit, cursor: _cursor, ...filters }: EventFilters, req: Request, res: Response) => {
    const query = canonicalQuery(req, EVENT_QUERY_NAMES.filter((name) => name !== 'limit'));
    const cached = await ctx.cache.lookup('ics', 'ev', `ics:${cacheKeyPart(query)}`);
    if (cached.hit) return send(req, res, cached.hit);
    const max = ctx.config.icsMaxEvents;
    const rows = await ctx.repository.eventsForCalendar(filters, max);
    if (rows.length > max) {
      throw badRequest(`More than ${max} events match; narrow the filters`, [{ path: 'limit', message: `at most ${max} events` }]);
    }
    const body = renderCalendar(rows, ctx.config.publicUrl);
    const response = { status: 200, headers: { 'Content-Type': CALENDAR_TYPE, ETag: weakEtag(body), 'Cache-Control': 'no-cache' }, body };
    await ctx.cache.fill(cached.slot, response);
    send(req, res, response);
  };
}

export function eventCalendar(ctx: EventpostContext): RouteHandler {
  return async (req, res) => {
    // The router checked the id against `ID`.
    const id = req.params.id as string;
    const cached = await ctx.cache.lookup('ics', `ev:${id}`, `ics1:${id}`);
    if (cached.hit) return send(req, res, cached.hit);
    const row = await ctx.repository.findEvent(id);
    if (!row) throw notFound('No event has this id');
    const body = renderCalendar([row], ctx.config.publicUrl);
    const response = { status: 200, headers: { 'Content-Type': CALENDAR_TYPE, ETag: weakEtag(body), 'Cache-Control': 'no-cache' }, body };
    await ctx.cache.fill(cached.slot, response);
    send(req, res, response);
  };
}
