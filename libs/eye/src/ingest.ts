import { randomUUID } from 'node:crypto';
import { HttpError } from '@platform/platform';
import { utf8Head } from './body';
import { canonicalJson, sha256Hex } from './canonical-json';
import type { EyeConfig } from './config';
import type { DedupClaims } from './dedup';
import { validateEnvelope, type Detail, type Envelope } from './envelope';
import { unavailable } from './http-errors';
import type { EyeMetrics } from './metrics';
import type { PersistPipeline, Write } from './pipeline';
import type { QueuedError, QueuedEvent } from './records';
import { formatMicros, type Micros } from './timestamp';
import type { TypeRegistry } from './type-registry';

export const MAX_EVENT_BYTES = 32 * 1024;
const MAX_RAW_TEXT = 64 * 1024;

export interface IngestRequest {
  application: string;
  /** The request path, kept on error records. */
  endpoint: string;
  receivedAt: Micros;
}

export interface Rejection {
  code: string;
  message: string;
  details: Detail[] | null;
}

export interface IngestItem {
  /** Position in a batch, null for a single event. */
  index: number | null;
  /** The event in envelope form (or anything a client sent). */
  event: unknown;
  /** What the error store keeps on rejection (default: `event`). */
  payload?: unknown;
  /** Decided before the envelope is looked at (a Segment message that maps to no event). */
  rejection?: Rejection;
  /** Fingerprinted instead of the event (Segment messages without `messageId`), once the event is valid. */
  dedupIdentity?: unknown;
  maxEventIdLength?: number;
  /** The 32 KiB rule was applied to what the client sent (a Segment message), not to the event it maps to. */
  sizeChecked?: boolean;
}

export type ItemOutcome = { status: 'accepted'; id: string } | { status: 'duplicate' } | ({ status: 'rejected'; error_id: string } & Rejection);

interface Candidate {
  envelope: Envelope;
  typeVersion: number | null;
  dedupKey: string;
  /** `data` as compact JSON text. */
  dataText: string;
}

/**
 * Per-event decisions of §3-§5 and the durable hand-off of §6: validate each item, claim its dedup key,
 * queue accepted events and error records in one group commit, and classify every item.
 */
export function createIngest(config: EyeConfig, registry: TypeRegistry, claims: DedupClaims, pipeline: PersistPipeline, metrics: EyeMetrics) {
  /** Applies the rejection codes in the spec's order; a candidate has a type and a dedup key. */
  async function evaluate(application: string, item: IngestItem, receivedAt: Micros): Promise<{ rejection: Rejection } | { candidate: Candidate }> {
    if (item.rejection) return { rejection: item.rejection };
    let compact: string | undefined;
    try {
      compact = item.sizeChecked ? undefined : JSON.stringify(item.event);
    } catch {
      compact = undefined;
    }
    if (compact !== undefined && Buffer.byteLength(compact) > MAX_EVENT_BYTES) {
      return { rejection: { code: 'event_too_large', message: `An event must be at most ${MAX_EVENT_BYTES} bytes as compact JSON`, details: null } };
    }
    const checked = validateEnvelope(item.event, item.maxEventIdLength);
    if (!checked.ok) return { rejection: { code: 'validation_failed', message: 'The event is invalid', details: checked.details } };
    const { envelope } = checked;
    if (envelope.timestamp - receivedAt > config.futureToleranceMicros) {
      return {
        rejection: {
          code: 'timestamp_in_future',
          message: `timestamp is more than ${config.futureToleranceMicros / 1_000_000n} s after the time of receipt`,
          details: [{ path: 'timestamp', message: `received at ${formatMicros(receivedAt)}` }],
        },
      };
    }
    const type = await registry.resolve(application, envelope.category, envelope.name);
    if (!type && !config.acceptUnknown) {
      return {
        rejection: {
          code: 'unknown_event_type',
          message: `No event type is registered for category "${envelope.category}", name "${envelope.name}"`,
          details: [{ path: 'name', message: 'Unknown event type' }],
        },
      };
    }
    if (type) {
      const problems = type.validate(envelope.data);
      if (problems.length) return { rejection: { code: 'validation_failed', message: `data does not match the event type (version ${type.version})`, details: problems } };
    }
    const dataText = JSON.stringify(envelope.data);
    return { candidate: { envelope, typeVersion: type ? type.version : null, dedupKey: item.dedupIdentity !== undefined && envelope.event_id === null ? fingerprint(item.dedupIdentity) : dedupKeyOf(envelope), dataText } };
  }

  function errorRecord(request: IngestRequest, index: number | null, rejection: Rejection, payload: unknown, rawText: string | null): QueuedError {
    return {
      id: randomUUID(),
      application: request.application,
      code: rejection.code,
      message: rejection.message,
      details: rejection.details === null ? null : JSON.stringify(rejection.details),
      endpoint: request.endpoint,
      index,
      payload: payloadText(payload),
      raw_text: rawText === null ? null : rawTextHead(rawText),
      received_at: formatMicros(request.receivedAt),
    };
  }

  function queuedEvent(request: IngestRequest, candidate: Candidate, receivedText = formatMicros(request.receivedAt)): Omit<QueuedEvent, 'seq'> {
    const { envelope } = candidate;
    return {
      id: randomUUID(),
      event_id: envelope.event_id,
      application: request.application,
      session_id: envelope.session_id,
      category: envelope.category,
      name: envelope.name,
      data: candidate.dataText,
      timestamp: formatMicros(envelope.timestamp),
      received_at: receivedText,
      type_version: candidate.typeVersion,
      dedup_key: candidate.dedupKey,
    };
  }

  return {
    evaluate,
    queuedEvent,

    async ingest(request: IngestRequest, items: IngestItem[]): Promise<ItemOutcome[]> {
      await pipeline.checkBackpressure();
      metrics.observeBatch(items.length);
      const outcomes: ItemOutcome[] = new Array(items.length);
      const writes: Write[] = [];
      const firstByKey = new Map<string, number>();
      const candidates: { position: number; candidate: Candidate }[] = [];
      const evaluated = await Promise.all(items.map((item) => evaluate(request.application, item, request.receivedAt)));
      evaluated.forEach((result, position) => {
        const item = items[position]!;
        if ('rejection' in result) {
          const record = errorRecord(request, item.index, result.rejection, item.payload ?? item.event, null);
          writes.push({ error: record });
          outcomes[position] = { status: 'rejected', ...result.rejection, error_id: record.id };
        } else if (firstByKey.has(result.candidate.dedupKey)) {
          outcomes[position] = { status: 'duplicate' };
        } else {
          firstByKey.set(result.candidate.dedupKey, position);
          candidates.push({ position, candidate: result.candidate });
        }
      });

      const claimed = await claims.claim(request.application, candidates.map(({ candidate }) => candidate.dedupKey)).catch((error: unknown) => {
        throw error instanceof HttpError ? error : unavailable('Deduplication is unavailable; retry', 1);
      });
      const receivedText = formatMicros(request.receivedAt);
      const mine: string[] = [];
      candidates.forEach(({ position, candidate }, offset) => {
        if (claimed[offset] === 'duplicate') {
          outcomes[position] = { status: 'duplicate' };
          return;
        }
        const event = queuedEvent(request, candidate, receivedText);
        mine.push(candidate.dedupKey);
        writes.push({ event });
        outcomes[position] = { status: 'accepted', id: event.id };
      });
      const settle = claims.hold(request.application, mine);
      try {
        await pipeline.submit(writes);
        settle(true);
      } catch (error) {
        await claims.release(request.application, mine);
        settle(false);
        throw error;
      }
      let accepted = 0;
      let duplicates = 0;
      for (const outcome of outcomes) {
        if (outcome.status === 'accepted') accepted++;
        else if (outcome.status === 'duplicate') duplicates++;
      }
      metrics.count(request.application, 'accepted', accepted);
      metrics.count(request.application, 'duplicate', duplicates);
      metrics.count(request.application, 'rejected', outcomes.length - accepted - duplicates);
      return outcomes;
    },

    /** Records a whole-request rejection (body not JSON, too large, wrong shape); returns the record's id. */
    async recordRequestRejection(request: IngestRequest, rejection: Rejection, rawText: string | null): Promise<string> {
      const record = errorRecord(request, null, rejection, undefined, rawText);
      await pipeline.submit([{ error: record }]);
      metrics.count(request.application, 'rejected');
      return record.id;
    },
  };
}

export type Ingest = ReturnType<typeof createIngest>;

/** `id:<event_id>` or `fp:<sha256 of the canonical event>`: the two can never collide. */
export function dedupKeyOf(envelope: Envelope): string {
  if (envelope.event_id !== null) return `id:${envelope.event_id}`;
  return fingerprint({
    session_id: envelope.session_id,
    category: envelope.category,
    name: envelope.name,
    data: envelope.data,
    timestamp: formatMicros(envelope.timestamp),
  });
}

export function fingerprint(value: unknown): string {
  return `fp:${sha256Hex(canonicalJson(value))}`;
}

/** Payloads are stored as JSON text: they may hold what jsonb refuses, never what text refuses. */
function payloadText(payload: unknown): string | null {
  if (payload === undefined) return null;
  try {
    return JSON.stringify(payload) ?? null;
  } catch {
    return null;
  }
}

/** The first 64 KiB (UTF-8 bytes) of a body, without U+0000 (text columns refuse it). */
function rawTextHead(text: string): string {
  return utf8Head(Buffer.from(text.replaceAll('\u0000', '\uFFFD'), 'utf8'), MAX_RAW_TEXT).toString('utf8');
}
