import { openApiPaths } from '@platform/platform';
import { z } from 'zod';
import { batchBody, errorsQuery, eventBody, eventsQuery, idParams, pageQuery, registerTypeBody, responses, segmentBatchBody, sessionParams, statsQuery, typeParams } from './schemas';

const segmentMessage = z.record(z.string(), z.unknown());

export const eyeOpenApi = openApiPaths('eye', [
  { method: 'post', path: '/events', summary: 'Ingest one event (202 once durably queued)', body: eventBody, responses: { 202: responses.accepted, 200: responses.duplicate } },
  { method: 'post', path: '/events/batch', summary: 'Ingest 1-1000 events; items are independent', body: batchBody, responses: { 202: responses.batch } },
  { method: 'post', path: '/segment/v1/batch', summary: 'Segment HTTP API batch', body: segmentBatchBody, responses: { 200: responses.segment } },
  { method: 'post', path: '/segment/v1/track', summary: 'Segment track', body: segmentMessage, responses: { 200: responses.segment } },
  { method: 'post', path: '/segment/v1/page', summary: 'Segment page', body: segmentMessage, responses: { 200: responses.segment } },
  { method: 'post', path: '/segment/v1/identify', summary: 'Segment identify', body: segmentMessage, responses: { 200: responses.segment } },
  { method: 'get', path: '/events', summary: 'Events by filters, ordered by timestamp then arrival', query: eventsQuery, responses: { 200: responses.events } },
  { method: 'get', path: '/sessions/:session_id/events', summary: "A session's events in order", params: sessionParams, query: pageQuery, responses: { 200: responses.events } },
  { method: 'get', path: '/stats', summary: 'Stored events per type in a time range', query: statsQuery, responses: { 200: responses.stats } },
  { method: 'get', path: '/errors', summary: 'Rejected input, newest first', query: errorsQuery, responses: { 200: responses.errors } },
  { method: 'get', path: '/errors/:id', summary: 'One error record', params: idParams, responses: { 200: responses.error } },
  { method: 'post', path: '/errors/:id/replay', summary: 'Re-validate a recorded payload against the current registry', params: idParams, responses: { 200: responses.replayed } },
  { method: 'get', path: '/event-types', summary: 'Current version of every usable type', query: pageQuery, responses: { 200: responses.eventTypes } },
  { method: 'get', path: '/event-types/:category/:name', summary: 'One type with its versions', params: typeParams, responses: { 200: responses.eventTypeWithVersions } },
  { method: 'put', path: '/event-types/:category/:name', summary: 'Register a JSON Schema for data (new version or 200 when unchanged)', params: typeParams, body: registerTypeBody, responses: { 201: responses.eventType, 200: responses.eventType } },
]);
