import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from '@platform/platform';
import type { MessageFilter } from './repository';

// Integrity, not secrecy: a cursor must have been issued by this endpoint, for the same filters.
const CURSOR_KEY = 'messy.messages.cursor.v1';

export interface CursorPosition {
  createdAt: Date;
  id: string;
}

function filterHash(filter: MessageFilter): string {
  return createHash('sha256')
    .update(JSON.stringify([filter.state ?? null, filter.cityKey ?? null, filter.username ?? null]))
    .digest('base64url')
    .slice(0, 16);
}

function sign(payload: string): string {
  return createHmac('sha256', CURSOR_KEY).update(payload).digest('base64url').slice(0, 22);
}

export function encodeCursor(position: CursorPosition, filter: MessageFilter): string {
  const payload = Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id, filterHash(filter)])).toString('base64url');
  return `${payload}.${sign(payload)}`;
}

export function decodeCursor(cursor: string, filter: MessageFilter): CursorPosition {
  const invalid = () =>
    new HttpError(422, 'validation_failed', 'Invalid request', [
      { path: 'cursor', message: 'cursor was not issued by this endpoint for these filters', code: 'invalid_cursor', in: 'query' },
    ]);
  const [payload, signature, extra] = cursor.split('.');
  if (!payload || !signature || extra !== undefined) throw invalid();
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
  const [createdAt, id, hash] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string, string];
  if (hash !== filterHash(filter)) throw invalid();
  return { createdAt: new Date(createdAt), id };
}
