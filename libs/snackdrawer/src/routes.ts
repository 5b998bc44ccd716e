import { HttpError, isPgError, jsonBody, notFound, parseRequest, requestErrors } from '@platform/platform';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { caller, type Authenticator } from './auth';
import type { SnackdrawerConfig } from './config';
import { faultConfigSchema, NO_FAULTS, type FaultInjector } from './faults';
import type { IdempotencyStore, Outcome } from './idempotency';
import { pathId } from './ids';
import type { Repository } from './repository';
import { addSnackBody, encodeCursor, loginBody, nameBody, pageQuery, quantityBody, signUpBody } from './schemas';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteDeps {
  config: SnackdrawerConfig;
  repository: Repository;
  auth: Authenticator;
  faults: FaultInjector;
  idempotency: IdempotencyStore;
}

const DEFAULT_PAGE = 50;
const DRAWER_NOT_FOUND = 'Drawer not found';
const parseJson = jsonBody({ limit: '16kb' });

/** Runs the body parser where the order of checks puts it (after auth and path ids). */
function readBody(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => parseJson(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
}

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

/** One flat router: `req.route.path` is the exact `route` label of the HTTP metrics and of fault rules. */
export function createRoutes(deps: RouteDeps): Router {
  const { config, repository, auth, faults, idempotency } = deps;
  const router = Router();
  const user = auth.require();
  const admin = auth.require('admin');
  const faultAdmin = auth.require('admin', { exempt: true });

  /** Registers a route's methods behind the web-fault layer, then 405 with `Allow` for any other method. */
  function route(path: string, methods: Partial<Record<Method, RequestHandler[]>>, options: { faults?: boolean } = {}): void {
    const allowed: string[] = [];
    for (const [method, handlers] of Object.entries(methods) as [Method, RequestHandler[]][]) {
      router[method](path, ...(options.faults === false ? [] : [faults.web(path)]), ...handlers);
      allowed.push(method.toUpperCase());
      if (method === 'get') allowed.push('HEAD');
    }
    const allow = allowed.join(', ');
    router.all(path, (req, res) => {
      res.setHeader('Allow', allow);
      if (req.method === 'OPTIONS') return void res.status(204).end();
      throw new HttpError(405, 'method_not_allowed', `Method ${req.method} is not allowed here`, { allow: allowed });
    });
  }

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

  route('/auth/users', {
    post: [
      async (req, res) => {
        await readBody(req, res);
        const { body } = parseRequest(req, { body: signUpBody });
        const outcome = await idempotency.run(req, 'anonymous', body, async () => {
          const passwordHash = await auth.hash(body.password);
          const created = await repository.insertUser(body.username, passwordHash).catch(conflictOn23505<never>('Username is taken'));
          return { status: 201, body: created };
        });
        send(res, outcome);
      },
    ],
  });

  route('/auth/login', {
    post: [
      async (req, res) => {
        await readBody(req, res);
        const { body } = parseRequest(req, { body: loginBody });
        res.json(await auth.login(body.username, body.password));
      },
    ],
  });

  route('/auth/me', {
    get: [
      user,
      (_req, res) => {
        const { id, username, role } = caller(res);
        res.json({ id, username, role });
      },
    ],
  });

  const creators: RequestHandler[] = config.snackCreators === 'admin' ? [admin] : [user];
  route('/snacks', {
    get: [
      async (req, res) => {
        const { query } = parseRequest(req, { query: pageQuery });
        const limit = query.limit ?? DEFAULT_PAGE;
        const rows = await repository.listSnacks(query.cursor ?? 0, limit + 1);
        const snacks = rows.slice(0, limit);
        if (rows.length > limit) res.setHeader('Link', nextLink(req, '/snacks', limit, snacks));
        res.json({ snacks });
      },
    ],
    post: [
      ...creators,
      async (req, res) => {
        await readBody(req, res);
        const { body } = parseRequest(req, { body: nameBody });
        const me = caller(res);
        const outcome = await idempotency.run(req, `user:${me.id}`, body, async () => {
          const snack = await repository.insertSnack(body.name, me.id).catch(conflictOn23505<never>('A snack with this name exists'));
          return { status: 201, body: { snack } };
        });
        send(res, outcome);
      },
    ],
  });

  route('/snacks/:id', {
    get: [
      async (req, res) => {
        const snack = await repository.findSnack(pathId(req.params.id, 'Snack'));
        if (!snack) throw notFound('Snack not found');
        res.json({ snack });
      },
    ],
  });

  route('/drawers', {
    get: [
      user,
      async (req, res) => {
        const { query } = parseRequest(req, { query: pageQuery });
        const limit = query.limit ?? DEFAULT_PAGE;
        const rows = await repository.listDrawers(caller(res).id, query.cursor ?? 0, limit + 1);
        const drawers = rows.slice(0, limit);
        if (rows.length > limit) res.setHeader('Link', nextLink(req, '/drawers', limit, drawers));
        res.json({ drawers });
      },
    ],
    post: [
      user,
      async (req, res) => {
        await readBody(req, res);
        const { body } = parseRequest(req, { body: nameBody });
        const me = caller(res);
        const outcome = await idempotency.run(req, `user:${me.id}`, body, async () => {
          const drawer = await repository.insertDrawer(me.id, body.name).catch(conflictOn23505<never>('You already have a drawer with this name'));
          return { status: 201, body: { drawer: { ...drawer, contents: [] } } };
        });
        send(res, outcome);
      },
    ],
  });

  const addSnack: RequestHandler[] = [
    user,
    async (req, res) => {
      const drawerId = pathId(req.params.id, 'Drawer');
      await readBody(req, res);
      const { body } = parseRequest(req, { body: addSnackBody });
      const me = caller(res);
      const outcome = await idempotency.run(req, `user:${me.id}`, body, async () => {
        const added = await repository.addToDrawer(drawerId, me.id, body.snack, body.quantity ?? 1).catch(addSnackError);
        if (!added) return drawerMiss(drawerId);
        const drawer = await fullDrawer(drawerId, me.id);
        return { status: added === 'inserted' ? 201 : 200, body: { message: 'snack added to drawer', drawer } };
      });
      send(res, outcome);
    },
  ];

  route('/drawers/:id', {
    get: [
      user,
      async (req, res) => {
        res.json({ drawer: await fullDrawer(pathId(req.params.id, 'Drawer'), caller(res).id) });
      },
    ],
    patch: [
      user,
      async (req, res) => {
        const drawerId = pathId(req.params.id, 'Drawer');
        await readBody(req, res);
        const { body } = parseRequest(req, { body: nameBody });
        const me = caller(res);
        const renamed = await repository
          .renameDrawer(drawerId, me.id, body.name)
          .catch(conflictOn23505<never>('You already have a drawer with this name'));
        if (!renamed) await drawerMiss(drawerId);
        res.json({ drawer: await fullDrawer(drawerId, me.id) });
      },
    ],
    delete: [
      user,
      async (req, res) => {
        const drawerId = pathId(req.params.id, 'Drawer');
        if (!(await repository.deleteDrawer(drawerId, caller(res).id))) await drawerMiss(drawerId);
        res.status(204).end();
      },
    ],
    post: addSnack,
  });

  route('/drawers/:id/snacks', { post: addSnack });

  route('/drawers/:id/snacks/:snackId', {
    patch: [
      user,
      async (req, res) => {
        const drawerId = pathId(req.params.id, 'Drawer');
        const snackId = pathId(req.params.snackId, 'Snack');
        await readBody(req, res);
        const { body } = parseRequest(req, { body: quantityBody });
        const me = caller(res);
        if (!(await repository.setQuantity(drawerId, me.id, snackId, body.quantity))) await contentMiss(drawerId, me.id);
        res.json({ drawer: await fullDrawer(drawerId, me.id) });
      },
    ],
    delete: [
      user,
      async (req, res) => {
        const drawerId = pathId(req.params.id, 'Drawer');
        const snackId = pathId(req.params.snackId, 'Snack');
        const me = caller(res);
        if (!(await repository.removeFromDrawer(drawerId, me.id, snackId))) await contentMiss(drawerId, me.id);
        res.status(204).end();
      },
    ],
  });

  /** After a miss on a drawer's content: the drawer is not the caller's (404 as absent), or the snack is not in it. */
  async function contentMiss(drawerId: number, userId: number): Promise<never> {
    await ownedDrawer(drawerId, userId);
    throw notFound('Snack not in this drawer');
  }

  if (config.faultApi) {
    route(
      '/admin/faults',
      {
        get: [faultAdmin, (_req, res) => void res.json(faults.config())],
        put: [
          faultAdmin,
          async (req, res) => {
            await readBody(req, res);
            const { body } = parseRequest(req, { body: faultConfigSchema });
            res.json(await faults.replace(body));
          },
        ],
        delete: [
          faultAdmin,
          async (_req, res) => {
            await faults.replace(NO_FAULTS);
            res.status(204).end();
          },
        ],
      },
      { faults: false },
    );
  }

  // Spec: a path id of any shape that names no record is 404, never 500.
  router.use(requestErrors({ undecodablePath: 'not_found' }));
  return router;
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
