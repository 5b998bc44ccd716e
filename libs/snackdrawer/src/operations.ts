import { HttpError, isPgError, notFound, operation, PUBLIC, type AnyOperation } from '@platform/platform';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { z } from 'zod';
import type { Authenticator } from './auth';
import type { SnackdrawerConfig } from './config';
import { faultConfigSchema, NO_FAULTS, type FaultInjector } from './faults';
import type { IdempotencyStore, Outcome } from './idempotency';
import { pathIdParam } from './ids';
import type { Repository } from './repository';
import { addSnackBody, encodeCursor, loginBody, nameBody, pageQuery, quantityBody, responses, signUpBody } from './schemas';

export interface OperationDeps {
  config: SnackdrawerConfig;
  repository: Repository;
  auth: Authenticator;
  faults: FaultInjector;
  idempotency: IdempotencyStore;
}

export const snackdrawerSecuritySchemes = {
  snackdrawerJwt: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The token from `POST /snackdrawer/auth/login`, as `Authorization: Bearer <token>` (or the seed\'s `x-access-token` header).',
  },
};

const DEFAULT_PAGE = 50;
const DRAWER_NOT_FOUND = 'Drawer not found';
const body = { parser: 'json', limit: '16kb' } as const;
const idempotencyHeaders = z.object({
  'Idempotency-Key': z.string().meta({ description: 'Replays the first answer to the same caller, route and body for a day', examples: ['c0ffee-1'] }).optional(),
});
const drawerParams = z.object({ id: pathIdParam('Drawer') });
const contentParams = drawerParams.extend({ snackId: pathIdParam('Snack') });
const FORBIDDEN = { 403: { description: 'The caller lacks the admin role (where the operation needs it)', error: true } } as const;
const CONFLICT = (what: string) => ({ 409: { description: what, error: true } }) as const;
const UNAVAILABLE = { 503: { description: 'An injected fault or a backing service is down; retry', error: true } } as const;
const NEXT_PAGE = { Link: 'The next page, `<...>; rel="next"`, while more rows remain' };

function send(res: Response, outcome: Outcome): void {
  for (const [name, value] of Object.entries(outcome.headers ?? {})) res.setHeader(name, value);
  if (outcome.body === undefined) res.status(outcome.status).end();
  else res.status(outcome.status).json(outcome.body);
}

function conflictOn23505<T>(message: string): (error: unknown) => T {
  return (error) => {
    if (isPgError(error, '23505')) throw new HttpError(409, 'conflict', message);
    throw error;
  };
}

/** A path-absolute `Link` to the page after `page` (called only while more rows remain). */
function nextLink(req: Request, route: string, limit: number, page: { id: number }[]): string {
  return `<${req.baseUrl}${route}?limit=${limit}&cursor=${encodeCursor(page[page.length - 1]!.id)}>; rel="next"`;
}

/**
 * Every operation but the fault API runs behind the web-fault layer, keyed by its route template (the exact
 * `route` label of the HTTP metrics and of fault rules). Checks run route → fault → auth → role → path ids →
 * body → schema, as the spec orders them.
 */
export function snackdrawerOperations(deps: OperationDeps): AnyOperation[] {
  const { config, repository, auth, faults, idempotency } = deps;
  const user = auth.security();
  const admin = auth.security('admin');
  const faultAdmin = auth.security('admin', { exempt: true });

  async function ownedDrawer(id: number, userId: number) {
    const drawer = await repository.findDrawer(id, userId);
    if (drawer) return drawer;
    return drawerMiss(id);
  }

  /** An absent drawer and someone else's are answered alike; the latter is counted as a BOLA attempt. */
  async function drawerMiss(id: number): Promise<never> {
    if (await repository.drawerExists(id)) auth.denied('not_owner');
    throw notFound(DRAWER_NOT_FOUND);
  }

  async function fullDrawer(id: number, userId: number) {
    const drawer = await ownedDrawer(id, userId);
    return { ...drawer, contents: await repository.listContents(drawer.id) };
  }

  /** After a miss on a drawer's content: the drawer is not the caller's (404 as absent), or the snack is not in it. */
  async function contentMiss(drawerId: number, userId: number): Promise<never> {
    await ownedDrawer(drawerId, userId);
    throw notFound('Snack not in this drawer');
  }

  const addSnack = (path: string, summary: string) =>
    operation({
      method: 'post',
      path,
      summary,
      security: user,
      request: { params: drawerParams, body: addSnackBody, headers: idempotencyHeaders },
      body,
      responses: { 200: responses.added, 201: responses.added, 404: { description: 'No drawer of the caller has this id', error: true }, ...UNAVAILABLE },
      handler: async ({ auth: me, params, body }, req, res) => {
        const outcome = await idempotency.run(req, `user:${me.id}`, body, async () => {
          const added = await repository.addToDrawer(params.id, me.id, body.snack, body.quantity ?? 1).catch(addSnackError);
          if (!added) return drawerMiss(params.id);
          const drawer = await fullDrawer(params.id, me.id);
          return { status: added === 'inserted' ? 201 : 200, body: { message: 'snack added to drawer', drawer } };
        });
        send(res, outcome);
      },
    });

  const operations: AnyOperation[] = [
    operation({
      method: 'post',
      path: '/auth/users',
      summary: 'Sign up',
      security: PUBLIC,
      request: { body: signUpBody, headers: idempotencyHeaders },
      body,
      responses: { 201: responses.user, ...CONFLICT('Username is taken'), ...UNAVAILABLE },
      handler: async ({ body }, req, res) => {
        const outcome = await idempotency.run(req, 'anonymous', body, async () => {
          const passwordHash = await auth.hash(body.password);
          const created = await repository.insertUser(body.username, passwordHash).catch(conflictOn23505<never>('Username is taken'));
          return { status: 201, body: created };
        });
        send(res, outcome);
      },
    }),
    operation({
      method: 'post',
      path: '/auth/login',
      summary: 'Log in: a bearer token',
      security: PUBLIC,
      request: { body: loginBody },
      body,
      responses: {
        200: responses.token,
        401: { description: 'Username or password is incorrect', error: true },
        429: { description: 'Too many failed logins for this username', error: true, headers: { 'Retry-After': 'Seconds to wait' } },
        ...UNAVAILABLE,
      },
      handler: async ({ body }, _req, res) => void res.json(await auth.login(body.username, body.password)),
    }),
    operation({
      method: 'get',
      path: '/auth/me',
      summary: 'The caller',
      security: user,
      responses: { 200: responses.me, ...UNAVAILABLE },
      handler: ({ auth: { id, username, role } }, _req, res) => void res.json({ id, username, role }),
    }),
    operation({
      method: 'get',
      path: '/snacks',
      summary: 'The snack catalogue, by ascending id',
      security: PUBLIC,
      request: { query: pageQuery },
      responses: { 200: { description: 'A page of snacks', schema: responses.snacks, headers: NEXT_PAGE }, ...UNAVAILABLE },
      handler: async ({ query }, req, res) => {
        const limit = query.limit ?? DEFAULT_PAGE;
        const rows = await repository.listSnacks(query.cursor ?? 0, limit + 1);
        const snacks = rows.slice(0, limit);
        if (rows.length > limit) res.setHeader('Link', nextLink(req, '/snacks', limit, snacks));
        res.json({ snacks });
      },
    }),
    operation({
      method: 'post',
      path: '/snacks',
      summary: 'Add a snack to the catalogue',
      security: config.snackCreators === 'admin' ? admin : user,
      request: { body: nameBody, headers: idempotencyHeaders },
      body,
      responses: { 201: responses.snack, ...FORBIDDEN, ...CONFLICT('A snack with this name exists'), ...UNAVAILABLE },
      handler: async ({ auth: me, body }, req, res) => {
        const outcome = await idempotency.run(req, `user:${me.id}`, body, async () => {
          const snack = await repository.insertSnack(body.name, me.id).catch(conflictOn23505<never>('A snack with this name exists'));
          return { status: 201, body: { snack } };
        });
        send(res, outcome);
      },
    }),
    operation({
      method: 'get',
      path: '/snacks/:id',
      summary: 'One snack',
      security: PUBLIC,
      request: { params: z.object({ id: pathIdParam('Snack') }) },
      responses: { 200: responses.snack, ...UNAVAILABLE },
      handler: async ({ params }, _req, res) => {
        const snack = await repository.findSnack(params.id);
        if (!snack) throw notFound('Snack not found');
        res.json({ snack });
      },
    }),
    operation({
      method: 'get',
      path: '/drawers',
      summary: "The caller's drawers",
      security: user,
      request: { query: pageQuery },
      responses: { 200: { description: 'A page of drawers', schema: responses.drawers, headers: NEXT_PAGE }, ...UNAVAILABLE },
      handler: async ({ auth: me, query }, req, res) => {
        const limit = query.limit ?? DEFAULT_PAGE;
        const rows = await repository.listDrawers(me.id, query.cursor ?? 0, limit + 1);
        const drawers = rows.slice(0, limit);
        if (rows.length > limit) res.setHeader('Link', nextLink(req, '/drawers', limit, drawers));
        res.json({ drawers });
      },
    }),
    operation({
      method: 'post',
      path: '/drawers',
      summary: 'Create a drawer',
      security: user,
      request: { body: nameBody, headers: idempotencyHeaders },
      body,
      responses: { 201: responses.drawer, ...CONFLICT('You already have a drawer with this name'), ...UNAVAILABLE },
      handler: async ({ auth: me, body }, req, res) => {
        const outcome = await idempotency.run(req, `user:${me.id}`, body, async () => {
          const drawer = await repository.insertDrawer(me.id, body.name).catch(conflictOn23505<never>('You already have a drawer with this name'));
          return { status: 201, body: { drawer: { ...drawer, contents: [] } } };
        });
        send(res, outcome);
      },
    }),
    operation({
      method: 'get',
      path: '/drawers/:id',
      summary: 'One drawer with its contents',
      security: user,
      request: { params: drawerParams },
      responses: { 200: responses.drawer, ...UNAVAILABLE },
      handler: async ({ auth: me, params }, _req, res) => void res.json({ drawer: await fullDrawer(params.id, me.id) }),
    }),
    operation({
      method: 'patch',
      path: '/drawers/:id',
      summary: 'Rename a drawer',
      security: user,
      request: { params: drawerParams, body: nameBody },
      body,
      responses: { 200: responses.drawer, ...CONFLICT('You already have a drawer with this name'), ...UNAVAILABLE },
      handler: async ({ auth: me, params, body }, _req, res) => {
        const renamed = await repository.renameDrawer(params.id, me.id, body.name).catch(conflictOn23505<never>('You already have a drawer with this name'));
        if (!renamed) await drawerMiss(params.id);
        res.json({ drawer: await fullDrawer(params.id, me.id) });
      },
    }),
    operation({
      method: 'delete',
      path: '/drawers/:id',
      summary: 'Delete a drawer',
      security: user,
      request: { params: drawerParams },
      responses: { 204: { description: 'Deleted' }, ...UNAVAILABLE },
      handler: async ({ auth: me, params }, _req, res) => {
        if (!(await repository.deleteDrawer(params.id, me.id))) await drawerMiss(params.id);
        res.status(204).end();
      },
    }),
    addSnack('/drawers/:id', 'Seed alias of POST /drawers/{id}/snacks'),
    addSnack('/drawers/:id/snacks', 'Add a snack to a drawer (201 new, 200 quantity grew)'),
    operation({
      method: 'patch',
      path: '/drawers/:id/snacks/:snackId',
      summary: "Set a snack's quantity in a drawer",
      security: user,
      request: { params: contentParams, body: quantityBody },
      body,
      responses: { 200: responses.drawer, ...UNAVAILABLE },
      handler: async ({ auth: me, params, body }, _req, res) => {
        if (!(await repository.setQuantity(params.id, me.id, params.snackId, body.quantity))) await contentMiss(params.id, me.id);
        res.json({ drawer: await fullDrawer(params.id, me.id) });
      },
    }),
    operation({
      method: 'delete',
      path: '/drawers/:id/snacks/:snackId',
      summary: 'Take a snack out of a drawer',
      security: user,
      request: { params: contentParams },
      responses: { 204: { description: 'Taken out' }, ...UNAVAILABLE },
      handler: async ({ auth: me, params }, _req, res) => {
        if (!(await repository.removeFromDrawer(params.id, me.id, params.snackId))) await contentMiss(params.id, me.id);
        res.status(204).end();
      },
    }),
  ].map((op) => ({ ...op, before: [faults.web(op.path)] }));

  if (config.faultApi) {
    operations.push(
      operation({
        method: 'get',
        path: '/admin/faults',
        summary: 'Fault injection configuration',
        security: faultAdmin,
        responses: { 200: faultConfigSchema, ...FORBIDDEN },
        handler: (_input, _req, res) => void res.json(faults.config()),
      }),
      operation({
        method: 'put',
        path: '/admin/faults',
        summary: 'Replace the fault configuration',
        security: faultAdmin,
        request: { body: faultConfigSchema },
        body,
        responses: { 200: faultConfigSchema, ...FORBIDDEN },
        handler: async ({ body }, _req, res) => void res.json(await faults.replace(body)),
      }),
      operation({
        method: 'delete',
        path: '/admin/faults',
        summary: 'Switch every fault off',
        security: faultAdmin,
        responses: { 204: { description: 'Every fault is off' }, ...FORBIDDEN },
        handler: async (_input, _req, res) => {
          await faults.replace(NO_FAULTS);
          res.status(204).end();
        },
      }),
    );
  }
  return operations;
}

function addSnackError(error: unknown): never {
  const constraint = (error as { constraint?: string }).constraint;
  if (isPgError(error, '23503') && constraint === 'drawer_snacks_snack_id_fkey') {
    throw new HttpError(422, 'validation_failed', 'Invalid request', [
      { path: 'snack', message: 'No snack has this id', code: 'unknown_snack', in: 'body' },
    ]);
  }
  if (isPgError(error, '23503')) throw notFound(DRAWER_NOT_FOUND);
  if (isPgError(error, '23514')) {
    throw new HttpError(422, 'validation_failed', 'Invalid request', [
      { path: 'quantity', message: 'A drawer holds at most 1000 of one snack', code: 'too_big', in: 'body' },
    ]);
  }
  throw error;
}

/** A path segment that is not valid percent-encoding is a path that names nothing: 404, not 400/500. */
export const pathDecodingErrors: ErrorRequestHandler = (error, _req, _res, next) => {
  if (error instanceof URIError) return next(notFound());
  next(error);
};
