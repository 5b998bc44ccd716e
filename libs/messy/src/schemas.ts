import { z } from 'zod';
import { MAX_LENGTH, STATES } from './validation';

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

export const messageParams = z.object({ id: z.string() });

export const listQuery = z.object({
  state: z.string().optional(),
  city: z.string().optional(),
  username: z.string().optional(),
  limit: z.string().regex(/^[0-9]+$/).optional().describe('1-500, default 50'),
  cursor: z.string().optional(),
});

export const messagePage = z.object({ items: z.array(messageView), next_cursor: z.string().nullable() });

export const seedWriteQuery = messageInput.partial();

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
