export interface ErrorDetail {
  path?: string;
  message: string;
  [key: string]: unknown;
}

/** An error that is the client's answer: status, stable code, human message, structured details. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (message = 'Not found') => new HttpError(404, 'not_found', message);

export const serviceUnavailable = (message: string, retryAfterSeconds = 1, details: unknown = null) =>
  new HttpError(503, 'unavailable', message, details, { 'Retry-After': String(retryAfterSeconds) });

export function errorBody(code: string, message: string, details: unknown = null) {
  return { error: { code, message, details } };
}
