import { z } from 'zod';

const CONTROL = /[\p{Cc}]/u;
const codePoints = (value: string) => [...value].length;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Trimmed text counted in Unicode code points, without control characters. */
export const plainText = (min: number, max: number) =>
  z
    .string()
    .transform((value) => value.trim())
    .refine((value) => !CONTROL.test(value), 'must not contain control characters')
    .refine((value) => codePoints(value) >= min && codePoints(value) <= max, `must be ${min}–${max} characters`);

export const email = z
  .string()
  .trim()
  .refine((value) => value.length <= 254, 'must be at most 254 characters')
  .refine((value) => value.split('@').length === 2 && !/\s/.test(value) && !CONTROL.test(value), 'must be one address with one @')
  .refine((value) => {
    const [local, domain] = value.split('@');
    return Boolean(local) && Boolean(domain);
  }, 'must have text on both sides of @');

export const budget = z.object({
  amount: z
    .number()
    .positive()
    .max(1e9)
    .refine((value) => Math.abs(Math.round(value * 100) - value * 100) < 1e-6, 'at most 2 decimals'),
  currency: z
    .string()
    .transform((value) => value.toUpperCase())
    .refine((value) => CURRENCIES.has(value), 'must be an ISO 4217 currency code'),
});

export const isoDate = z.string().refine((value) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}, 'must be a real date YYYY-MM-DD');

export const mode = z.enum(['cycle', 'any']);
export const groupName = plainText(1, 100);
export const memberName = plainText(1, 60);

export const createGroupBody = z.object({
  name: groupName,
  admin_name: memberName,
  admin_email: email.optional(),
  admin_participates: z.boolean().default(true),
  mode: mode.default('cycle'),
  avoid_previous: z.boolean().default(false),
  budget: budget.optional(),
  exchange_date: isoDate.optional(),
});

export const joinBody = z.object({
  invite_code: z.string().max(100),
  name: memberName,
  email: email.optional(),
});

export const patchMeBody = z.object({ name: memberName.optional(), email: email.nullable().optional() });

export const patchGroupBody = z
  .object({
    name: groupName.optional(),
    mode: mode.optional(),
    avoid_previous: z.boolean().optional(),
    budget: budget.nullable().optional(),
    exchange_date: isoDate.nullable().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'name at least one field');

export const addMemberBody = z.object({ name: memberName, email });

export const exclusionBody = z
  .object({ giver_id: z.uuid(), receiver_id: z.uuid(), mutual: z.boolean().default(false) })
  .refine((value) => value.giver_id.toLowerCase() !== value.receiver_id.toLowerCase(), {
    message: 'giver and receiver must differ',
    path: ['receiver_id'],
  });

export const drawBody = z.object({ redraw: z.boolean().default(false) });

const wishlistUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

export const wishlistBody = z.object({
  items: z.array(z.object({ text: plainText(1, 200), url: wishlistUrl.optional() })).max(50),
});

export const messageText = z
  .string()
  .refine((value) => value.trim().length > 0, 'must not be blank')
  .refine((value) => codePoints(value) <= 2000, 'must be at most 2000 characters');

export const messageBody = z.object({ to: z.enum(['giftee', 'santa']), text: messageText });

export const listQuery = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, 'must be an integer 1–500')
    .transform(Number)
    .refine((value) => value >= 1 && value <= 500, 'must be an integer 1–500')
    .optional(),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a cursor').optional(),
});

export const messagesQuery = listQuery.extend({ with: z.enum(['giftee', 'santa']) });

export const groupParams = z.object({ gid: z.uuid('No such group') });
export const memberParams = groupParams.extend({ mid: z.uuid('No such member') });
export const itemParams = groupParams.extend({ id: z.string().meta({ description: 'An id, or `current` for the current draw' }) });
export const idempotencyHeaders = z.object({
  'Idempotency-Key': z.string().meta({ description: 'Replays the first successful reply for a day (1–255 visible ASCII characters)', examples: ['create-group-7f3a'] }).optional(),
});

// Response bodies, hoisted into the OpenAPI components by their ids.
export const me = z
  .object({ id: z.uuid(), name: z.string(), email: z.string().nullable(), role: z.enum(['admin', 'member']), participating: z.boolean(), joined_at: z.string() })
  .meta({ id: 'SantaMe' });
export const member = me.omit({ email: true }).extend({ has_email: z.boolean().optional() }).meta({ id: 'SantaMember' });
export const drawSummary = z
  .object({
    id: z.uuid(),
    number: z.number(),
    status: z.enum(['active', 'superseded']),
    mode,
    avoid_previous: z.boolean(),
    participant_count: z.number(),
    algorithm: z.literal('santa-draw-v1'),
    commitment: z.string(),
    created_at: z.string(),
    revealed_at: z.string().nullable(),
  })
  .meta({ id: 'SantaDrawSummary' });
const pair = z.object({ giver_id: z.uuid(), receiver_id: z.uuid() });
export const drawDetail = drawSummary
  .extend({
    seed: z.string().nullable(),
    input: z.string().nullable(),
    initial_pairs: z.array(pair).nullable(),
    changes: z.array(z.object({ seq: z.number(), kind: z.enum(['join', 'leave']), member_id: z.uuid(), giver_id: z.uuid(), created_at: z.string() })).nullable(),
    pairs: z.array(pair.extend({ giver_name: z.string(), receiver_name: z.string() })).nullable(),
  })
  .meta({ id: 'SantaDrawDetail' });
export const group = z
  .object({
    id: z.uuid(),
    name: z.string(),
    mode,
    avoid_previous: z.boolean(),
    budget: z.object({ amount: z.number(), currency: z.string() }).nullable(),
    exchange_date: z.string().nullable(),
    status: z.enum(['open', 'drawn', 'revealed']),
    member_count: z.number(),
    participant_count: z.number(),
    created_at: z.string(),
    draw: drawSummary.nullable(),
    me,
    invite_code: z.string().optional(),
    invite_url: z.string().optional(),
  })
  .meta({ id: 'SantaGroup' });
export const wishlist = z.object({ items: z.array(z.object({ text: z.string(), url: z.string().optional() })), updated_at: z.string().nullable() }).meta({ id: 'SantaWishlist' });
export const message = z.object({ id: z.number(), from: z.enum(['me', 'giftee', 'santa']), text: z.string(), created_at: z.string() }).meta({ id: 'SantaMessage' });
export const exclusion = z.object({ id: z.uuid(), giver_id: z.uuid(), receiver_id: z.uuid(), created_at: z.string() }).meta({ id: 'SantaExclusion' });
export const nextCursor = { next_cursor: z.string().nullable() };
export const removed = z.object({ removed: z.literal(true), draw_changed: z.boolean() });
export const emailStatus = z.object({
  id: z.number(),
  kind: z.enum(['invitation', 'link', 'draw', 'change']),
  member_id: z.uuid().nullable(),
  status: z.enum(['queued', 'sent', 'failed', 'not_sent']),
  attempts: z.number(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
});

export type CreateGroupBody = z.infer<typeof createGroupBody>;
export type PatchGroupBody = z.infer<typeof patchGroupBody>;
export type ListQuery = z.infer<typeof listQuery>;
