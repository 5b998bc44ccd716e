import { HttpError, jsonBody, parseRequest } from '@platform/platform';
import type { Request, RequestHandler, Response, Router } from 'express';
import * as s from './schemas';
import type { Caller, SantaService } from './service';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Handler = (caller: Caller, req: Request, res: Response) => Promise<unknown>;

const json = jsonBody({ limit: '1mb' });

/** Registers the JSON API and answers 405 for a known path with another method. */
export function mountApi(router: Router, service: SantaService, once: RequestHandler): void {
  const methods = new Map<string, Set<string>>();
  const add = (method: Method, path: string, ...handlers: RequestHandler[]) => {
    router[method](path, ...handlers);
    if (!methods.has(path)) methods.set(path, new Set());
    methods.get(path)!.add(method.toUpperCase());
  };
  const send = (res: Response, status: number, body: unknown) => {
    if (body === undefined) res.status(status).end();
    else res.status(status).json(body);
  };
  const member =
    (status: number, handler: Handler): RequestHandler =>
    async (req, res) => {
      const caller = await service.authenticate(req.headers.authorization);
      if (typeof req.params.gid === 'string') service.requireGroup(caller, req.params.gid);
      send(res, status, await handler(caller, req, res));
    };
  const admin =
    (status: number, handler: Handler): RequestHandler =>
    async (req, res) => {
      const caller = await service.authenticate(req.headers.authorization);
      if (typeof req.params.gid === 'string') service.requireGroup(caller, req.params.gid);
      service.requireAdmin(caller);
      send(res, status, await handler(caller, req, res));
    };

  add('post', '/groups', json, once, async (req, res) => {
    const { body } = parseRequest(req, { body: s.createGroupBody });
    res.status(201).json(await service.createGroup(body));
  });
  add('post', '/join', json, once, async (req, res) => {
    const { body } = parseRequest(req, { body: s.joinBody });
    res.status(201).json(await service.join(body));
  });

  add('get', '/me', member(200, (caller) => service.me(caller)));
  add('patch', '/me', json, member(200, (caller, req) => service.patchMe(caller, parseRequest(req, { body: s.patchMeBody }).body)));
  add('delete', '/me', member(200, (caller) => service.removeMember(caller, caller.member.id)));

  add('get', '/groups/:gid', member(200, (caller) => service.group(caller)));
  add('patch', '/groups/:gid', json, admin(200, (caller, req) => service.patchGroup(caller, parseRequest(req, { body: s.patchGroupBody }).body)));
  add('delete', '/groups/:gid', admin(204, (caller) => service.deleteGroup(caller)));
  add('get', '/groups/:gid/members', member(200, (caller, req) => service.members(caller, parseRequest(req, { query: s.listQuery }).query)));
  add('post', '/groups/:gid/members', json, once, admin(201, (caller, req) => service.adminAddMember(caller, parseRequest(req, { body: s.addMemberBody }).body)));
  add('delete', '/groups/:gid/members/:mid', admin(200, (caller, req) => service.removeMember(caller, String(req.params.mid))));
  add('post', '/groups/:gid/members/:mid/resend-link', admin(202, (caller, req) => service.resendLink(caller, String(req.params.mid))));
  add('post', '/groups/:gid/invite-code', admin(200, (caller) => service.rotateInvite(caller)));

  add('get', '/groups/:gid/assignment', async (req, res) => {
    res.json(await service.assignment(req.headers.authorization, String(req.params.gid)));
  });
  add('get', '/groups/:gid/wishlist', member(200, (caller) => service.wishlist(caller)));
  add('put', '/groups/:gid/wishlist', json, member(200, (caller, req) => service.putWishlist(caller, parseRequest(req, { body: s.wishlistBody }).body.items)));
  add('post', '/groups/:gid/messages', json, once, member(201, (caller, req) => service.sendMessage(caller, parseRequest(req, { body: s.messageBody }).body)));
  add('get', '/groups/:gid/messages', member(200, (caller, req) => service.messages(caller, parseRequest(req, { query: s.messagesQuery }).query)));

  add('get', '/groups/:gid/exclusions', admin(200, (caller, req) => service.exclusions(caller, parseRequest(req, { query: s.listQuery }).query)));
  add('post', '/groups/:gid/exclusions', json, once, admin(201, (caller, req) => service.addExclusion(caller, parseRequest(req, { body: s.exclusionBody }).body)));
  add('delete', '/groups/:gid/exclusions/:id', admin(204, (caller, req) => service.deleteExclusion(caller, String(req.params.id))));

  add('get', '/groups/:gid/draws', member(200, (caller, req) => service.draws(caller, parseRequest(req, { query: s.listQuery }).query)));
  add('post', '/groups/:gid/draws', json, once, admin(201, (caller, req) => service.draw(caller, parseRequest(req, { body: s.drawBody }).body.redraw)));
  add('post', '/groups/:gid/draws/current/reveal', admin(200, (caller) => service.reveal(caller)));
  add('get', '/groups/:gid/draws/:id', member(200, (caller, req) => service.drawById(caller, String(req.params.id))));
  add('get', '/groups/:gid/emails', admin(200, (caller, req) => service.emails(caller, parseRequest(req, { query: s.listQuery }).query)));

  for (const [path, allowed] of methods) {
    const allow = [...allowed, ...(allowed.has('GET') ? ['HEAD'] : [])].join(', ');
    router.all(path, (_req, _res, next) => next(new HttpError(405, 'method_not_allowed', `Allowed: ${allow}`, { allow: allow.split(', ') }, { Allow: allow })));
  }
}
