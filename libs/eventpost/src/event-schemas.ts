import { z } from 'zod';
import type { EventRow } from './db';
import { optionalText, text } from './text';
import { formatInstantMillis, formatInstantSeconds, isKnownTimeZone, parseCalendarDate, parseClockTime } from './time';

/** The writable fields of an event; read-only and unknown fields are ignored (seed clients PUT back what they GET). */
export const eventInput = z.object({
  title: text(1, 60, { notBlank: true }),
  description: text(20, 400),
  date: z.string().refine((value) => parseCalendarDate(value) !== undefined, 'must be a real date YYYY-MM-DD, year 1900–9999'),
  time: z.string().refine((value) => parseClockTime(value) !== undefined, 'must be HH:MM:SS (00–23:00–59:00–59)'),
  place: optionalText(100),
  organizer: optionalText(50),
  topics: optionalText(50),
  timezone: z
    .string()
    .refine(isKnownTimeZone, 'must be an IANA time zone name')
    .nullish()
    .transform((value) => value ?? 'UTC'),
});
export type EventInput = z.infer<typeof eventInput>;

export const eventRepresentation = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  date: z.string(),
  time: z.string(),
  timezone: z.string(),
  starts_at: z.string(),
  place: z.string(),
  organizer: z.string(),
  topics: z.string(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type EventRepresentation = z.infer<typeof eventRepresentation>;

export const REQUIRED_EVENT_FIELDS = ['title', 'description', 'date', 'time'] as const;

export function eventToWire(row: EventRow): EventRepresentation {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    date: row.date,
    time: row.time,
    timezone: row.timezone,
    starts_at: formatInstantSeconds(row.starts_at),
    place: row.place,
    organizer: row.organizer,
    topics: row.topics,
    version: row.version,
    created_at: formatInstantMillis(row.created_at),
    updated_at: formatInstantMillis(row.updated_at),
  };
}
