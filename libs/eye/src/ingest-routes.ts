import { HttpError, operation, type AnyOperation, type ErrorDetail, type Security } from '@platform/platform';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { z } from 'zod';
import { authenticate, keyFromHeader, type Caller } from './auth';
import { isJsonMediaType, mediaTypeOf, readBody } from './body';
import type { EyeConfig } from './config';
import { isPlainObject } from './envelope';
import type { Ingest, IngestItem, IngestRequest, ItemOutcome, Rejection } from './ingest';
import { batchBody, eventBody, responses, segmentBatchBody } from './schemas';
import { mapSegmentMessage, withDefaults } from './segment';
import { nowMicros } from './timestamp';

const SINGLE_LIMIT = 32 * 1024;
const BATCH_LIMIT = 1024 * 1024;
const SEGMENT_LIMIT = 512_000;
const MAX_BATCH = 1000;
const MAX_SEGMENT_BATCH = 2500;
/**
 * Media types Segment's API reads as JSON: `text/plain` (browser beacons avoid a CORS preflight with it) and
 * form-urlencoded (axios' default for a Buffer body, so what RudderStack's SDK sends with its gzipped batches).
 */
const SEGMENT_TEXT_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded']);

/** The error body of a recorded rejection carries the record's id. */
class RecordedError extends HttpError {
  constructor(status: number, rejection: Rejection, errorId: string) {
    super(status, rejection.code, rejection.message, rejection.details);
    this.errorId = errorId;
  }
  readonly errorId: string;
}

/** Answers recorded rejections with their `error_id`; every other error goes on to the kernel's handler. */
export const recordedErrorHandler: ErrorRequestHandler = (error, _req, res, next) => {
  if (!(error instanceof RecordedError) || res.headersSent) return next(error);
  res.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details, error_id: error.errorId } });
};

const segmentMessage = z.record(z.string(), z.unknown()).meta({ description: 'A Segment track, page or identify message' });
const CORS = { allowHeaders: ['Authorization', 'Content-Type'], maxAgeSeconds: 86400 };
const WRITE_KEY_SCHEMES = ['eyeWriteKeyBasic', 'eyeWriteKeyBearer'];

/** POST /events, /events/batch and the Segment endpoints: each answers after its events are durably queued. */
export function ingestOperations(config: EyeConfig, ingest: Ingest): AnyOperation[] {
  const writeKey: Security<Caller> = { schemes: WRITE_KEY_SCHEMES, authenticate: (req) => authenticate(config.writeKeys, req) };
  const requestOf = (req: Request, caller: Caller): IngestRequest => ({
    application: caller.application,
    endpoint: req.baseUrl + req.path,
    receivedAt: nowMicros(),
  });

  /** Reads and parses the body; an oversized or unparseable one is recorded and answered `status`. */
  const parseBody = async (req: Request, request: IngestRequest, limit: number, badStatus: { tooLarge: number; malformed: number }) => {
    const body = await readBody(req, limit);
    if (!body.ok) {
      const rejection = { code: 'payload_too_large', message: `The request body exceeds ${limit} bytes`, details: null };
      throw new RecordedError(badStatus.tooLarge, rejection, await ingest.recordRequestRejection(request, rejection, body.head));
    }
    try {
      return { value: JSON.parse(body.text) as unknown, text: body.text };
    } catch {
      const rejection = { code: 'malformed_json', message: 'The request body is not valid JSON', details: null };
      throw new RecordedError(badStatus.malformed, rejection, await ingest.recordRequestRejection(request, rejection, body.text));
    }
  };

  const requireJson = (req: Request, segment = false) => {
    const mediaType = mediaTypeOf(req);
    if (!isJsonMediaType(mediaType) && !(segment && mediaType !== undefined && SEGMENT_TEXT_TYPES.has(mediaType))) {
      throw new HttpError(
        415,
        'unsupported_media_type',
        segment ? 'Content-Type must be application/json, text/plain or application/x-www-form-urlencoded' : 'Content-Type must be application/json',
      );
    }
  };

  const postEvent = async (caller: Caller, req: Request, res: Response) => {
    requireJson(req);
    const request = requestOf(req, caller);
    const { value } = await parseBody(req, request, SINGLE_LIMIT, { tooLarge: 413, malformed: 400 });
    const [outcome] = await ingest.ingest(request, [{ index: null, event: value }]);
    if (outcome!.status === 'accepted') res.status(202).json({ status: 'accepted', id: outcome!.id });
    else if (outcome!.status === 'duplicate') res.status(200).json({ status: 'duplicate' });
    else throw new RecordedError(422, outcome!, outcome!.error_id);
  };

  const postBatch = async (caller: Caller, req: Request, res: Response) => {
    requireJson(req);
    const request = requestOf(req, caller);
    const { value, text } = await parseBody(req, request, BATCH_LIMIT, { tooLarge: 413, malformed: 400 });
    const problem = batchShapeProblem(value, 'events', MAX_BATCH, 1, new Set(['events']));
    if (problem) throw new RecordedError(422, problem, await ingest.recordRequestRejection(request, problem, text));
    const events = (value as { events: unknown[] }).events;
    const outcomes = await ingest.ingest(request, events.map((event, index) => ({ index, event })));
    res.status(202).json(summarise(outcomes));
  };

  const segmentHandler = (type?: string) => async (req: Request, res: Response) => {
    requireJson(req, true);
    const headerKey = keyFromHeader(req);
    let caller: Caller | undefined = headerKey !== undefined || config.writeKeys === null ? authenticate(config.writeKeys, req) : undefined;
    const receivedAt = nowMicros();
    // A single-message endpoint's body is the message, so Segment's 32 KiB per message is its request limit.
    const limit = type === undefined ? SEGMENT_LIMIT : SINGLE_LIMIT;
    const body = await readBody(req, limit);
    let value: unknown;
    let rejection: Rejection | undefined;
    if (!body.ok) rejection = { code: 'payload_too_large', message: `The request body exceeds ${limit} bytes`, details: null };
    else {
      try {
        value = JSON.parse(body.text);
      } catch {
        rejection = { code: 'malformed_json', message: 'The request body is not valid JSON', details: null };
      }
    }
    caller ??= authenticate(config.writeKeys, req, isPlainObject(value) ? value.writeKey : undefined);
    const request: IngestRequest = { application: caller.application, endpoint: req.baseUrl + req.path, receivedAt };
    const rawText = body.ok ? body.text : body.head;
    // Envelope fields Segment does not define (the legacy SDKs' `timestamp`…) are ignored, as Segment does.
    rejection ??= type === undefined ? batchShapeProblem(value, 'batch', MAX_SEGMENT_BATCH, 0) : isPlainObject(value) ? undefined : messageProblem();
    if (rejection) throw new RecordedError(400, rejection, await ingest.recordRequestRejection(request, rejection, rawText));

    let items: IngestItem[];
    if (type === undefined) {
      const { batch, sentAt, context, integrations } = value as { batch: unknown[]; sentAt?: unknown; context?: unknown; integrations?: unknown };
      items = batch.map((message, index) =>
        mapSegmentMessage(withDefaults(message, { sentAt, context, integrations }), index, receivedAt, Buffer.byteLength(JSON.stringify(message) ?? '')),
      );
    } else {
      items = [mapSegmentMessage(withDefaults(value, {}, type), null, receivedAt, Buffer.byteLength(body.ok ? body.text : ''))];
    }
    const outcomes = await ingest.ingest(request, items);
    res.status(200).json({ success: true, ...summarise(outcomes) });
  };
  const segment = (path: string, summary: string, schema: z.ZodType, type?: 'track' | 'page' | 'identify') =>
    operation({
      method: 'post',
      path,
      summary,
      description: 'The write key may also be the body\'s `writeKey` (Segment libraries send it so).',
      // The key is read after the body when it is not in a header: the handler authenticates.
      security: { schemes: WRITE_KEY_SCHEMES },
      body: { parser: 'stream', limit: SEGMENT_LIMIT, schema, mediaTypes: ['application/json', 'text/plain'] },
      cors: CORS,
      responses: {
        200: responses.segment,
        400: { description: 'Too large, not JSON or not a valid batch (recorded, with `error_id`)', error: true },
        401: { description: 'Missing or unknown write key', error: true },
        415: { description: 'Neither JSON nor text/plain', error: true },
      },
      handler: (_input, req, res) => segmentHandler(type)(req, res),
    });

  return [
    operation({
      method: 'post',
      path: '/events',
      summary: 'Ingest one event (202 once durably queued)',
      security: writeKey,
      body: { parser: 'stream', limit: SINGLE_LIMIT, schema: eventBody },
      cors: CORS,
      responses: {
        202: responses.accepted,
        200: responses.duplicate,
        400: { description: 'Not JSON (recorded, with `error_id`)', error: true },
        413: { description: 'Over 32 KiB (recorded, with `error_id`)', error: true },
        415: { description: 'Not application/json', error: true },
        422: { description: 'The event is rejected (recorded, with `error_id`)', error: true },
      },
      handler: ({ auth }, req, res) => postEvent(auth, req, res),
    }),
    operation({
      method: 'post',
      path: '/events/batch',
      summary: 'Ingest 1-1000 events; items are independent',
      security: writeKey,
      body: { parser: 'stream', limit: BATCH_LIMIT, schema: batchBody },
      cors: CORS,
      responses: {
        202: responses.batch,
        400: { description: 'Not JSON (recorded, with `error_id`)', error: true },
        413: { description: 'Over 1 MiB (recorded, with `error_id`)', error: true },
        415: { description: 'Not application/json', error: true },
        422: { description: 'Not a batch of 1-1000 events (recorded, with `error_id`)', error: true },
      },
      handler: ({ auth }, req, res) => postBatch(auth, req, res),
    }),
    segment('/segment/v1/batch', 'Segment HTTP API batch', segmentBatchBody),
    ...(['track', 'page', 'identify'] as const).map((type) => segment(`/segment/v1/${type}`, `Segment ${type}`, segmentMessage, type)),
  ];
}

function messageProblem(): Rejection {
  return { code: 'validation_failed', message: 'The body must be a JSON object', details: [{ path: '', message: 'Must be a JSON object' }] };
}

/** Fields outside `allowed` are refused; without `allowed`, any other field is let through. */
function batchShapeProblem(value: unknown, field: string, max: number, min: number, allowed?: Set<string>): Rejection | undefined {
  const details: ErrorDetail[] = [];
  if (!isPlainObject(value)) details.push({ path: field, message: `The body must be an object holding "${field}"` });
  else {
    if (allowed) for (const key of Object.keys(value)) if (!allowed.has(key)) details.push({ path: key, message: 'Unknown field' });
    const items = value[field];
    if (!Array.isArray(items)) details.push({ path: field, message: 'Must be an array' });
    else if (items.length < min || items.length > max) details.push({ path: field, message: `Must hold ${min}-${max} items` });
  }
  return details.length ? { code: 'validation_failed', message: 'The batch is invalid', details: details as Rejection['details'] } : undefined;
}

function summarise(outcomes: ItemOutcome[]) {
  let accepted = 0;
  let duplicates = 0;
  const rejected: { index: number; code: string; message: string; details: unknown; error_id: string }[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'accepted') accepted++;
    else if (outcome.status === 'duplicate') duplicates++;
    else rejected.push({ index, code: outcome.code, message: outcome.message, details: outcome.details, error_id: outcome.error_id });
  });
  return { accepted, duplicates, rejected };
}
