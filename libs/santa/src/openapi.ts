import { openApiPaths, type OpenApiPaths } from '@platform/platform';
import { z } from 'zod';
import * as s from './schemas';

const gid = z.object({ gid: z.uuid() });
const gidMid = gid.extend({ mid: z.uuid() });
const gidId = gid.extend({ id: z.string() });
const me = z.object({ id: z.uuid(), name: z.string(), email: z.string().nullable(), role: z.enum(['admin', 'member']), participating: z.boolean(), joined_at: z.string() });
const member = me.omit({ email: true }).extend({ has_email: z.boolean().optional() });
const drawSummary = z.object({
  id: z.uuid(),
  number: z.number(),
  status: z.enum(['active', 'superseded']),
  mode: s.mode,
  avoid_previous: z.boolean(),
  participant_count: z.number(),
  algorithm: z.literal('santa-draw-v1'),
  commitment: z.string(),
  created_at: z.string(),
  revealed_at: z.string().nullable(),
});
const pair = z.object({ giver_id: z.uuid(), receiver_id: z.uuid() });
const drawDetail = drawSummary.extend({
  seed: z.string().nullable(),
  input: z.string().nullable(),
  initial_pairs: z.array(pair).nullable(),
  changes: z.array(z.object({ seq: z.number(), kind: z.enum(['join', 'leave']), member_id: z.uuid(), giver_id: z.uuid(), created_at: z.string() })).nullable(),
  pairs: z.array(pair.extend({ giver_name: z.string(), receiver_name: z.string() })).nullable(),
});
const group = z.object({
  id: z.uuid(),
  name: z.string(),
  mode: s.mode,
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
});
const item = z.object({ text: z.string(), url: z.string().optional() });
const wishlist = z.object({ items: z.array(item), updated_at: z.string().nullable() });
const message = z.object({ id: z.number(), from: z.enum(['me', 'giftee', 'santa']), text: z.string(), created_at: z.string() });
const exclusion = z.object({ id: z.uuid(), giver_id: z.uuid(), receiver_id: z.uuid(), created_at: z.string() });
const next = { next_cursor: z.string().nullable() };
const removed = z.object({ removed: z.literal(true), draw_changed: z.boolean() });
const created = ['Idempotency-Key'];

export function santaOpenApi(): OpenApiPaths {
  return openApiPaths('santa', [
    {
      method: 'post',
      path: '/groups',
      summary: 'Create a group; the creator is its admin',
      body: s.createGroupBody,
      headers: created,
      responses: { 201: z.object({ group, admin_token: z.string(), member_id: z.uuid(), member_url: z.string(), admin_url: z.string(), invite_url: z.string() }) },
    },
    {
      method: 'post',
      path: '/join',
      summary: 'Join a group with its invite code',
      body: s.joinBody,
      headers: created,
      responses: { 201: z.object({ group_id: z.uuid(), member: me, member_token: z.string(), member_url: z.string() }) },
    },
    { method: 'get', path: '/me', summary: 'The caller', responses: { 200: z.object({ group_id: z.uuid(), member: me }) } },
    { method: 'patch', path: '/me', summary: 'Change your name or address', body: s.patchMeBody, responses: { 200: z.object({ member: me }) } },
    { method: 'delete', path: '/me', summary: 'Leave the group', responses: { 200: removed } },
    { method: 'get', path: '/groups/:gid', summary: 'The group', params: gid, responses: { 200: z.object({ group }) } },
    { method: 'patch', path: '/groups/:gid', summary: 'Change the settings (admin)', params: gid, body: s.patchGroupBody, responses: { 200: z.object({ group }) } },
    { method: 'delete', path: '/groups/:gid', summary: 'Delete the group and every token (admin)', params: gid, responses: { 204: null } },
    { method: 'get', path: '/groups/:gid/members', summary: 'Members in join order', params: gid, query: s.listQuery, responses: { 200: z.object({ members: z.array(member), ...next }) } },
    { method: 'post', path: '/groups/:gid/members', summary: 'Add a member by e-mail (admin)', params: gid, body: s.addMemberBody, headers: created, responses: { 201: z.object({ member }) } },
    { method: 'delete', path: '/groups/:gid/members/:mid', summary: 'Remove a member (admin)', params: gidMid, responses: { 200: removed } },
    { method: 'post', path: '/groups/:gid/members/:mid/resend-link', summary: 'E-mail a new link (admin)', params: gidMid, responses: { 202: z.object({ email_id: z.number() }) } },
    { method: 'post', path: '/groups/:gid/invite-code', summary: 'Rotate the invite code (admin)', params: gid, responses: { 200: z.object({ invite_code: z.string(), invite_url: z.string() }) } },
    {
      method: 'get',
      path: '/groups/:gid/assignment',
      summary: 'Your giftee (and your santa after the reveal)',
      params: gid,
      responses: { 200: z.object({ draw_id: z.uuid(), giftee: z.object({ id: z.uuid(), name: z.string(), wishlist }), santa: z.object({ id: z.uuid(), name: z.string() }).nullable() }) },
    },
    { method: 'get', path: '/groups/:gid/wishlist', summary: 'Your wishlist', params: gid, responses: { 200: wishlist } },
    { method: 'put', path: '/groups/:gid/wishlist', summary: 'Replace your wishlist', params: gid, body: s.wishlistBody, responses: { 200: wishlist } },
    { method: 'post', path: '/groups/:gid/messages', summary: 'Write to your giftee or santa', params: gid, body: s.messageBody, headers: created, responses: { 201: z.object({ message }) } },
    { method: 'get', path: '/groups/:gid/messages', summary: 'A thread, oldest first', params: gid, query: s.messagesQuery, responses: { 200: z.object({ messages: z.array(message), ...next }) } },
    { method: 'get', path: '/groups/:gid/exclusions', summary: 'Exclusions (admin)', params: gid, query: s.listQuery, responses: { 200: z.object({ exclusions: z.array(exclusion), ...next }) } },
    { method: 'post', path: '/groups/:gid/exclusions', summary: 'Add an exclusion (admin)', params: gid, body: s.exclusionBody, headers: created, responses: { 201: z.object({ created: z.array(exclusion) }) } },
    { method: 'delete', path: '/groups/:gid/exclusions/:id', summary: 'Delete an exclusion (admin)', params: gidId, responses: { 204: null } },
    { method: 'get', path: '/groups/:gid/draws', summary: 'Draws, newest first', params: gid, query: s.listQuery, responses: { 200: z.object({ draws: z.array(drawSummary), ...next }) } },
    { method: 'post', path: '/groups/:gid/draws', summary: 'Draw names (admin)', params: gid, body: s.drawBody, headers: created, responses: { 201: z.object({ draw: drawSummary }) } },
    { method: 'post', path: '/groups/:gid/draws/current/reveal', summary: 'Reveal the current draw (admin)', params: gid, responses: { 200: z.object({ draw: drawDetail }) } },
    { method: 'get', path: '/groups/:gid/draws/:id', summary: 'A draw by id, or `current`', params: gidId, responses: { 200: z.object({ draw: drawDetail }) } },
    {
      method: 'get',
      path: '/groups/:gid/emails',
      summary: 'E-mail statuses (admin)',
      params: gid,
      query: s.listQuery,
      responses: {
        200: z.object({
          emails: z.array(
            z.object({
              id: z.number(),
              kind: z.enum(['invitation', 'link', 'draw', 'change']),
              member_id: z.uuid().nullable(),
              status: z.enum(['queued', 'sent', 'failed', 'not_sent']),
              attempts: z.number(),
              last_error: z.string().nullable(),
              created_at: z.string(),
              sent_at: z.string().nullable(),
            }),
          ),
          ...next,
        }),
      },
    },
  ]);
}
