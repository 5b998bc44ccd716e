import { HttpError } from '@platform/platform';
import { canonicalJson, sha256Hex } from './canonical-json';

/**
 * Opaque keyset cursors bound to the endpoint and the filters they were issued for: replaying one
 * elsewhere, or with other filters, is a 422 rather than a silently wrong page.
 */
export function encodeCursor(endpoint: string, filters: unknown, position: unknown): string {
  return Buffer.from(JSON.stringify({ e: endpoint, f: filterHash(filters), p: position })).toString('base64url');
}

export function decodeCursor<P>(cursor: string | undefined, endpoint: string, filters: unknown, isPosition: (value: unknown) => value is P): P | null {
  if (cursor === undefined) return null;
  let decoded: { e?: unknown; f?: unknown; p?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof decoded !== 'object' || decoded === null || decoded.e !== endpoint || decoded.f !== filterHash(filters) || !isPosition(decoded.p)) {
    throw invalidCursor();
  }
  return decoded.p;
}

function filterHash(filters: unknown): string {
  return sha256Hex(canonicalJson(filters)).slice(0, 24);
}

function invalidCursor(): HttpError {
  return new HttpError(422, 'validation_failed', 'Invalid request', [{ path: 'cursor', message: 'Not a cursor issued by this endpoint for these filters', code: 'invalid_cursor', in: 'query' }]);
}
