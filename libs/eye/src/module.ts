import { redisKey, type DomainModule, type ModuleFactory } from '@platform/platform';
import { loadEyeConfig } from './config';
import { createDedupClaims } from './dedup';
import { createIngest } from './ingest';
import { ingestOperations, recordedErrorHandler } from './ingest-routes';
import { persistWorker } from './jobs';
import { createEyeMetrics } from './metrics';
import { eyeMigrations } from './migrations';
import { createPersistPipeline } from './pipeline';
import { queryOperations } from './query-routes';
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


  return {
    name: 'eye',
    description: 'Event ingestion (own API and Segment), deduplication, schema registry, queries and replay of rejected input',
    operations: [...queryOperations({ config, repository, registry, ingest, pipeline, claims }), ...ingestOperations(config, ingest)],
    securitySchemes: {
      eyeWriteKeyBasic: { type: 'http', scheme: 'basic', description: "An application's write key as the Basic user name (empty password), as Segment libraries send it" },
      eyeWriteKeyBearer: { type: 'http', scheme: 'bearer', description: "An application's write key as `Authorization: Bearer <key>`" },
    },
    // Recorded rejections carry their `error_id`.
    fallback: [recordedErrorHandler],
    migrations: eyeMigrations,
    workers: [persistWorker(repository, metrics, config.workerConcurrency)],
    close: () => pipeline.drain(),
  };
};
