import { randomBytes } from 'node:crypto';
import { ConfigError, parseEnv } from '@platform/platform';
import type { Logger } from 'pino';
import { z } from 'zod';
import { MAX_LATENCY_MS } from './faults';
import { passwordProblem, usernameProblem } from './text';

const onOff = z.enum(['on', 'off']);
const delayMs = z.coerce.number().int().min(0).max(MAX_LATENCY_MS).default(0);
const rate = z.coerce.number().min(0).max(1).default(0);

const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  SNACKDRAWER_JWT_SECRET: z.string().optional(),
  SNACKDRAWER_TOKEN_TTL_S: z.coerce.number().int().min(1).max(86_400).default(900),
  SNACKDRAWER_BOOTSTRAP_ADMIN: z.string().optional(),
  SNACKDRAWER_FAULTS: onOff.optional(),
  SNACKDRAWER_SCRYPT_LOG2N: z.coerce.number().int().min(14).max(20).default(17),
  SNACKDRAWER_SNACK_CREATORS: z.enum(['any', 'admin']).default('any'),
  SNACKDRAWER_METRICS: onOff.default('on'),
  LAZY_WEB_SLOW_MS: delayMs,
  LAZY_WEB_ERROR_RATE: rate,
  LAZY_DB_SLOW_MS: delayMs,
  LAZY_DB_ERROR_RATE: rate,
});

export interface SnackdrawerConfig {
  jwtSecret: Buffer;
  tokenTtlSeconds: number;
  bootstrapAdmin?: { username: string; password: string };
  faultApi: boolean;
  scryptLog2N: number;
  snackCreators: 'any' | 'admin';
  metrics: boolean;
  bootFaults: { web: { latency_ms: number; error_rate: number }; db: { latency_ms: number; error_rate: number } };
}

const MIN_SECRET_BYTES = 32;

/** Reads the module's `SNACKDRAWER_*` and `LAZY_*` variables; a bad value throws one ConfigError line. */
export function loadSnackdrawerConfig(env: NodeJS.ProcessEnv, logger: Logger): SnackdrawerConfig {
  const parsed = parseEnv(envSchema, env);
  const production = parsed.NODE_ENV === 'production';
  const config: SnackdrawerConfig = {
    jwtSecret: jwtSecret(parsed.SNACKDRAWER_JWT_SECRET, production, logger),
    tokenTtlSeconds: parsed.SNACKDRAWER_TOKEN_TTL_S,
    bootstrapAdmin: parsed.SNACKDRAWER_BOOTSTRAP_ADMIN === undefined ? undefined : bootstrapAdmin(parsed.SNACKDRAWER_BOOTSTRAP_ADMIN),
    faultApi: parsed.SNACKDRAWER_FAULTS === 'on' || (!production && parsed.SNACKDRAWER_FAULTS !== 'off'),
    scryptLog2N: parsed.SNACKDRAWER_SCRYPT_LOG2N,
    snackCreators: parsed.SNACKDRAWER_SNACK_CREATORS,
    metrics: parsed.SNACKDRAWER_METRICS === 'on',
    bootFaults: {
      web: { latency_ms: parsed.LAZY_WEB_SLOW_MS, error_rate: parsed.LAZY_WEB_ERROR_RATE },
      db: { latency_ms: parsed.LAZY_DB_SLOW_MS, error_rate: parsed.LAZY_DB_ERROR_RATE },
    },
  };
  const { web, db } = config.bootFaults;
  if (web.latency_ms || web.error_rate || db.latency_ms || db.error_rate) {
    logger.warn({ faults: config.bootFaults }, 'snackdrawer: boot-time fault injection (LAZY_*) is active');
  }
  return config;
}

function jwtSecret(value: string | undefined, production: boolean, logger: Logger): Buffer {
  // An empty value counts as unset: WebCrypto refuses a zero-length HMAC key.
  const secret = value ? Buffer.from(value, 'utf8') : undefined;
  if (secret && secret.length >= MIN_SECRET_BYTES) return secret;
  if (production) {
    throw new ConfigError(`Invalid configuration: SNACKDRAWER_JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes in production`);
  }
  if (secret) {
    logger.warn(`snackdrawer: SNACKDRAWER_JWT_SECRET is shorter than ${MIN_SECRET_BYTES} bytes; acceptable only outside production`);
    return secret;
  }
  logger.warn('snackdrawer: SNACKDRAWER_JWT_SECRET is unset; using a random per-process secret (tokens die with the process)');
  return randomBytes(MIN_SECRET_BYTES);
}

function bootstrapAdmin(value: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  const username = colon < 0 ? value : value.slice(0, colon);
  const password = colon < 0 ? '' : value.slice(colon + 1);
  const problem = colon < 0 ? 'must be username:password' : (usernameProblem(username) ?? passwordProblem(password));
  if (problem) throw new ConfigError(`Invalid configuration: SNACKDRAWER_BOOTSTRAP_ADMIN: ${problem}`);
  return { username, password };
}
