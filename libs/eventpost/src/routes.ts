import { requestErrors } from '@platform/platform';
import { Router } from 'express';
import type { EventpostContext } from './context';
import { createEvent, deleteEvent, getEvent, listEvents, patchEvent, replaceEvent } from './event-routes';
import { eventCalendar, eventsCalendar } from './ics-routes';
import {
  createNotification,
  deleteNotification,
  getNotification,
  listNotifications,
  patchNotification,
  replaceNotification,
} from './notification-routes';
import { errorResponder, jsonObjectBody, methodNotAllowed, unknownPath } from './wire';

const COLLECTION = 'GET, HEAD, POST';
const ITEM = 'GET, HEAD, PUT, PATCH, DELETE';
const READ_ONLY = 'GET, HEAD';

/** One flat router, so the metrics' route label is the template of the matched route. */
export function createRoutes(ctx: EventpostContext): Router {
  const router = Router({ strict: false });
  const body = jsonObjectBody(ctx.config.maxBodyBytes);

  router.get('/events.ics', eventsCalendar(ctx));
  router.all('/events.ics', methodNotAllowed(READ_ONLY));
  router.get('/events', listEvents(ctx));
  router.post('/events', body, createEvent(ctx));
  router.all('/events', methodNotAllowed(COLLECTION));
  router.get('/events/:id.ics', eventCalendar(ctx));
  router.all('/events/:id.ics', methodNotAllowed(READ_ONLY));
  router.get('/events/:id', getEvent(ctx));
  router.put('/events/:id', body, replaceEvent(ctx));
  router.patch('/events/:id', body, patchEvent(ctx));
  router.delete('/events/:id', deleteEvent(ctx));
  router.all('/events/:id', methodNotAllowed(ITEM));

  router.get('/notifications', listNotifications(ctx));
  router.post('/notifications', body, createNotification(ctx));
  router.all('/notifications', methodNotAllowed(COLLECTION));
  router.get('/notifications/:id', getNotification(ctx));
  router.put('/notifications/:id', body, replaceNotification(ctx));
  router.patch('/notifications/:id', body, patchNotification(ctx));
  router.delete('/notifications/:id', deleteNotification(ctx));
  router.all('/notifications/:id', methodNotAllowed(ITEM));

  router.use(unknownPath);
  // Spec: an {id} of any shape that names no record, `%zz` included, is 404.
  router.use(requestErrors({ undecodablePath: 'not_found' }));
  router.use(errorResponder());
  return router;
}
