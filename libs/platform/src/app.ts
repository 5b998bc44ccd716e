import express, { type Express, type RequestHandler } from 'express';
import { z } from 'zod';
import { docsPage, serveDocsAssets } from './docs-ui';
import { homePage } from './home-page';
import { errorHandler, hostRequired, notFoundHandler, requestId } from './http';
import { requestErrors } from './request-errors';
import { requestLogger } from './request-log';
import { httpMetricsMiddleware } from './metrics';
import type { DomainModule } from './module';
import { buildOpenApiDocument } from './openapi';
import { operation, PUBLIC, type AnyOperation } from './operation';
import { operationRouter } from './operation-router';
import type { Platform } from './platform';

export interface HttpAppOptions {
  /** Mount the modules' routers (ROLE all|api); a worker process serves only the platform endpoints. */
  serveModules?: boolean;
  version?: string;
}

const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.record(z.string(), z.string()).meta({ examples: [{ postgres: 'ok', redis: 'ok', migrations: 'ok' }] }),
});

/** The gateway's HTTP surface: request id → logs → metrics → platform endpoints → modules → 404 → errors. */
export function createHttpApp(platform: Platform, modules: DomainModule[], options: HttpAppOptions = {}): Express {
  const { logger, metrics } = platform.deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Before the first app.use: the router takes it then. A module's prefix is then matched exactly as its metrics label.
  app.set('case sensitive routing', true);
  app.use(requestId(), securityHeaders(), hostRequired());
  app.use(requestLogger(logger));
  const served = options.serveModules === false ? [] : modules;
  app.use(
    httpMetricsMiddleware(
      metrics,
      served.map((m) => m.name),
      served.filter((m) => m.httpMetrics === false).map((m) => m.name),
    ),
  );

  const platformOperations = platformEndpoints(platform, served, () => openapi);
  const openapi = buildDocument(platform, served, platformOperations, options.version);
  serveDocsAssets(app);
  app.use(operationRouter(platformOperations));

  for (const module of served) {
    const prefix = `/${module.name}`;
    app.use(prefix, operationRouter(module.operations));
    if (module.pages) app.use(prefix, module.pages);
    app.use(prefix, requestErrors());
    if (module.fallback) app.use(prefix, ...module.fallback);
  }
  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  return app;
}

const TITLE = 'Unified service platform';

/** The platform's own endpoints; `document` is read per request because it is built from these very operations. */
function platformEndpoints(platform: Platform, served: DomainModule[], document: () => Record<string, unknown>): AnyOperation[] {
  const { metrics } = platform.deps;
  return [
    operation({
      method: 'get',
      path: '/',
      summary: 'Links to every module, /docs, /openapi.json and /metrics (JSON on Accept: application/json)',
      security: PUBLIC,
      responses: { 200: { description: 'HTML, or the links as JSON', mediaType: 'text/html', schema: z.string() } },
      handler: homePage(TITLE, served.map((m) => m.name)),
    }),
    operation({
      method: 'get',
      path: '/healthz',
      summary: 'The process is up',
      security: PUBLIC,
      responses: { 200: z.object({ status: z.literal('ok') }) },
      handler: (_input, _req, res) => void res.json({ status: 'ok' }),
    }),
    operation({
      method: 'get',
      path: '/readyz',
      summary: 'Postgres and Redis answer and migrations are done',
      security: PUBLIC,
      responses: { 200: readiness, 503: { description: 'Not ready', schema: readiness, headers: { 'Retry-After': 'Seconds to wait' } } },
      handler: async (_input, _req, res) => {
        const { ok, checks } = await platform.readiness();
        if (!ok) res.setHeader('Retry-After', '1');
        res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'unavailable', checks });
      },
    }),
    operation({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics of this process',
      security: PUBLIC,
      responses: { 200: { description: 'Prometheus text exposition', mediaType: 'text/plain', schema: z.string() } },
      handler: async (_input, _req, res) => {
        res.setHeader('Content-Type', metrics.registry.contentType);
        res.send(await metrics.registry.metrics());
      },
    }),
    operation({
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      security: PUBLIC,
      responses: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } },
      handler: (_input, _req, res) => void res.json(document()),
    }),
    operation({
      method: 'get',
      path: '/docs',
      summary: 'Interactive API reference (Swagger UI)',
      security: PUBLIC,
      responses: { 200: { description: 'HTML', mediaType: 'text/html', schema: z.string() } },
      handler: docsPage(),
    }),
  ];
}

function buildDocument(platform: Platform, served: DomainModule[], platformOperations: AnyOperation[], version = '0.1.0'): Record<string, unknown> {
  return buildOpenApiDocument(
    {
      title: TITLE,
      version,
      description: 'One gateway serving the santa, eye, eventpost, snackdrawer and messy modules over a shared kernel.',
    },
    platform.deps.config.PUBLIC_URL,
    [
      { prefix: '', tag: { name: 'platform', description: 'Health, readiness, metrics and this reference' }, operations: platformOperations },
      ...served.map((m) => ({
        prefix: `/${m.name}`,
        tag: { name: m.name, description: m.description },
        operations: m.operations,
        securitySchemes: m.securitySchemes,
      })),
    ],
  );
}

/** The gateway's OpenAPI document as `/openapi.json` serves it (the typed client is generated from it). */
export function openApiDocument(platform: Platform, modules: DomainModule[], version?: string): Record<string, unknown> {
  const document = buildDocument(platform, modules, platformEndpoints(platform, modules, () => document), version);
  return document;
}

function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  };
}
