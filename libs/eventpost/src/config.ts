import { parseEnv, type PlatformConfig } from '@platform/platform';
import { z } from 'zod';

const positiveInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const eventpostEnv = z.object({
  EVENTPOST_CACHE_TTL_S: positiveInt(1, 86_400).default(300),
  EVENTPOST_MAX_BODY_BYTES: positiveInt(64, 10_485_760).default(65_536),
  EVENTPOST_SEND_ATTEMPTS: positiveInt(1, 50).default(5),
  EVENTPOST_SEND_BACKOFF_MS: positiveInt(1, 3_600_000).default(2_000),
  EVENTPOST_SEND_CONCURRENCY: positiveInt(1, 200).default(5),
  EVENTPOST_ICS_MAX_EVENTS: positiveInt(1, 1_000_000).default(10_000),
});

export interface EventpostConfig {
  cacheTtlSeconds: number;
  maxBodyBytes: number;
  sendAttempts: number;
  sendBackoffMs: number;
  sendConcurrency: number;
  icsMaxEvents: number;
  publicUrl: string;
  mailFrom: string;
  smtpUrl: string | undefined;
  redisPrefix: string;
}

export function loadEventpostConfig(config: PlatformConfig): EventpostConfig {
  const env = parseEnv(eventpostEnv, config.env);
  return {
    cacheTtlSeconds: env.EVENTPOST_CACHE_TTL_S,
    maxBodyBytes: env.EVENTPOST_MAX_BODY_BYTES,
    sendAttempts: env.EVENTPOST_SEND_ATTEMPTS,
    sendBackoffMs: env.EVENTPOST_SEND_BACKOFF_MS,
    sendConcurrency: env.EVENTPOST_SEND_CONCURRENCY,
    icsMaxEvents: env.EVENTPOST_ICS_MAX_EVENTS,
    publicUrl: config.PUBLIC_URL.replace(/\/+$/, ''),
    mailFrom: config.MAIL_FROM,
    smtpUrl: config.SMTP_URL,
    redisPrefix: config.REDIS_PREFIX,
  };
}
