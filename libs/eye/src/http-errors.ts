import { HttpError } from '@platform/platform';

/** The module's 503: nothing was accepted; the client should retry after `Retry-After` seconds. */
export const unavailable = (message: string, retryAfterSeconds = 1, details: unknown = null) =>
  new HttpError(503, 'unavailable', message, details, { 'Retry-After': String(retryAfterSeconds) });
