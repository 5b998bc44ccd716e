import { ConfigError, parseEnv } from '@platform/platform';
import { z } from 'zod';

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);
const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const messyEnvSchema = z.object({
  MESSY_STATS_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  MESSY_MAX_BACKLOG: positiveInt(100_000_000).default(200_000),
  MESSY_GET_WRITES: flag.default(true),
  MESSY_COALESCE_MS: z.coerce.number().int().min(0).max(1_000).default(5),
  MESSY_JOB_MAX_MESSAGES: positiveInt(10_000).default(1_000),
  MESSY_ENQUEUE_TIMEOUT_MS: positiveInt(120_000).default(5_000),
  MESSY_WORKER_CONCURRENCY: positiveInt(64).default(2),
  MESSY_JOB_ATTEMPTS: positiveInt(1_000).default(25),
  MESSY_JOB_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(10_000),
  MESSY_RECOUNT_CRON: z.string().min(1).default('0 3 * * *'),
  MESSY_ADMIN_TOKEN: z.string().min(1).optional(),
  MESSY_UNSAFE_EARLY_COMPLETE: flag.default(false),
});

export type MessyConfig = z.infer<typeof messyEnvSchema>;

export function loadMessyConfig(env: NodeJS.ProcessEnv): MessyConfig {
  const config = parseEnv(messyEnvSchema, env);
  // The negative control of the chaos test: deliberately loses messages, so never outside tests.
  if (config.MESSY_UNSAFE_EARLY_COMPLETE && env.NODE_ENV !== 'test') {
    throw new ConfigError('Invalid configuration: MESSY_UNSAFE_EARLY_COMPLETE is refused unless NODE_ENV=test');
  }
  return config;
}
