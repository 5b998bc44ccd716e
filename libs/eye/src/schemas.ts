import { z } from 'zod';

const limit = z.coerce.number().int().min(1).max(500).default(50);
const time = z.string().describe('YYYY-MM-DDThh:mm:ss[.ffffff][Z|±hh:mm] (`+` as %2B)');
const text = (max: number) => z.string().min(1).max(max);

export const eventsQuery = z.strictObject({
  session_id: text(128).optional(),
  category: text(100).optional(),
  name: text(100).optional(),
  application: text(64).optional(),
  from: time.optional(),
  to: time.optional(),
  limit,
  cursor: z.string().optional(),
});

export const sessionParams = z.object({ session_id: text(128) });
export const pageQuery = z.strictObject({ limit, cursor: z.string().optional() });

export const statsQuery = z.strictObject({ from: time.optional(), to: time.optional(), application: text(64).optional() });

export const errorsQuery = z.strictObject({
  code: text(100).optional(),
  status: z.enum(['open', 'replayed']).optional(),
  from: time.optional(),
  to: time.optional(),
  limit,
  cursor: z.string().optional(),
});

export const idParams = z.object({ id: z.string() });
export const typeParams = z.object({ category: text(100), name: text(100) });
export const registerTypeBody = z.strictObject({
  schema: z.record(z.string(), z.unknown()),
  description: z.string().max(500).nullable().optional(),
});

const event = z.object({
  id: z.uuid(),
  event_id: z.string().nullable(),
  application: z.string(),
  session_id: z.string(),
  category: z.string(),
  name: z.string(),
  data: z.record(z.string(), z.unknown()),
  timestamp: z.string(),
  received_at: z.string(),
  type_version: z.number().int().nullable(),
});
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });
const rejectedItem = z.object({ index: z.number().int(), code: z.string(), message: z.string(), details: z.unknown(), error_id: z.uuid() });
const errorRecord = z.object({
  id: z.uuid(),
  application: z.string(),
  code: z.string(),
  message: z.string(),
  details: z.unknown(),
  endpoint: z.string(),
  index: z.number().int().nullable(),
  payload: z.unknown(),
  raw_text: z.string().nullable(),
  received_at: z.string(),
  status: z.enum(['open', 'replayed']),
  replayed_event_id: z.uuid().nullable(),
  replayed_at: z.string().nullable(),
});
const eventType = z.object({
  category: z.string(),
  name: z.string(),
  version: z.number().int(),
  source: z.enum(['builtin', 'registered']),
  schema: z.record(z.string(), z.unknown()),
  description: z.string().nullable(),
  created_at: z.string().nullable(),
});

export const responses = {
  accepted: z.object({ status: z.literal('accepted'), id: z.uuid() }),
  duplicate: z.object({ status: z.literal('duplicate') }),
  batch: z.object({ accepted: z.number().int(), duplicates: z.number().int(), rejected: z.array(rejectedItem) }),
  segment: z.object({ success: z.literal(true), accepted: z.number().int(), duplicates: z.number().int(), rejected: z.array(rejectedItem) }),
  events: page(event),
  stats: z.object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    total: z.number().int(),
    items: z.array(z.object({ category: z.string(), name: z.string(), count: z.number().int() })),
  }),
  errors: page(errorRecord),
  error: errorRecord,
  replayed: z.object({ status: z.literal('replayed'), event }),
  eventTypes: page(eventType),
  eventType,
  eventTypeWithVersions: eventType.extend({ versions: z.array(z.object({ version: z.number().int(), created_at: z.string().nullable() })) }),
};

export const eventBody = z.object({
  session_id: text(128),
  category: text(100),
  name: text(100),
  data: z.record(z.string(), z.unknown()),
  timestamp: time,
  event_id: text(64).nullable().optional(),
});
export const batchBody = z.strictObject({ events: z.array(eventBody).min(1).max(1000) });
export const segmentBatchBody = z.object({
  batch: z.array(z.record(z.string(), z.unknown())).max(2500),
  sentAt: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
  writeKey: z.string().optional(),
});
