import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';

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

export function createLogger(level: string, name = 'gateway', destination?: DestinationStream): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, mixin: traceContext }, destination);
}

/** Ties each log line to its trace when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT); nothing otherwise. */
function traceContext(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
}

// Capability tokens travel in paths (`/santa/g/<43 base64url chars>`) and credentials in some query strings.
const LONG_TOKEN_SEGMENT = /(?<=\/)[A-Za-z0-9_-]{40,}(?=\/|\?|$)/g;
const SECRET_QUERY_KEYS = /([?&](?:token|access_token|key|write_key|writeKey|password|secret)=)[^&]*/gi;

/** A request URL as it may appear in logs: bearer-like path segments and secret query values removed. */
export function redactUrl(url: string): string {
  return url.replace(LONG_TOKEN_SEGMENT, '[redacted]').replace(SECRET_QUERY_KEYS, '$1[redacted]');
}
