import { notFound } from '@platform/platform';

const PATH_ID = /^[1-9][0-9]{0,15}$/;

/** A path id: 1..2^53-1 in plain decimal, else 404 (never 422 or 500). */
export function pathId(value: unknown, what = 'Resource'): number {
  if (typeof value !== 'string' || !PATH_ID.test(value)) throw notFound(`${what} not found`);
  const id = Number(value);
  if (id > Number.MAX_SAFE_INTEGER) throw notFound(`${what} not found`);
  return id;
}
