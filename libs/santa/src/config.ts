import { parseEnv, type PlatformConfig } from '@platform/platform';
import { z } from 'zod';

const count = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

const santaEnv = z.object({
  SANTA_MAX_MEMBERS: count(3, 10_000),
  SANTA_SEARCH_LIMIT: count(1, 2_000_000),
  SANTA_EMAIL_ATTEMPTS: count(1, 5),
  SANTA_EMAIL_BACKOFF_MS: count(1, 1_000),
  SANTA_INVITES_PER_HOUR: count(1, 500),
});

export interface SantaConfig extends z.infer<typeof santaEnv> {
  publicUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
}

export function loadSantaConfig(config: PlatformConfig): SantaConfig {
  return {
    ...parseEnv(santaEnv, config.env),
    publicUrl: config.PUBLIC_URL.replace(/\/+$/, ''),
    smtpUrl: config.SMTP_URL,
    mailFrom: config.MAIL_FROM,
  };
}
