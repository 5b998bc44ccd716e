import { HttpError, type Redis } from '@platform/platform';
import { trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { FaultKind, SnackdrawerMetrics } from './metrics';

/** The §5 routes a fault rule may name (everything but the fault API itself). */
export const FAULTABLE_ROUTES = [
  '/auth/users',
  '/auth/login',
  '/auth/me',
  '/snacks',
  '/snacks/:id',
  '/drawers',
  '/drawers/:id',
  '/drawers/:id/snacks',
  '/drawers/:id/snacks/:snackId',
] as const;

/** One bound for boot-time (LAZY_*_SLOW_MS) and runtime delays, so every boot value can be shared. */
export const MAX_LATENCY_MS = 60_000;

const layer = z.strictObject({
  latency_ms: z.number().int().min(0).max(MAX_LATENCY_MS).default(0),
  error_rate: z.number().min(0).max(1).default(0),
});

const rule = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', '*']).default('*'),
  route: z.enum([...FAULTABLE_ROUTES, '*']),
  latency_ms: z.number().int().min(0).max(MAX_LATENCY_MS).default(0),
  error_rate: z.number().min(0).max(1).default(0),
});

export const faultConfigSchema = z.strictObject({
  web: layer.default({ latency_ms: 0, error_rate: 0 }),
  db: layer.default({ latency_ms: 0, error_rate: 0 }),
  routes: z.array(rule).max(100).default([]),
});

export type FaultConfig = z.output<typeof faultConfigSchema>;
type FaultLayer = FaultConfig['web'];

export const NO_FAULTS: FaultConfig = { web: { latency_ms: 0, error_rate: 0 }, db: { latency_ms: 0, error_rate: 0 }, routes: [] };
const REFRESH_MS = 500;

/**
 * Runtime fault injection (the seed's "lazy mode"). The configuration lives in Redis so every gateway
 * process applies it: the answering one at once, the others at their next refresh (≤ 1 s).
 */
export class FaultInjector {
  private current: FaultConfig;
  private stored: string | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly metrics: SnackdrawerMetrics,
    private readonly logger: Logger,
    private readonly boot: Pick<FaultConfig, 'web' | 'db'>,
  ) {
    this.current = { ...boot, routes: [] };
  }

  config(): FaultConfig {
    return this.current;
  }

  /** Boot-time LAZY_* values become the shared configuration; otherwise adopt what Redis holds. */
  async start(): Promise<void> {
    const { web, db } = this.boot;
    if (web.latency_ms || web.error_rate || db.latency_ms || db.error_rate) await this.replace({ ...this.boot, routes: [] });
    else await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async replace(config: FaultConfig): Promise<FaultConfig> {
    const text = JSON.stringify(config);
    await this.redis.set(this.key, text);
    this.apply(text);
    return this.current;
  }

  private async refresh(): Promise<void> {
    try {
      const text = await this.redis.get(this.key);
      if (text !== null && text !== this.stored) this.apply(text);
    } catch (error) {
      this.logger.debug({ err: error }, 'snackdrawer: fault configuration refresh failed');
    }
  }

  private apply(text: string): void {
    const parsed = faultConfigSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return;
    this.stored = text;
    this.current = parsed.data;
  }

  /** Route-level middleware: the first matching rule, or else the web layer. */
  web(route: string): RequestHandler {
    return (req, _res, next) => {
      const config = this.current;
      const matched = config.routes.find((r) => (r.method === '*' || r.method === req.method) && (r.route === '*' || r.route === route));
      const chosen = matched ?? config.web;
      if (!chosen.latency_ms && !chosen.error_rate) return next();
      this.inject(chosen, 'web').then(() => next(), next);
    };
  }

  /**
   * Applied inside every repository call (within its timing) of the module's request repository; boot work
   * and the fault API use a repository without it.
   */
  async db(): Promise<void> {
    const { db } = this.current;
    if (db.latency_ms || db.error_rate) await this.inject(db, 'db');
  }

  private async inject(faults: FaultLayer, layerName: 'web' | 'db'): Promise<void> {
    if (faults.latency_ms > 0) {
      this.record(layerName, 'latency');
      await new Promise((resolve) => setTimeout(resolve, faults.latency_ms * (0.9 + Math.random() * 0.2)));
    }
    if (faults.error_rate > 0 && Math.random() < faults.error_rate) {
      this.record(layerName, 'error');
      throw new HttpError(503, 'fault_injected', `Injected ${layerName} fault`, { layer: layerName }, { 'Retry-After': '1' });
    }
  }

  private record(layerName: 'web' | 'db', what: 'latency' | 'error'): void {
    const kind = `${layerName}_${what}` as FaultKind;
    this.metrics.faultInjected(kind);
    trace.getActiveSpan()?.addEvent('fault.injected', { layer: layerName, kind });
  }
}
