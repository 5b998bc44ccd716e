import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { redactUrl } from './logger';
import { onResponseDone } from './response-done';

const QUIET_PATHS = new Set(['/metrics', '/healthz']);

/**
 * One line per finished request, none for one the client abandoned (5xx error, 4xx warn, else info), written only
 * when that level is enabled: unlike a per-request child logger, a disabled level costs one comparison.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (QUIET_PATHS.has(req.path)) return next();
    const started = performance.now();
    onResponseDone(res, () => {
      if (!res.writableFinished) return;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          requestId: res.locals.requestId,
          method: req.method,
          url: redactUrl(req.originalUrl),
          status: res.statusCode,
          durationMs: performance.now() - started,
        },
        'request completed',
      );
    });
    next();
  };
}
