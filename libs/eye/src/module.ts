import { redisKey, requestErrors, type DomainModule, type ModuleFactory } from '@platform/platform';
import { Router } from 'express';
import { loadEyeConfig } from './config';
import { createDedupClaims } from './dedup';
import { createIngest } from './ingest';
import { mountIngestRoutes, recordedErrorHandler } from './ingest-routes';
import { persistWorker } from './jobs';
import { createEyeMetrics } from './metrics';
import { eyeMigrations } from './migrations';
import { eyeOpenApi } from './openapi';
import { createPersistPipeline } from './pipeline';
import { mountQueryRoutes } from './query-routes';
import { createRepository } from './repository';
import { createTypeRegistry } from './type-registry';

export const createEyeModule: ModuleFactory = (deps): DomainModule => {
  const config = loadEyeConfig(deps.config.env);
  const metrics = createEyeMetrics(deps.metrics);
  const repository = createRepository(deps.db, deps.metrics);
  const registry = createTypeRegistry(repository);
  const claims = createDedupClaims(deps.redis, (application, dedupKey) => redisKey(deps.config, 'eye', 'dedup', application, dedupKey), config.dedupWindowSeconds);
  const pipeline = createPersistPipeline(deps, config, claims);
  const ingest = createIngest(config, registry, claims, pipeline, metrics);

  const router = Router();
  // Queries first: GET /events is a query, every other method on it belongs to ingestion.
  mountQueryRoutes(router, { config, repository, registry, ingest, pipeline, claims });
  mountIngestRoutes(router, config, ingest);
  // Spec: a malformed id is 404.
  router.use(requestErrors({ undecodablePath: 'not_found' }));
  router.use(recordedErrorHandler);

  return {
    name: 'eye',
    router,
    migrations: eyeMigrations,
    workers: [persistWorker(repository, metrics, config.workerConcurrency)],
    openapi: eyeOpenApi,
    close: () => pipeline.drain(),
  };
};
