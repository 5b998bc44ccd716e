import { pino, type Logger } from 'pino';

export type { Logger };

/** Secrets that must never reach a log line, wherever they appear in a logged object. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-access-token"]',
  'req.headers["x-write-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
];

export function createLogger(level: string, name = 'gateway'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
