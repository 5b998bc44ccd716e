import { operation, PUBLIC, type AnyOperation, type Security } from '@platform/platform';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import * as s from './schemas';
import type { Caller, SantaService } from './service';

const body = { parser: 'json', limit: '1mb' } as const;
const ADMIN_ONLY = { 403: { description: 'The token is not the group admin’s', error: true } } as const;
const CONFLICT = (codes: string) => ({ 409: { description: `Conflict: ${codes}`, error: true } }) as const;
const TOO_MANY = { 429: { description: 'Too many e-mails for this group; retry later', error: true } } as const;

export const santaSecuritySchemes = {
  santaMemberToken: {
    type: 'http',
    scheme: 'bearer',
    description: "A member's capability token (43 base64url characters), sent as `Authorization: Bearer <token>`.",
  },
  santaAdminToken: {
    type: 'http',
    scheme: 'bearer',
    description: "The group admin's capability token, sent as `Authorization: Bearer <token>`.",
  },
};

/** Answers `status` with `answer` as JSON, or an empty body for undefined. */
function send(res: Response, status: number, answer: unknown): void {
  if (answer === undefined) res.status(status).end();
  else res.status(status).json(answer);
}

/** The JSON API: public creation and joining, then member and admin operations under their capability tokens. */
export function santaOperations(service: SantaService, once: RequestHandler): AnyOperation[] {
  const memberOf = async (req: Request) => {
    const caller = await service.authenticate(req.headers.authorization);
    if (typeof req.params.gid === 'string') service.requireGroup(caller, req.params.gid);
    return caller;
  };
  const member: Security<Caller> = { schemes: ['santaMemberToken'], authenticate: memberOf };
  const admin: Security<Caller> = {
    schemes: ['santaAdminToken'],
    authenticate: async (req) => {
      const caller = await memberOf(req);
      service.requireAdmin(caller);
      return caller;
    },
  };

  return [
    operation({
      method: 'post',
      path: '/groups',
      summary: 'Create a group; the creator is its admin',
      security: PUBLIC,
      request: { body: s.createGroupBody, headers: s.idempotencyHeaders },
      body,
      idempotency: once,
      responses: {
        201: z.object({ group: s.group, admin_token: z.string(), member_id: z.uuid(), member_url: z.string(), admin_url: z.string(), invite_url: z.string() }),
      },
      handler: async ({ body }, _req, res) => void res.status(201).json(await service.createGroup(body)),
    }),
    operation({
      method: 'post',
      path: '/join',
      summary: 'Join a group with its invite code',
      security: PUBLIC,
      request: { body: s.joinBody, headers: s.idempotencyHeaders },
      body,
      idempotency: once,
      responses: {
        201: z.object({ group_id: z.uuid(), member: s.me, member_token: z.string(), member_url: z.string() }),
        404: { description: 'No group has this invite code', error: true },
        ...CONFLICT('`name_taken`, `group_full`'),
      },
      handler: async ({ body }, _req, res) => void res.status(201).json(await service.join(body)),
    }),

    operation({
      method: 'get',
      path: '/me',
      summary: 'The caller',
      security: member,
      responses: { 200: z.object({ group_id: z.uuid(), member: s.me }) },
      handler: async ({ auth }, _req, res) => send(res, 200, await service.me(auth)),
    }),
    operation({
      method: 'patch',
      path: '/me',
      summary: 'Change your name or address',
      security: member,
      request: { body: s.patchMeBody },
      body,
      responses: { 200: z.object({ member: s.me }), ...CONFLICT('`name_taken`') },
      handler: async ({ auth, body }, _req, res) => send(res, 200, await service.patchMe(auth, body)),
    }),
    operation({
      method: 'delete',
      path: '/me',
      summary: 'Leave the group',
      security: member,
      responses: { 200: s.removed, ...CONFLICT('`admin_cannot_leave`, `draw_repair_impossible`') },
      handler: async ({ auth }, _req, res) => send(res, 200, await service.removeMember(auth, auth.member.id)),
    }),

    operation({
      method: 'get',
      path: '/groups/:gid',
      summary: 'The group',
      security: member,
      request: { params: s.groupParams },
      responses: { 200: z.object({ group: s.group }) },
      handler: async ({ auth }, _req, res) => send(res, 200, await service.group(auth)),
    }),
    operation({
      method: 'patch',
      path: '/groups/:gid',
      summary: 'Change the settings (admin)',
      security: admin,
      request: { params: s.groupParams, body: s.patchGroupBody },
      body,
      responses: { 200: z.object({ group: s.group }), ...ADMIN_ONLY },
      handler: async ({ auth, body }, _req, res) => send(res, 200, await service.patchGroup(auth, body)),
    }),
    operation({
      method: 'delete',
      path: '/groups/:gid',
      summary: 'Delete the group and every token (admin)',
      security: admin,
      request: { params: s.groupParams },
      responses: { 204: { description: 'Deleted' }, ...ADMIN_ONLY },
      handler: async ({ auth }, _req, res) => send(res, 204, await service.deleteGroup(auth)),
    }),
    operation({
      method: 'get',
      path: '/groups/:gid/members',
      summary: 'Members in join order',
      security: member,
      request: { params: s.groupParams, query: s.listQuery },
      responses: { 200: z.object({ members: z.array(s.member), ...s.nextCursor }) },
      handler: async ({ auth, query }, _req, res) => send(res, 200, await service.members(auth, query)),
    }),
    operation({
      method: 'post',
      path: '/groups/:gid/members',
      summary: 'Add a member by e-mail (admin)',
      security: admin,
      request: { params: s.groupParams, body: s.addMemberBody, headers: s.idempotencyHeaders },
      body,
      idempotency: once,
      responses: { 201: z.object({ member: s.member }), ...ADMIN_ONLY, ...CONFLICT('`name_taken`, `group_full`'), ...TOO_MANY },
      handler: async ({ auth, body }, _req, res) => send(res, 201, await service.adminAddMember(auth, body)),
    }),
    operation({
      method: 'delete',
      path: '/groups/:gid/members/:mid',
      summary: 'Remove a member (admin)',
      security: admin,
      request: { params: s.memberParams },
      responses: { 200: s.removed, ...ADMIN_ONLY, ...CONFLICT('`admin_cannot_leave`, `draw_repair_impossible`') },
      handler: async ({ auth, params }, _req, res) => send(res, 200, await service.removeMember(auth, params.mid)),
    }),
    operation({
      method: 'post',
      path: '/groups/:gid/members/:mid/resend-link',
      summary: 'E-mail a new link (admin)',
      security: admin,
      request: { params: s.memberParams },
      responses: { 202: z.object({ email_id: z.number() }), ...ADMIN_ONLY, ...CONFLICT('`no_email`'), ...TOO_MANY },
      handler: async ({ auth, params }, _req, res) => send(res, 202, await service.resendLink(auth, params.mid)),
    }),
    operation({
      method: 'post',
      path: '/groups/:gid/invite-code',
      summary: 'Rotate the invite code (admin)',
      security: admin,
      request: { params: s.groupParams },
      responses: { 200: z.object({ invite_code: z.string(), invite_url: z.string() }), ...ADMIN_ONLY },
      handler: async ({ auth }, _req, res) => send(res, 200, await service.rotateInvite(auth)),
    }),

    operation({
      method: 'get',
      path: '/groups/:gid/assignment',
      summary: 'Your giftee (and your santa after the reveal)',
      // The service authenticates this read itself: the assignment is the token's own.
      security: { schemes: ['santaMemberToken'] },
      request: { params: s.groupParams },
      responses: {
        200: z.object({ draw_id: z.uuid(), giftee: z.object({ id: z.uuid(), name: z.string(), wishlist: s.wishlist }), santa: z.object({ id: z.uuid(), name: z.string() }).nullable() }),
      },
      handler: async ({ params }, req, res) => void res.json(await service.assignment(req.headers.authorization, params.gid)),
    }),
    operation({
      method: 'get',
      path: '/groups/:gid/wishlist',
      summary: 'Your wishlist',
      security: member,
      request: { params: s.groupParams },
      responses: { 200: s.wishlist },
      handler: async ({ auth }, _req, res) => send(res, 200, await service.wishlist(auth)),
    }),
    operation({
      method: 'put',
      path: '/groups/:gid/wishlist',
      summary: 'Replace your wishlist',
      security: member,
      request: { params: s.groupParams, body: s.wishlistBody },
      body,
      responses: { 200: s.wishlist },
      handler: async ({ auth, body }, _req, res) => send(res, 200, await service.putWishlist(auth, body.items)),
    }),
    operation({
      method: 'post',
      path: '/groups/:gid/messages',
      summary: 'Write to your giftee or santa',
      security: member,
      request: { params: s.groupParams, body: s.messageBody, headers: s.idempotencyHeaders },
      body,
      idempotency: once,
      responses: { 201: z.object({ message: s.message }) },
      handler: async ({ auth, body }, _req, res) => send(res, 201, await service.sendMessage(auth, body)),
    }),
    operation({
      method: 'get',
      path: '/groups/:gid/messages',
      summary: 'A thread, oldest first',
      security: member,
      request: { params: s.groupParams, query: s.messagesQuery },
      responses: { 200: z.object({ messages: z.array(s.message), ...s.nextCursor }) },
      handler: async ({ auth, query }, _req, res) => send(res, 200, await service.messages(auth, query)),
    }),

    operation({
      method: 'get',
      path: '/groups/:gid/exclusions',
      summary: 'Exclusions (admin)',
      security: admin,
      request: { params: s.groupParams, query: s.listQuery },
      responses: { 200: z.object({ exclusions: z.array(s.exclusion), ...s.nextCursor }), ...ADMIN_ONLY },
      handler: async ({ auth, query }, _req, res) => send(res, 200, await service.exclusions(auth, query)),
    }),
    operation({
      method: 'post',
      path: '/groups/:gid/exclusions',
      summary: 'Add an exclusion (admin)',
      security: admin,
      request: { params: s.groupParams, body: s.exclusionBody, headers: s.idempotencyHeaders },
      body,
      idempotency: once,
      responses: { 201: z.object({ created: z.array(s.exclusion) }), ...ADMIN_ONLY, ...CONFLICT('`exclusion_exists`') },
      handler: async ({ auth, body }, _req, res) => send(res, 201, await service.addExclusion(auth, body)),
    }),
    operation({
      method: 'delete',
      path: '/groups/:gid/exclusions/:id',
      summary: 'Delete an exclusion (admin)',
      security: admin,
      request: { params: s.itemParams },
      responses: { 204: { description: 'Deleted' }, ...ADMIN_ONLY },
      handler: async ({ auth, params }, _req, res) => send(res, 204, await service.deleteExclusion(auth, params.id)),
    }),

    operation({
      method: 'get',
      path: '/groups/:gid/draws',
      summary: 'Draws, newest first',
      security: member,
      request: { params: s.groupParams, query: s.listQuery },
      responses: { 200: z.object({ draws: z.array(s.drawSummary), ...s.nextCursor }) },
      handler: async ({ auth, query }, _req, res) => send(res, 200, await service.draws(auth, query)),
    }),
    operation({
      method: 'post',
      path: '/groups/:gid/draws',
      summary: 'Draw names (admin)',
      security: admin,
      request: { params: s.groupParams, body: s.drawBody, headers: s.idempotencyHeaders },
      body,
      idempotency: once,
      responses: { 201: z.object({ draw: s.drawSummary }), ...ADMIN_ONLY, ...CONFLICT('`already_drawn`') },
      handler: async ({ auth, body }, _req, res) => send(res, 201, await service.draw(auth, body.redraw)),
    }),
    operation({
      method: 'post',
      path: '/groups/:gid/draws/current/reveal',
      summary: 'Reveal the current draw (admin)',
      security: admin,
      request: { params: s.groupParams },
      responses: { 200: z.object({ draw: s.drawDetail }), ...ADMIN_ONLY, ...CONFLICT('`already_revealed`') },
      handler: async ({ auth }, _req, res) => send(res, 200, await service.reveal(auth)),
    }),
    operation({
      method: 'get',
      path: '/groups/:gid/draws/:id',
      summary: 'A draw by id, or `current`',
      security: member,
      request: { params: s.itemParams },
      responses: { 200: z.object({ draw: s.drawDetail }) },
      handler: async ({ auth, params }, _req, res) => send(res, 200, await service.drawById(auth, params.id)),
    }),
    operation({
      method: 'get',
      path: '/groups/:gid/emails',
      summary: 'E-mail statuses (admin)',
      security: admin,
      request: { params: s.groupParams, query: s.listQuery },
      responses: { 200: z.object({ emails: z.array(s.emailStatus), ...s.nextCursor }), ...ADMIN_ONLY },
      handler: async ({ auth, query }, _req, res) => send(res, 200, await service.emails(auth, query)),
    }),
  ];
}
