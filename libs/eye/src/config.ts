import { ConfigError, parseEnv } from '@platform/platform';
import { z } from 'zod';

const APPLICATION = /^[A-Za-z0-9_.-]{1,64}$/;

const envSchema = z.object({
  EYE_WRITE_KEYS: z.string().optional(),
  EYE_FUTURE_TOLERANCE_S: z.coerce.number().int().min(0).max(31_536_000).default(60),
  EYE_ACCEPT_UNKNOWN: z.enum(['true', 'false']).default('false'),
  EYE_MAX_QUEUE_DEPTH: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  EYE_COMMIT_WINDOW_MS: z.coerce.number().int().min(0).max(1_000).default(5),
  EYE_COMMIT_MAX_EVENTS: z.coerce.number().int().min(1).max(100_000).default(2_000),
  EYE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  EYE_DEDUP_WINDOW_S: z.coerce.number().int().min(1).max(31_536_000).default(86_400),
});

export interface EyeConfig {
  /** Write key → application; null in dev mode (no key needed, application `default`). */
  writeKeys: Map<string, string> | null;
  futureToleranceMicros: bigint;
  acceptUnknown: boolean;
  maxQueueDepth: number;
  commitWindowMs: number;
  commitMaxEvents: number;
  workerConcurrency: number;
  dedupWindowSeconds: number;
}

export function loadEyeConfig(env: NodeJS.ProcessEnv): EyeConfig {
  const parsed = parseEnv(envSchema, env);
  return {
    writeKeys: parseWriteKeys(parsed.EYE_WRITE_KEYS),
    futureToleranceMicros: BigInt(parsed.EYE_FUTURE_TOLERANCE_S) * 1_000_000n,
    acceptUnknown: parsed.EYE_ACCEPT_UNKNOWN === 'true',
    maxQueueDepth: parsed.EYE_MAX_QUEUE_DEPTH,
    commitWindowMs: parsed.EYE_COMMIT_WINDOW_MS,
    commitMaxEvents: parsed.EYE_COMMIT_MAX_EVENTS,
    workerConcurrency: parsed.EYE_WORKER_CONCURRENCY,
    dedupWindowSeconds: parsed.EYE_DEDUP_WINDOW_S,
  };
}

/** `web:key1,mobile:key2` → key → application; several keys may name one application. */
export function parseWriteKeys(value: string | undefined): Map<string, string> | null {
  if (value === undefined || value.trim() === '') return null;
  const keys = new Map<string, string>();
  for (const entry of value.split(',')) {
    const colon = entry.indexOf(':');
    const application = entry.slice(0, colon).trim();
    const key = entry.slice(colon + 1).trim();
    if (colon < 0 || !APPLICATION.test(application) || key === '' || /\s/.test(key)) {
      throw new ConfigError(`Invalid configuration: EYE_WRITE_KEYS entries must look like application:key (application ${APPLICATION.source}), got "${entry.trim()}"`);
    }
    if (keys.has(key) && keys.get(key) !== application) {
      throw new ConfigError(`Invalid configuration: EYE_WRITE_KEYS maps one key to two applications (${keys.get(key)}, ${application})`);
    }
    keys.set(key, application);
  }
  return keys;
}
