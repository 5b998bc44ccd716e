import type { RequestHandler } from 'express';
import client, { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { onResponseDone } from './response-done';
import { SeriesHistogram } from './series-histogram';

export { Counter, Gauge, Histogram, Registry };

export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const DB_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
// promtool's lint rejects these default gauges (a `_total` suffix on a gauge).
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
export const UNMATCHED_ROUTE = '__unmatched__';

export interface Metrics {
  registry: Registry;
  httpDuration: SeriesHistogram<'module' | 'method' | 'route' | 'status_code'>;
  /** Requests in flight per module, read into `http_server_active_requests` at scrape time (no per-request label hashing). */
  httpActive: Map<string, number>;
  dbDuration: SeriesHistogram<'module' | 'operation'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  client.collectDefaultMetrics({ register: registry });
  for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  const httpActive = new Map<string, number>();
  new Gauge({
    name: 'http_server_active_requests',
    help: 'HTTP requests being served, by module',
    labelNames: ['module'],
    registers: [registry],
    collect() {
      for (const [module, count] of httpActive) this.set({ module }, count);
    },
  });
  return {
    registry,
    httpDuration: new SeriesHistogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests by module, method, route template and status code',
      labelNames: ['module', 'method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers: [registry],
    }),
    httpActive,
    dbDuration: new SeriesHistogram({
      name: 'db_client_operation_duration_seconds',
      help: 'Duration of repository operations by module and operation',
      labelNames: ['module', 'operation'],
      buckets: DB_DURATION_BUCKETS,
      registers: [registry],
    }),
  };
}

/**
 * Records every request under a module prefix with the route *template* (`req.route.path`, relative to
 * the module's mount point) so label cardinality stays bounded; unmatched paths share `__unmatched__`.
 * Requests outside any module count as module `gateway`. Modules in `silenced` are not recorded.
 */
export function httpMetricsMiddleware(metrics: Metrics, moduleNames: string[], silenced: string[] = []): RequestHandler {
  const modules = new Set(moduleNames);
  const quiet = new Set(silenced);
  return (req, res, next) => {
    const segment = req.path.split('/', 2)[1] ?? '';
    const module = modules.has(segment) ? segment : 'gateway';
    if (quiet.has(module)) return next();
    const started = performance.now();
    metrics.httpActive.set(module, (metrics.httpActive.get(module) ?? 0) + 1);
    onResponseDone(res, () => {
      metrics.httpActive.set(module, metrics.httpActive.get(module)! - 1);
      const method = KNOWN_METHODS.has(req.method) ? req.method : '_OTHER';
      metrics.httpDuration
        .series([module, method, routeTemplate(req.route?.path), String(res.statusCode)])
        .observe((performance.now() - started) / 1_000);
    });
    next();
  };
}

function routeTemplate(path: unknown): string {
  return typeof path === 'string' ? path : UNMATCHED_ROUTE;
}

/** Times one repository call as `db_client_operation_duration_seconds{module,operation}`, failed calls included. */
export function timeDbOperation<T>(metrics: Metrics, module: string, operation: string, run: () => Promise<T>): Promise<T> {
  return metrics.dbDuration.series([module, operation]).time(run);
}

/** Exposes the pg pool's size, idle connections and waiting clients, read at scrape time. */
export function registerPoolMetrics(
  metrics: Metrics,
  pool: { totalCount: number; idleCount: number; waitingCount: number; options: { max?: number } },
): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      collect() {
        this.set(read());
      },
    });
  gauge('pg_pool_connections', 'Connections open in the Postgres pool', () => pool.totalCount);
  gauge('pg_pool_idle_connections', 'Idle connections in the Postgres pool', () => pool.idleCount);
  gauge('pg_pool_max_connections', 'Configured size limit of the Postgres pool', () => pool.options.max ?? 10);
  gauge('pg_pool_waiting_clients', 'Callers waiting for a Postgres pool connection', () => pool.waitingCount);
}
