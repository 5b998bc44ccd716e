import { operation, PUBLIC, type AnyOperation, type ResponseSpec } from '@platform/platform';
import { z } from 'zod';
import type { EventpostContext } from './context';
import { createEvent, deleteEvent, getEvent, listEvents, patchEvent, replaceEvent } from './event-routes';
import { eventInput, eventRepresentation } from './event-schemas';
import { eventCalendar, eventsCalendar } from './ics-routes';
import { eventCalendarQuery, eventListQuery, notificationListQuery } from './listing';
import {
  createNotification,
  deleteNotification,
  getNotification,
  listNotifications,
  patchNotification,
  replaceNotification,
} from './notification-routes';
import { notificationInput, notificationRepresentation } from './notification-schemas';
import { ID } from './validation';
import { jsonObjectBody } from './wire';

const eventParams = z.object({ id: z.string().regex(ID, 'No event has this id') });
const notificationParams = z.object({ id: z.string().regex(ID, 'No notification has this id') });
const header = (description: string) => z.string().meta({ description }).optional();
const readHeaders = z.object({ 'If-None-Match': header('ETags the client holds: 304 when one matches') });
const writeHeaders = z.object({ 'If-Match': header('Write only if the current ETag matches (412 otherwise)') });
const createHeaders = z.object({ 'Idempotency-Key': header('Replays the first 201 for the same body (1–255 visible ASCII characters)') });
const calendar = { description: 'iCalendar (RFC 5545)', mediaType: 'text/calendar', schema: z.string() };
const NOT_MODIFIED = { 304: { description: 'The client holds this representation' } };
const PRECONDITION = { 412: { description: 'If-Match does not hold', error: true } } as const;
const BAD_QUERY = { 400: { description: 'A query parameter is repeated or invalid', error: true } } as const;
const LIST_HEADERS = { ETag: 'Weak ETag of the page', Link: 'The next page, `<...>; rel="next"`, while more remain' };

/** One flat list of operations, so the metrics' route label is the template of the matched route. */
export function eventpostOperations(ctx: EventpostContext): AnyOperation[] {
  const body = (schema: z.ZodType) => ({ parser: jsonObjectBody(ctx.config.maxBodyBytes), limit: ctx.config.maxBodyBytes, schema });
  const item = (kind: 'event' | 'notification') => {
    const params = kind === 'event' ? eventParams : notificationParams;
    const representation = kind === 'event' ? eventRepresentation : notificationRepresentation;
    const input = kind === 'event' ? eventInput : notificationInput;
    const itemHandlers =
      kind === 'event'
        ? { get: getEvent(ctx), put: replaceEvent(ctx), patch: patchEvent(ctx), delete: deleteEvent(ctx) }
        : { get: getNotification(ctx), put: replaceNotification(ctx), patch: patchNotification(ctx), delete: deleteNotification(ctx) };
    const path = `/${kind}s/:id`;
    const conflict: Record<number, ResponseSpec> = kind === 'notification' ? { 409: { description: 'The notification is being sent; retry shortly', error: true } } : {};
    return [
      operation({
        method: 'get',
        path,
        summary: `Read ${kind === 'event' ? 'an event' : 'a notification'}`,
        security: PUBLIC,
        request: { params, headers: readHeaders },
        responses: { 200: { description: 'The representation', schema: representation, headers: { ETag: 'Its version' } }, ...NOT_MODIFIED },
        handler: (_input, req, res) => itemHandlers.get(req, res),
      }),
      operation({
        method: 'put',
        path,
        summary: kind === 'event' ? 'Replace an event' : 'Replace (and maybe reschedule) a notification',
        security: PUBLIC,
        request: { params, headers: writeHeaders },
        body: body(input),
        responses: { 200: representation, 422: { description: 'A field is invalid', error: true }, ...PRECONDITION, ...conflict },
        handler: (_input, req, res) => itemHandlers.put(req, res),
      }),
      operation({
        method: 'patch',
        path,
        summary: `Merge-patch ${kind === 'event' ? 'an event' : 'a notification'}`,
        security: PUBLIC,
        request: { params, headers: writeHeaders },
        body: { ...body(input.partial()), mediaTypes: ['application/json', 'application/merge-patch+json'] },
        responses: { 200: representation, 422: { description: 'The patched value is invalid', error: true }, ...PRECONDITION, ...conflict },
        handler: (_input, req, res) => itemHandlers.patch(req, res),
      }),
      operation({
        method: 'delete',
        path,
        summary: kind === 'event' ? 'Delete an event and cancel its notifications' : 'Delete a notification and cancel its send',
        security: PUBLIC,
        request: { params, headers: writeHeaders },
        responses: { 200: representation, ...PRECONDITION },
        handler: (_input, req, res) => itemHandlers.delete(req, res),
      }),
    ];
  };

  const handlers = {
    eventsCalendar: eventsCalendar(ctx),
    listEvents: listEvents(ctx),
    createEvent: createEvent(ctx),
    eventCalendar: eventCalendar(ctx),
    listNotifications: listNotifications(ctx),
    createNotification: createNotification(ctx),
  };
  return [
    operation({
      method: 'get',
      path: '/events.ics',
      summary: 'iCalendar of the matching events',
      security: PUBLIC,
      request: { query: eventCalendarQuery },
      responses: { 200: calendar, ...BAD_QUERY },
      handler: ({ query }, req, res) => handlers.eventsCalendar(query, req, res),
    }),
    operation({
      method: 'get',
      path: '/events',
      summary: 'List events (filters, Link pagination)',
      security: PUBLIC,
      request: { query: eventListQuery, headers: readHeaders },
      responses: { 200: { description: 'A page of events', schema: z.array(eventRepresentation), headers: LIST_HEADERS }, ...NOT_MODIFIED, ...BAD_QUERY },
      handler: ({ query }, req, res) => handlers.listEvents(query, req, res),
    }),
    operation({
      method: 'post',
      path: '/events',
      summary: 'Create an event',
      security: PUBLIC,
      request: { headers: createHeaders },
      body: body(eventInput),
      responses: { 201: { description: 'Created', schema: eventRepresentation, headers: { Location: 'The new event', ETag: 'Its version' } }, 409: { description: 'A request with this Idempotency-Key is still running', error: true } },
      handler: (_input, req, res) => handlers.createEvent(req, res),
    }),
    operation({
      method: 'get',
      path: '/events/:id.ics',
      summary: 'iCalendar of one event',
      security: PUBLIC,
      request: { params: eventParams },
      responses: { 200: calendar },
      handler: (_input, req, res) => handlers.eventCalendar(req, res),
    }),
    ...item('event'),
    operation({
      method: 'get',
      path: '/notifications',
      summary: 'List notifications',
      security: PUBLIC,
      request: { query: notificationListQuery, headers: readHeaders },
      responses: { 200: { description: 'A page of notifications', schema: z.array(notificationRepresentation), headers: LIST_HEADERS }, ...NOT_MODIFIED, ...BAD_QUERY },
      handler: ({ query }, req, res) => handlers.listNotifications(query, req, res),
    }),
    operation({
      method: 'post',
      path: '/notifications',
      summary: 'Schedule an e-mail notification',
      security: PUBLIC,
      request: { headers: createHeaders },
      body: body(notificationInput),
      responses: {
        201: { description: 'Scheduled', schema: notificationRepresentation, headers: { Location: 'The new notification', ETag: 'Its version' } },
        409: { description: 'A request with this Idempotency-Key is still running', error: true },
      },
      handler: (_input, req, res) => handlers.createNotification(req, res),
    }),
    ...item('notification'),
  ];
}
