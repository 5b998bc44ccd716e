import { timingSafeEqual } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { HttpError, notFound, requestErrors, timeDbOperation, type Metrics } from '@platform/platform';
import type { Kysely } from 'kysely';
import { BATCH_BODY_LIMIT, fieldsFromSeedWrite, jsonFromBody, queryFields, rawBody, SINGLE_BODY_LIMIT } from './body';
import type { MessyConfig } from './config';
import { decodeCursor, encodeCursor } from './cursor';
import type { MessyDb } from './db';
import { parseIdempotencyKey } from './idempotency';
import type { MessyMetrics } from './metrics';
import { parseListQuery } from './read-query';
import { findMessage, listMessages, type MessageRow } from './repository';
import { ifNoneMatchMatches } from './stats-body';
import type { StatsService } from './stats-service';
import { validateMessage, type FieldError, type MessageInput, type RawValue } from './validation';
import type { WriteService } from './writes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BATCH = 1000;

export interface RouteDeps {
  config: MessyConfig;
  db: Kysely<MessyDb>;
  writes: WriteService;
  stats: StatsService;
  metrics: MessyMetrics;
  platformMetrics: Metrics;
}

function methodNotAllowed(allow: string): RequestHandler {
  return (req, _res, next) => next(new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here`, null, { Allow: allow }));
}

function isRecord(value: unknown): value is Record<string, RawValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toView(row: MessageRow) {
  return { id: row.id, username: row.username, city: row.city, state: row.state, message: row.message, created_at: row.created_at.toISOString() };
}

export function createRouter(deps: RouteDeps): Router {
  const { config, db, writes, stats, metrics, platformMetrics } = deps;
  const router = Router();

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

  router.post('/messages/batch', rawBody(BATCH_BODY_LIMIT), async (req, res) => {
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
  });
  router.all('/messages/batch', methodNotAllowed('POST'));

  router.post('/messages', rawBody(SINGLE_BODY_LIMIT), (req, res) => acceptSingle(req, res, () => jsonFromBody(req)));
  router.get('/messages', async (req, res) => {
    const query = parseListQuery(queryFields(req));
    const before = query.cursor !== undefined ? decodeCursor(query.cursor, query.filter) : undefined;
    const rows = await timeDbOperation(platformMetrics, 'messy', 'messages.list', () => listMessages(db, query.filter, query.limit + 1, before));
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > query.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }, query.filter) : null;
    res.json({ items: page.map(toView), next_cursor: nextCursor });
  });
  router.all('/messages', methodNotAllowed('GET, HEAD, POST'));

  router.get('/messages/:id', async (req, res) => {
    const id = req.params.id;
    const row = UUID.test(id) ? await timeDbOperation(platformMetrics, 'messy', 'messages.find', () => findMessage(db, id.toLowerCase())) : undefined;
    if (!row) throw notFound('No persisted message has this id');
    res.json(toView(row));
  });
  router.all('/messages/:id', methodNotAllowed('GET, HEAD'));

  // The seed's URL: with or without the trailing slash, never a redirect.
  if (config.MESSY_GET_WRITES) router.get('/message/write', (req, res) => acceptSingle(req, res, () => queryFields(req)));
  router.post('/message/write', rawBody(SINGLE_BODY_LIMIT), (req, res) => acceptSingle(req, res, () => fieldsFromSeedWrite(req)));
  router.all('/message/write', methodNotAllowed(config.MESSY_GET_WRITES ? 'GET, HEAD, POST' : 'POST'));

  const serveStats: RequestHandler = async (req, res) => {
    const rendered = await stats.serve();
    res.set('ETag', rendered.etag).set('Cache-Control', 'no-cache');
    if (ifNoneMatchMatches(req.headers['if-none-match'], rendered.etag)) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(rendered.json);
  };
  router.get('/stats', serveStats);
  router.all('/stats', methodNotAllowed('GET, HEAD'));
  router.get('/stat/get', serveStats);
  router.all('/stat/get', methodNotAllowed('GET, HEAD'));

  const admin = adminGuard(config.MESSY_ADMIN_TOKEN);
  router.post('/admin/stats/refresh', admin, async (_req, res) => {
    const rendered = await stats.refreshNow();
    res.set('ETag', rendered.etag).set('Cache-Control', 'no-cache').type('application/json').send(rendered.json);
  });
  router.all('/admin/stats/refresh', methodNotAllowed('POST'));
  router.post('/admin/stats/recount', admin, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await stats.recount());
  });
  router.all('/admin/stats/recount', methodNotAllowed('POST'));
  // Spec: an id that is not a UUID is 404.
  router.use(requestErrors({ undecodablePath: 'not_found' }));
  return router;
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

function adminGuard(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (token === undefined) return next();
    const header = req.headers.authorization ?? '';
    const expected = Buffer.from(`Bearer ${token}`);
    const given = Buffer.from(header);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    next(new HttpError(401, 'unauthenticated', 'A valid bearer token is required', null, { 'WWW-Authenticate': 'Bearer' }));
  };
}
