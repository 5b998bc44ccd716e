import { z } from 'zod';
import type { NotificationRow } from './db';
import { isStorableText, text } from './text';
import { formatInstantMillis, formatInstantSeconds, parseInstant } from './time';

const EMAIL = /^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;
export const NOTIFICATION_STATUSES = ['scheduled', 'sending', 'sent', 'failed', 'cancelled'] as const;

export const notificationInput = z.object({
  subject: text(10, 70),
  content: text(30, 700),
  to_mail: z
    .string()
    .refine((value) => value.length <= 254 && isStorableText(value) && EMAIL.test(value), 'must be an e-mail address of at most 254 characters'),
  scheduled_time: z
    .string()
    .transform((value, ctx) => {
      const instant = parseInstant(value);
      if (!instant) {
        ctx.addIssue({ code: 'custom', message: 'must be YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]' });
        return z.NEVER;
      }
      return instant;
    })
    .meta({ type: 'string', format: 'date-time' }),
  event_id: z
    .string()
    .refine(isStorableText, 'must name an existing event')
    .nullish()
    .transform((value) => value ?? null),
});
export type NotificationInput = z.infer<typeof notificationInput>;

export const notificationRepresentation = z.object({
  id: z.string(),
  subject: z.string(),
  content: z.string(),
  to_mail: z.string(),
  scheduled_time: z.string(),
  event_id: z.string().nullable(),
  status: z.enum(NOTIFICATION_STATUSES),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  sent_at: z.string().nullable(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type NotificationRepresentation = z.infer<typeof notificationRepresentation>;

export const REQUIRED_NOTIFICATION_FIELDS = ['subject', 'content', 'to_mail', 'scheduled_time'] as const;

export function notificationToWire(row: NotificationRow): NotificationRepresentation {
  return {
    id: row.id,
    subject: row.subject,
    content: row.content,
    to_mail: row.to_mail,
    scheduled_time: formatInstantSeconds(row.scheduled_time),
    event_id: row.event_id,
    status: row.status,
    attempts: row.attempts,
    last_error: row.last_error,
    sent_at: row.sent_at ? formatInstantMillis(row.sent_at) : null,
    version: row.version,
    created_at: formatInstantMillis(row.created_at),
    updated_at: formatInstantMillis(row.updated_at),
  };
}
