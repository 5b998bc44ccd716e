import { openApiPaths } from '@platform/platform';
import { z } from 'zod';
import { eventInput, eventRepresentation } from './event-schemas';
import { notificationInput, notificationRepresentation } from './notification-schemas';

const idParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/) });
const eventQuery = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  topic: z.string().optional(),
  place: z.string().optional(),
  organizer: z.string().optional(),
  q: z.string().optional(),
  limit: z.string().optional(),
  cursor: z.string().optional(),
});
const notificationQuery = z.object({
  status: z.string().optional(),
  event_id: z.string().optional(),
  to_mail: z.string().optional(),
  limit: z.string().optional(),
  cursor: z.string().optional(),
});
const calendar = z.string().meta({ description: 'text/calendar (RFC 5545)' });

export const eventpostOpenApi = openApiPaths('eventpost', [
  { method: 'get', path: '/events', summary: 'List events (filters, Link pagination)', query: eventQuery, responses: { 200: z.array(eventRepresentation) }, headers: ['If-None-Match'] },
  { method: 'post', path: '/events', summary: 'Create an event', body: eventInput, responses: { 201: eventRepresentation }, headers: ['Idempotency-Key'] },
  { method: 'get', path: '/events/:id', summary: 'Read an event', params: idParams, responses: { 200: eventRepresentation, 304: null }, headers: ['If-None-Match'] },
  { method: 'put', path: '/events/:id', summary: 'Replace an event', params: idParams, body: eventInput, responses: { 200: eventRepresentation }, headers: ['If-Match'] },
  { method: 'patch', path: '/events/:id', summary: 'Merge-patch an event', params: idParams, body: eventInput.partial(), responses: { 200: eventRepresentation }, headers: ['If-Match'] },
  { method: 'delete', path: '/events/:id', summary: 'Delete an event and cancel its notifications', params: idParams, responses: { 200: eventRepresentation }, headers: ['If-Match'] },
  { method: 'get', path: '/events.ics', summary: 'iCalendar of the matching events', query: eventQuery.omit({ limit: true, cursor: true }), responses: { 200: calendar } },
  { method: 'get', path: '/events/:id.ics', summary: 'iCalendar of one event', params: idParams, responses: { 200: calendar } },
  { method: 'get', path: '/notifications', summary: 'List notifications', query: notificationQuery, responses: { 200: z.array(notificationRepresentation) }, headers: ['If-None-Match'] },
  { method: 'post', path: '/notifications', summary: 'Schedule an e-mail notification', body: notificationInput, responses: { 201: notificationRepresentation }, headers: ['Idempotency-Key'] },
  { method: 'get', path: '/notifications/:id', summary: 'Read a notification', params: idParams, responses: { 200: notificationRepresentation, 304: null }, headers: ['If-None-Match'] },
  { method: 'put', path: '/notifications/:id', summary: 'Replace (and maybe reschedule) a notification', params: idParams, body: notificationInput, responses: { 200: notificationRepresentation }, headers: ['If-Match'] },
  { method: 'patch', path: '/notifications/:id', summary: 'Merge-patch a notification', params: idParams, body: notificationInput.partial(), responses: { 200: notificationRepresentation }, headers: ['If-Match'] },
  { method: 'delete', path: '/notifications/:id', summary: 'Delete a notification and cancel its send', params: idParams, responses: { 200: notificationRepresentation }, headers: ['If-Match'] },
]);
