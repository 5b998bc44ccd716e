import type { Logger } from '@platform/platform';
import type { MessyConfig } from './config';
import { requestFingerprint, type IdempotencyStore, type WriteKind } from './idempotency';
import { unavailable, type IngestQueue } from './ingest-queue';
import { toStoredMessage } from './messages';
import type { MessyMetrics } from './metrics';
import type { MessageInput } from './validation';

export interface WriteResult {
  ids: string[];
}

/**
 * Accepts validated messages: replays a finished Idempotency-Key, refuses past the backlog bound,
 * and otherwise answers only once the messages are durably queued (spec §4, §7).
 */
export function createWriteService(deps: {
  config: MessyConfig;
  ingest: IngestQueue;
  idempotency: IdempotencyStore;
  metrics: MessyMetrics;
  newId: () => string;
  logger: Logger;
}) {
  const { config, ingest, idempotency, metrics, newId, logger } = deps;

  const checkBacklog = (count: number) => {
    const backlog = ingest.backlog.current();
    if (backlog + count > config.MESSY_MAX_BACKLOG) {
      throw unavailable('Too many messages are waiting to be stored; retry later', (backlog + count - config.MESSY_MAX_BACKLOG) / 1_000);
    }
  };

  return {
    async accept(kind: WriteKind, inputs: MessageInput[], idempotencyKey?: string): Promise<WriteResult> {
      const receivedAt = new Date();
      let ids = inputs.map(() => newId());
      let createdAt = receivedAt.toISOString();
      if (idempotencyKey !== undefined) {
        const claim = await guardRedis(() => idempotency.claim(idempotencyKey, requestFingerprint(kind, inputs), ids, createdAt));
        if (claim.outcome === 'done') return { ids: claim.ids };
        ({ ids, createdAt } = claim);
      }
      try {
        checkBacklog(inputs.length);
        const at = new Date(createdAt);
        await ingest.enqueue(inputs.map((input, index) => toStoredMessage(input, ids[index]!, at)));
      } catch (error) {
        if (idempotencyKey !== undefined) {
          await idempotency.settle(idempotencyKey, 'failed').catch((settleError: unknown) => {
            logger.warn({ err: settleError }, 'messy: could not release an Idempotency-Key; its lease will run out');
          });
        }
        throw error;
      }
      metrics.messages.inc({ outcome: 'accepted' }, inputs.length);
      if (idempotencyKey !== undefined) {
        // The messages are queued: a failure to record that only means a retry enqueues the same ids again.
        await idempotency.settle(idempotencyKey, 'done').catch((error: unknown) => {
          logger.warn({ err: error }, 'messy: could not record a finished Idempotency-Key');
        });
      }
      return { ids };
    },
  };
}

export type WriteService = ReturnType<typeof createWriteService>;

async function guardRedis<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error && error.name === 'HttpError') throw error;
    throw unavailable('Redis is unavailable; retry with the same Idempotency-Key');
  }
}
