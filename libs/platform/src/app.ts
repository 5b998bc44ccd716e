import express, { type Express, type RequestHandler } from 'express';
import { serveDocs } from './docs-ui';
import { homePage } from './home-page';
import { errorHandler, notFoundHandler, requestId } from './http';
import { requestLogger } from './request-log';
import { httpMetricsMiddleware } from './metrics';
import type { DomainModule } from './module';
import { buildOpenApiDocument, type OpenApiPaths } from './openapi';
import type { Platform } from './platform';

const TITLE = 'Unified service platform';
const PLATFORM_PATHS: OpenApiPaths = {
  '/': {
    get: { summary: 'Links to every module prefix, /docs, /openapi.json and /metrics (JSON on Accept: application/json)', responses: { 200: { description: 'HTML or JSON' } } },
  },
  '/healthz': { get: { summary: 'The process is up', responses: { 200: { description: 'up' } } } },
  '/readyz': {
    get: { summary: 'Postgres and Redis answer and migrations are done', responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } },
  },
  '/metrics': { get: { summary: 'Prometheus metrics of this process', responses: { 200: { description: 'text exposition' } } } },
  '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
  '/docs': { get: { summary: 'Interactive API reference (Swagger UI)', responses: { 200: { description: 'HTML' } } } },
};

/** The gateway's OpenAPI document: the platform endpoints and the served modules' paths under their prefixes. */
export function openApiDocument(modules: DomainModule[], version = '0.1.0'): Record<string, unknown> {
  return buildOpenApiDocument({ title: TITLE, version }, modules, PLATFORM_PATHS);
}

export interface HttpAppOptions {
  /** Mount the modules' routers (ROLE all|api); a worker process serves only the platform endpoints. */
  serveModules?: boolean;
  version?: string;
}

/** The gateway's HTTP surface: request id → logs → metrics → platform endpoints → modules → 404 → errors. */
export function createHttpApp(platform: Platform, modules: DomainModule[], options: HttpAppOptions = {}): Express {
  const { logger, metrics } = platform.deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Before the first app.use: the router takes it then. A module's prefix is then matched exactly as its metrics label.
  app.set('case sensitive routing', true);
  app.use(requestId(), securityHeaders());
  app.use(requestLogger(logger));
  const served = options.serveModules === false ? [] : modules;
  app.use(
    httpMetricsMiddleware(
      metrics,
      served.map((m) => m.name),
      served.filter((m) => m.httpMetrics === false).map((m) => m.name),
    ),
  );

  const openapi = openApiDocument(served, options.version);
  app.get('/', homePage(TITLE, served.map((m) => m.name)));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const { ok, checks } = await platform.readiness();
    if (!ok) res.setHeader('Retry-After', '1');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'unavailable', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  serveDocs(app);

  for (const module of served) app.use(`/${module.name}`, module.router);
  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  return app;
}

function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  };
}
