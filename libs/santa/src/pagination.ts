import { validationError } from './errors';

export const DEFAULT_LIMIT = 50;

export function encodeCursor(value: number): string {
  return Buffer.from(String(value), 'utf8').toString('base64url');
}

/** A cursor is an opaque position; anything that does not decode to one is 422. */
export function decodeCursor(cursor: string | undefined, fallback: number): number {
  if (cursor === undefined) return fallback;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,15}$/.test(text)) throw validationError('cursor', 'is not a cursor');
  return Number(text);
}

/** Rows fetched with limit + 1: the extra row only says that there is a next page. */
export function page<T>(rows: T[], limit: number, positionOf: (row: T) => number): { rows: T[]; next_cursor: string | null } {
  if (rows.length <= limit) return { rows, next_cursor: null };
  const kept = rows.slice(0, limit);
  return { rows: kept, next_cursor: encodeCursor(positionOf(kept[kept.length - 1]!)) };
}
