import { z } from 'zod';
import { parseListQuery } from './read-query';
import { MAX_LENGTH, STATES, type RawValue } from './validation';

/** Request and response shapes (the OpenAPI source); the write rules themselves live in validation.ts. */

export const messageInput = z.object({
  username: z.string().min(1).max(MAX_LENGTH.username).describe('NFC, trimmed, 1-64 code points, no control characters'),
  city: z.string().min(1).max(MAX_LENGTH.city).describe('NFC, trimmed, 1-64 code points, no control characters'),
  state: z.string().describe(`USPS code, case-insensitive: ${STATES.join(', ')}`),
  message: z.string().min(1).max(MAX_LENGTH.message).describe('NFC, trimmed, 1-1000 code points; \\n and \\t allowed'),
});

export const batchInput = z.object({ messages: z.array(messageInput).min(1).max(1000) });

export const accepted = z.object({ id: z.uuid(), status: z.literal('accepted') });
export const batchAccepted = z.object({ ids: z.array(z.uuid()), status: z.literal('accepted') });

export const messageView = z.object({
  id: z.uuid(),
  username: z.string(),
  city: z.string(),
  state: z.string(),
  message: z.string(),
  created_at: z.string().describe('ISO 8601 UTC'),
});

export const messageParams = z.object({
  id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'No persisted message has this id'),
});

/** A query parameter as the module's strict decoder gives it (a string, or a duplicate / bad UTF-8 marker). */
const queryParam = (description: string, extra: Record<string, unknown> = {}) => z.unknown().meta({ type: 'string', description, ...extra }).optional();

/** `GET /messages` filters, validated by `parseListQuery` (its 422 details name each bad parameter). */
export const listQuery = z
  .object({
    state: queryParam(`USPS code, case-insensitive: ${STATES.join(', ')}`),
    city: queryParam('Matched by city key (case and accents folded)'),
    username: queryParam('Exact username'),
    limit: queryParam('1-500, default 50', { pattern: '^[0-9]{1,4}$' }),
    cursor: queryParam('`next_cursor` of the previous page'),
  })
  .transform((fields) => parseListQuery(fields as Record<string, RawValue>));

export const messagePage = z.object({ items: z.array(messageView), next_cursor: z.string().nullable() });

/** The seed's GET write: the message in the query string, validated as a message by the handler. */
export const seedWriteQuery = z.object({
  username: queryParam(messageInput.shape.username.description!),
  city: queryParam(messageInput.shape.city.description!),
  state: queryParam(messageInput.shape.state.description!),
  message: queryParam(messageInput.shape.message.description!),
});

export const idempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .meta({ description: '1-255 visible ASCII characters; a retry with the same normalised message(s) gets the same ids for 24 h', examples: ['order-42'] })
    .optional(),
});

export const statsBody = z.object({
  result: z.literal('success'),
  cities: z.number().int(),
  users: z.number().int(),
  messages: z.number().int(),
  generated_at: z.string(),
  stale: z.boolean(),
  per_state: z.record(z.string(), z.object({ messages: z.number().int(), cities: z.number().int() })),
  top_cities: z.array(z.object({ state: z.string(), city: z.string(), messages: z.number().int() })),
  top_users: z.array(z.object({ username: z.string(), messages: z.number().int() })),
  last_minute: z.number().int(),
  last_hour: z.number().int(),
});

export const recountResult = z.object({ drift: z.number().int(), checked_at: z.string() });
