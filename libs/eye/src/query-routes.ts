import { HttpError, notFound, operation, type AnyOperation, type Security } from '@platform/platform';
import { authenticate, type Caller } from './auth';
import type { EyeConfig } from './config';
import { decodeCursor, encodeCursor } from './cursor';
import type { Ingest } from './ingest';
import type { PersistPipeline } from './pipeline';
import type { DedupClaims } from './dedup';
import type { Repository } from './repository';
import { withoutSeq } from './repository';
import { errorsQuery, eventsQuery, idParams, pageQuery, registerTypeBody, responses, sessionParams, statsQuery, typeParams } from './schemas';
import { mapSegmentMessage } from './segment';
import { formatMicros, parseTimestamp } from './timestamp';
import type { TypeRegistry } from './type-registry';
import { unstorableDetails } from './envelope';
import { compileSchema } from './event-types';
import { unavailable } from './http-errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface QueryDeps {
  config: EyeConfig;
  repository: Repository;
  registry: TypeRegistry;
  ingest: Ingest;
  pipeline: PersistPipeline;
  claims: DedupClaims;
}

const invalid = (path: string, message: string) => new HttpError(422, 'validation_failed', 'Invalid request', [{ path, message, code: 'invalid', in: 'query' }]);

/** §3 time bounds in output form; `from` later than `to` is 422. */
function timeRange(query: { from?: string; to?: string }): { from?: string; to?: string } {
  const range: { from?: string; to?: string } = {};
  for (const key of ['from', 'to'] as const) {
    const value = query[key];
    if (value === undefined) continue;
    const micros = parseTimestamp(value);
    if (micros === undefined) throw invalid(key, 'Must be YYYY-MM-DDThh:mm:ss[.ffffff][Z|±hh:mm] (+ as %2B)');
    range[key] = formatMicros(micros);
  }
  if (range.from && range.to && parseTimestamp(range.from)! > parseTimestamp(range.to)!) throw invalid('from', 'Must not be later than to');
  return range;
}

/** The application a read is scoped to (null: all, dev mode); naming another application is 403. */
function scope(caller: Caller, application: string | undefined): string | null {
  if (caller.seesAll) return application ?? null;
  if (application !== undefined && application !== caller.application) throw new HttpError(403, 'forbidden', 'This key may only read its own application');
  return caller.application;
}

const isEventPosition = (value: unknown): value is { timestamp: string; seq: number } =>
  typeof value === 'object' && value !== null && typeof (value as { timestamp?: unknown }).timestamp === 'string' &&
  parseTimestamp((value as { timestamp: string }).timestamp) !== undefined && Number.isSafeInteger((value as { seq?: unknown }).seq);
const isErrorPosition = (value: unknown): value is { received_at: string; id: string } =>
  typeof value === 'object' && value !== null && typeof (value as { received_at?: unknown }).received_at === 'string' &&
  parseTimestamp((value as { received_at: string }).received_at) !== undefined && UUID.test(String((value as { id?: unknown }).id));
const isTypePosition = (value: unknown): value is { category: string; name: string } =>
  typeof value === 'object' && value !== null && typeof (value as { category?: unknown }).category === 'string' && typeof (value as { name?: unknown }).name === 'string';

/** Queries (§9), the error store and replay (§7) and the event-type registry (§8). */
export function queryOperations(deps: QueryDeps): AnyOperation[] {
  const { config, repository, registry, ingest, pipeline, claims } = deps;
  // Reads, replay and registration need the key before anything else (a keyless request is 401 whatever its body).
  const writeKey: Security<Caller> = { schemes: ['eyeWriteKeyBasic', 'eyeWriteKeyBearer'], authenticate: (req) => authenticate(config.writeKeys, req) };

  const listEvents = async (endpoint: string, filters: Parameters<Repository['listEvents']>[0], limit: number, cursor: string | undefined) => {
    const after = decodeCursor(cursor, endpoint, filters, isEventPosition);
    const rows = await repository.listEvents(filters, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(withoutSeq),
      next_cursor: rows.length > limit && last ? encodeCursor(endpoint, filters, { timestamp: last.timestamp, seq: last.seq }) : null,
    };
  };

  /**
   * Replay stores its event only under its own dedup claim. A claim held by a copy not yet in Postgres means
   * that copy was answered 2xx and is still queued: storing ours would drop it, so the client retries (503).
   * A copy already stored is linked instead (the insert does nothing).
   */
  const claimReplayedKey = async (application: string, dedupKey: string): Promise<'claimed' | 'stored'> => {
    let taken: boolean;
    try {
      taken = await claims.tryClaim(application, dedupKey);
    } catch {
      throw unavailable('Deduplication is unavailable; retry', 1);
    }
    if (taken) return 'claimed';
    if (await repository.hasEvent(application, dedupKey)) return 'stored';
    throw unavailable('A copy of this event is still being queued; retry', 1);
  };

  return [
    operation({
      method: 'get',
      path: '/events',
      summary: 'Events by filters, ordered by timestamp then arrival',
      security: writeKey,
      request: { query: eventsQuery },
      responses: { 200: responses.events, 403: { description: 'The key may only read its own application', error: true } },
      handler: async ({ auth: who, query }, _req, res) => {
        const filters = { application: scope(who, query.application), session_id: query.session_id, category: query.category, name: query.name, ...timeRange(query) };
        res.json(await listEvents('events', filters, query.limit, query.cursor));
      },
    }),
    operation({
      method: 'get',
      path: '/sessions/:session_id/events',
      summary: "A session's events in order",
      security: writeKey,
      request: { params: sessionParams, query: pageQuery },
      responses: { 200: responses.events },
      handler: async ({ auth: who, query, params }, _req, res) => {
        const filters = { application: scope(who, undefined), session_id: params.session_id };
        res.json(await listEvents('sessions', filters, query.limit, query.cursor));
      },
    }),
    operation({
      method: 'get',
      path: '/stats',
      summary: 'Stored events per type in a time range',
      security: writeKey,
      request: { query: statsQuery },
      responses: { 200: responses.stats, 403: { description: 'The key may only read its own application', error: true } },
      handler: async ({ auth: who, query }, _req, res) => {
        const range = timeRange(query);
        const items = await repository.countByType({ application: scope(who, query.application), ...range });
        res.json({ from: range.from ?? null, to: range.to ?? null, total: items.reduce((sum, item) => sum + item.count, 0), items });
      },
    }),
    operation({
      method: 'get',
      path: '/errors',
      summary: 'Rejected input, newest first',
      security: writeKey,
      request: { query: errorsQuery },
      responses: { 200: responses.errors },
      handler: async ({ auth: who, query }, _req, res) => {
        const filters = { application: scope(who, undefined), code: query.code, status: query.status, ...timeRange(query) };
        const before = decodeCursor(query.cursor, 'errors', filters, isErrorPosition);
        const rows = await repository.listErrors(filters, before, query.limit + 1);
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        res.json({
          items: page,
          next_cursor: rows.length > query.limit && last ? encodeCursor('errors', filters, { received_at: last.received_at, id: last.id }) : null,
        });
      },
    }),
    operation({
      method: 'get',
      path: '/errors/:id',
      summary: 'One error record',
      security: writeKey,
      request: { params: idParams },
      responses: { 200: responses.error, 404: { description: 'No such error record', error: true } },
      handler: async ({ auth: who, params }, _req, res) => {
        const record = UUID.test(params.id) ? await repository.getError(scope(who, undefined), params.id) : undefined;
        if (!record) throw notFound('No such error record');
        res.json(record);
      },
    }),
    operation({
      method: 'post',
      path: '/errors/:id/replay',
      summary: 'Re-validate a recorded payload against the current registry',
      security: writeKey,
      request: { params: idParams },
      responses: { 200: responses.replayed, 404: { description: 'No such error record', error: true }, 422: { description: 'Still rejected: the record rejection', error: true }, 503: { description: 'A copy is still being queued; retry', error: true } },
      handler: async ({ auth: who, params }, _req, res) => {
        if (!UUID.test(params.id)) throw notFound('No such error record');
        let claimed: { application: string; dedupKey: string } | undefined;
        let result: Awaited<ReturnType<Repository['replay']>>;
        try {
          result = await repository.replay(scope(who, undefined), params.id, async (record) => {
            // A whole-request rejection (raw_text kept, no payload) has no event to re-validate.
            if (record.raw_text !== null) {
              return { rejection: { code: record.code, message: record.message, details: record.details } };
            }
            const receivedAt = parseTimestamp(record.received_at)!;
            const item = record.endpoint.includes('/segment/v1/') ? mapSegmentMessage(record.payload, record.index, receivedAt) : { index: record.index, event: record.payload };
            const decision = await ingest.evaluate(record.application, item, receivedAt);
            if ('rejection' in decision) return decision;
            const event = { ...ingest.queuedEvent({ application: record.application, endpoint: record.endpoint, receivedAt }, decision.candidate), seq: await pipeline.nextSeq() };
            if ((await claimReplayedKey(record.application, event.dedup_key)) === 'claimed') claimed = { application: record.application, dedupKey: event.dedup_key };
            return { event };
          });
        } catch (error) {
          if (claimed) await claims.release(claimed.application, [claimed.dedupKey]);
          throw error;
        }
        if (!result) throw notFound('No such error record');
        if ('rejection' in result) {
          const rejection = result.rejection as { code: string; message: string; details: unknown };
          throw new HttpError(422, rejection.code, rejection.message, rejection.details);
        }
        if (claimed) await claims.markCommitted([claims.keyOf(claimed.application, claimed.dedupKey)]).catch(() => undefined);
        res.json({ status: 'replayed', event: result.event });
      },
    }),
    operation({
      method: 'get',
      path: '/event-types',
      summary: 'Current version of every usable type',
      security: writeKey,
      request: { query: pageQuery },
      responses: { 200: responses.eventTypes },
      handler: async ({ auth: who, query }, _req, res) => {
        const filters = { application: who.application };
        const after = decodeCursor(query.cursor, 'event-types', filters, isTypePosition);
        const all = await registry.list(who.application);
        const start = after ? all.findIndex((type) => type.category > after.category || (type.category === after.category && type.name > after.name)) : 0;
        const rest = start < 0 ? [] : all.slice(start);
        const page = rest.slice(0, query.limit);
        const last = page.at(-1);
        res.json({
          items: page,
          next_cursor: rest.length > query.limit && last ? encodeCursor('event-types', filters, { category: last.category, name: last.name }) : null,
        });
      },
    }),
    operation({
      method: 'get',
      path: '/event-types/:category/:name',
      summary: 'One type with its versions',
      security: writeKey,
      request: { params: typeParams },
      responses: { 200: responses.eventTypeWithVersions, 404: { description: 'No such event type', error: true } },
      handler: async ({ auth: who, params }, _req, res) => {
        const type = await registry.get(who.application, params.category, params.name);
        if (!type) throw notFound('No such event type');
        res.json(type);
      },
    }),
    operation({
      method: 'put',
      path: '/event-types/:category/:name',
      summary: 'Register a JSON Schema for data (new version or 200 when unchanged)',
      security: writeKey,
      request: { params: typeParams, body: registerTypeBody },
      body: { parser: 'json', limit: '1mb' },
      responses: { 200: responses.eventType, 201: responses.eventType },
      handler: async ({ auth: who, params, body }, _req, res) => {
        const problems = unstorableDetails(body.schema, 'schema');
        if (problems.length) throw new HttpError(422, 'validation_failed', 'Invalid request', problems.map((p) => ({ ...p, code: 'invalid', in: 'body' })));
        const compiled = compileSchema(body.schema);
        if (!compiled.ok) throw new HttpError(422, 'validation_failed', 'The schema does not compile', compiled.details.map((d) => ({ ...d, code: 'invalid_schema', in: 'body' })));
        const { created, type } = await registry.register(who.application, params.category, params.name, body.schema, body.description ?? null);
        res.status(created ? 201 : 200).json(type);
      },
    }),
  ];
}
