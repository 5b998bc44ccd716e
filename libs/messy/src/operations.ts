import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { HttpError, notFound, operation, PUBLIC, timeDbOperation, type AnyOperation, type Metrics, type Security } from '@platform/platform';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { BATCH_BODY_LIMIT, fieldsFromSeedWrite, jsonFromBody, queryFields, SINGLE_BODY_LIMIT } from './body';
import type { MessyConfig } from './config';
import { decodeCursor, encodeCursor } from './cursor';
import type { MessyDb } from './db';
import { parseIdempotencyKey } from './idempotency';
import type { MessyMetrics } from './metrics';
import { findMessage, listMessages, type MessageRow } from './repository';
import {
  accepted,
  batchAccepted,
  batchInput,
  idempotencyHeaders,
  listQuery,
  messageInput,
  messagePage,
  messageParams,
  messageView,
  recountResult,
  seedWriteQuery,
  statsBody,
} from './schemas';
import { ifNoneMatchMatches } from './stats-body';
import type { StatsService } from './stats-service';
import { validateMessage, type FieldError, type MessageInput, type RawValue } from './validation';
import type { WriteService } from './writes';

const MAX_BATCH = 1000;

export interface OperationDeps {
  config: MessyConfig;
  db: Kysely<MessyDb>;
  writes: WriteService;
  stats: StatsService;
  metrics: MessyMetrics;
  platformMetrics: Metrics;
}

export const messySecuritySchemes = {
  messyAdminToken: { type: 'http', scheme: 'bearer', description: '`MESSY_ADMIN_TOKEN` as `Authorization: Bearer <token>` (the admin endpoints are open while it is unset)' },
};

const WRITE_ERRORS = {
  409: { description: 'A request with this Idempotency-Key is still running', error: true },
  503: { description: 'The message could not be queued in time; nothing was accepted', error: true, headers: { 'Retry-After': 'Seconds to wait' } },
} as const;
const ACCEPTED_HEADERS = { Location: 'The message, once persisted', 'Cache-Control': '`no-store`' };
const STATS_HEADERS = { ETag: 'The snapshot version', 'Cache-Control': '`no-cache`' };
const ifNoneMatch = z.object({ 'If-None-Match': z.string().meta({ description: 'ETags of snapshots the client holds' }).optional() });

/** The module's strict query decoding (duplicates and bad UTF-8 marked, never replaced) is what its schemas see. */
const strictQuery: RequestHandler = (req, _res, next) => {
  Object.defineProperty(req, 'query', { value: queryFields(req), configurable: true, enumerable: true });
  next();
};

function isRecord(value: unknown): value is Record<string, RawValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toView(row: MessageRow) {
  return { id: row.id, username: row.username, city: row.city, state: row.state, message: row.message, created_at: row.created_at.toISOString() };
}

export function messyOperations(deps: OperationDeps): AnyOperation[] {
  const { config, db, writes, stats, metrics, platformMetrics } = deps;
  const admin = adminSecurity(config.MESSY_ADMIN_TOKEN);

  /** Counts every message refused with a 4xx (each item of a refused batch). */
  const countRejections = async (count: () => number, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      if (error instanceof HttpError && error.status >= 400 && error.status < 500) metrics.messages.inc({ outcome: 'rejected' }, count());
      throw error;
    }
  };

  const acceptSingle = (req: Request, res: Response, fields: () => unknown) =>
    countRejections(
      () => 1,
      async () => {
        const key = parseIdempotencyKey(req.headers['idempotency-key']);
        const input = singleMessage(fields());
        const { ids } = await writes.accept('single', [input], key);
        const id = ids[0]!;
        res.status(202).set('Cache-Control', 'no-store').set('Location', `${req.baseUrl}/messages/${id}`).json({ id, status: 'accepted' });
      },
    );

  const serveStats = async (req: Request, res: Response) => {
    const rendered = await stats.serve();
    res.set('ETag', rendered.etag).set('Cache-Control', 'no-cache');
    if (ifNoneMatchMatches(req.headers['if-none-match'], rendered.etag)) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(rendered.json);
  };

  const singleBody = { parser: 'raw', limit: SINGLE_BODY_LIMIT, schema: messageInput } as const;
  const operations: AnyOperation[] = [
    operation({
      method: 'post',
      path: '/messages/batch',
      summary: 'Accept 1-1000 messages atomically',
      security: PUBLIC,
      request: { headers: idempotencyHeaders },
      body: { parser: 'raw', limit: BATCH_BODY_LIMIT, schema: batchInput },
      responses: { 202: batchAccepted, 415: { description: 'The body is not JSON', error: true }, 422: { description: 'An item or the batch is invalid (all or nothing)', error: true }, ...WRITE_ERRORS },
      handler: async (_input, req, res) => {
        let items = 1;
        await countRejections(
          () => items,
          async () => {
            const key = parseIdempotencyKey(req.headers['idempotency-key']);
            const body = jsonFromBody(req);
            const list = isRecord(body) ? (body as Record<string, unknown>).messages : undefined;
            if (Array.isArray(list)) items = Math.max(list.length, 1);
            const { ids } = await writes.accept('batch', batchMessages(body), key);
            res.status(202).set('Cache-Control', 'no-store').json({ ids, status: 'accepted' });
          },
        );
      },
    }),
    operation({
      method: 'post',
      path: '/messages',
      summary: 'Accept one message (202 once durably queued)',
      security: PUBLIC,
      request: { headers: idempotencyHeaders },
      body: singleBody,
      responses: { 202: { description: 'Accepted', schema: accepted, headers: ACCEPTED_HEADERS }, 415: { description: 'The body is not JSON', error: true }, ...WRITE_ERRORS },
      handler: (_input, req, res) => acceptSingle(req, res, () => jsonFromBody(req)),
    }),
    operation({
      method: 'get',
      path: '/messages',
      summary: 'Persisted messages, newest first (keyset pagination)',
      security: PUBLIC,
      before: [strictQuery],
      request: { query: listQuery },
      responses: { 200: messagePage },
      handler: async ({ query }, _req, res) => {
        const before = query.cursor !== undefined ? decodeCursor(query.cursor, query.filter) : undefined;
        const rows = await timeDbOperation(platformMetrics, 'messy', 'messages.list', () => listMessages(db, query.filter, query.limit + 1, before));
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        const nextCursor = rows.length > query.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }, query.filter) : null;
        res.json({ items: page.map(toView), next_cursor: nextCursor });
      },
    }),
    operation({
      method: 'get',
      path: '/messages/:id',
      summary: 'One persisted message',
      security: PUBLIC,
      request: { params: messageParams },
      responses: { 200: messageView },
      handler: async ({ params }, _req, res) => {
        const row = await timeDbOperation(platformMetrics, 'messy', 'messages.find', () => findMessage(db, params.id.toLowerCase()));
        if (!row) throw notFound('No persisted message has this id');
        res.json(toView(row));
      },
    }),
    // The seed's URL: with or without the trailing slash, never a redirect.
    operation({
      method: 'post',
      path: '/message/write',
      summary: "The seed's write URL (form, JSON, or the query string)",
      security: PUBLIC,
      request: { headers: idempotencyHeaders },
      body: { ...singleBody, mediaTypes: ['application/x-www-form-urlencoded', 'application/json'] },
      responses: { 202: { description: 'Accepted', schema: accepted, headers: ACCEPTED_HEADERS }, 415: { description: 'The body is neither a form nor JSON', error: true }, ...WRITE_ERRORS },
      handler: (_input, req, res) => acceptSingle(req, res, () => fieldsFromSeedWrite(req)),
    }),
    ...(
      [
        ['/stats', 'Statistics snapshot (ETag / If-None-Match)'],
        ['/stat/get', "The seed's statistics URL"],
      ] as const
    ).map(([path, summary]) =>
      operation({
        method: 'get',
        path,
        summary,
        security: PUBLIC,
        request: { headers: ifNoneMatch },
        responses: { 200: { description: 'The snapshot', schema: statsBody, headers: STATS_HEADERS }, 304: { description: 'The client holds this snapshot' } },
        handler: (_input, req, res) => serveStats(req, res),
      }),
    ),
    operation({
      method: 'post',
      path: '/admin/stats/refresh',
      summary: 'Build a snapshot now',
      security: admin,
      responses: { 200: { description: 'The new snapshot', schema: statsBody, headers: STATS_HEADERS } },
      handler: async (_input, _req, res) => {
        const rendered = await stats.refreshNow();
        res.set('ETag', rendered.etag).set('Cache-Control', 'no-cache').type('application/json').send(rendered.json);
      },
    }),
    operation({
      method: 'post',
      path: '/admin/stats/recount',
      summary: 'Recount every aggregate from the messages',
      security: admin,
      responses: { 200: recountResult },
      handler: async (_input, _req, res) => void res.set('Cache-Control', 'no-store').json(await stats.recount()),
    }),
  ];
  if (config.MESSY_GET_WRITES) {
    operations.push(
      operation({
        method: 'get',
        path: '/message/write',
        summary: "The seed's write URL (query string)",
        security: PUBLIC,
        request: { query: seedWriteQuery, headers: idempotencyHeaders },
        responses: { 202: { description: 'Accepted', schema: accepted, headers: ACCEPTED_HEADERS }, ...WRITE_ERRORS },
        handler: (_input, req, res) => acceptSingle(req, res, () => queryFields(req)),
      }),
    );
  }
  return operations;
}

const invalid = (details: FieldError[]) => new HttpError(422, 'validation_failed', 'Invalid request', details);

/** One message from a parsed body or decoded query; 422 with one entry per bad field. */
function singleMessage(fields: unknown): MessageInput {
  if (!isRecord(fields)) throw invalid([{ path: '', message: 'the body must be a JSON object', code: 'invalid_type' }]);
  const result = validateMessage(fields);
  if (result.errors) throw invalid(result.errors);
  return result.message;
}

/** All or nothing: one bad item refuses the whole batch, with `messages.<index>.<field>` paths. */
function batchMessages(body: unknown): MessageInput[] {
  const items = isRecord(body) ? (body as Record<string, unknown>).messages : undefined;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH) {
    throw invalid([
      { path: 'messages', message: `messages must be an array of 1 to ${MAX_BATCH} messages`, code: 'invalid_batch' },
    ]);
  }
  const inputs: MessageInput[] = [];
  const errors: FieldError[] = [];
  items.forEach((item, index) => {
    if (!isRecord(item)) {
      errors.push({ path: `messages.${index}`, message: 'each message must be an object', code: 'invalid_type' });
      return;
    }
    const result = validateMessage(item, `messages.${index}.`);
    if (result.errors) errors.push(...result.errors);
    else inputs.push(result.message);
  });
  if (errors.length) throw invalid(errors);
  return inputs;
}

function adminSecurity(token: string | undefined): Security {
  return {
    schemes: ['messyAdminToken'],
    authenticate(req) {
      if (token === undefined) return undefined;
      const expected = Buffer.from(`Bearer ${token}`);
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
      throw new HttpError(401, 'unauthenticated', 'A valid bearer token is required', null, { 'WWW-Authenticate': 'Bearer' });
    },
  };
}
