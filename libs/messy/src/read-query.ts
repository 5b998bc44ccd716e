import { HttpError, type ValidationDetail } from '@platform/platform';
import type { MessageFilter } from './repository';
import { cityKey, isStateCode, type RawValue } from './validation';

export interface ListQuery {
  filter: MessageFilter;
  limit: number;
  cursor?: string;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

function text(name: string, raw: RawValue, details: ValidationDetail[]): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') {
    const duplicate = typeof raw === 'object' && raw !== null && 'invalid' in raw && raw.invalid === 'duplicate';
    details.push({ path: name, message: duplicate ? `${name} is given more than once` : `${name} is not valid UTF-8`, code: duplicate ? 'duplicate_field' : 'invalid_utf8', in: 'query' });
    return undefined;
  }
  return raw.normalize('NFC').trim();
}

/** `GET /messy/messages` filters: state code (any case), city by city_key, exact username, limit 1-500. */
export function parseListQuery(fields: Record<string, RawValue>): ListQuery {
  const details: ValidationDetail[] = [];
  const filter: MessageFilter = {};
  const state = text('state', fields.state, details);
  if (state !== undefined) {
    if (isStateCode(state.toUpperCase())) filter.state = state.toUpperCase();
    else details.push({ path: 'state', message: 'state must be a USPS code of the 50 states or DC', code: 'invalid_state', in: 'query' });
  }
  const city = text('city', fields.city, details);
  if (city !== undefined) filter.cityKey = cityKey(city);
  const username = text('username', fields.username, details);
  if (username !== undefined) filter.username = username;
  let limit = DEFAULT_LIMIT;
  const rawLimit = text('limit', fields.limit, details);
  if (rawLimit !== undefined) {
    limit = /^[0-9]{1,4}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) {
      details.push({ path: 'limit', message: `limit must be an integer from 1 to ${MAX_LIMIT}`, code: 'invalid_limit', in: 'query' });
    }
  }
  const cursor = text('cursor', fields.cursor, details);
  if (details.length) throw new HttpError(422, 'validation_failed', 'Invalid request', details);
  return { filter, limit, ...(cursor !== undefined ? { cursor } : {}) };
}
