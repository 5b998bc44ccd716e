import { openApiPaths } from '@platform/platform';
import { accepted, batchAccepted, batchInput, listQuery, messageInput, messagePage, messageParams, messageView, recountResult, seedWriteQuery, statsBody } from './schemas';

const IDEMPOTENCY = ['Idempotency-Key'];

export const messyOpenApi = openApiPaths('messy', [
  { method: 'post', path: '/messages', summary: 'Accept one message (202 once durably queued)', body: messageInput, headers: IDEMPOTENCY, responses: { 202: accepted } },
  { method: 'post', path: '/messages/batch', summary: 'Accept 1-1000 messages atomically', body: batchInput, headers: IDEMPOTENCY, responses: { 202: batchAccepted } },
  { method: 'get', path: '/messages', summary: 'Persisted messages, newest first (keyset pagination)', query: listQuery, responses: { 200: messagePage } },
  { method: 'get', path: '/messages/:id', summary: 'One persisted message', params: messageParams, responses: { 200: messageView } },
  { method: 'get', path: '/message/write/', summary: "The seed's write URL (query string)", query: seedWriteQuery, headers: IDEMPOTENCY, responses: { 202: accepted } },
  { method: 'post', path: '/message/write/', summary: "The seed's write URL (form, JSON, or the query string)", body: messageInput, headers: IDEMPOTENCY, responses: { 202: accepted } },
  { method: 'get', path: '/stats', summary: 'Statistics snapshot (ETag / If-None-Match)', headers: ['If-None-Match'], responses: { 200: statsBody, 304: null } },
  { method: 'get', path: '/stat/get/', summary: "The seed's statistics URL", headers: ['If-None-Match'], responses: { 200: statsBody, 304: null } },
  { method: 'post', path: '/admin/stats/refresh', summary: 'Build a snapshot now', headers: ['Authorization'], responses: { 200: statsBody } },
  { method: 'post', path: '/admin/stats/recount', summary: 'Recount every aggregate from the messages', headers: ['Authorization'], responses: { 200: recountResult } },
]);
