import { redisKey, type DomainModule, type ModuleFactory } from '@platform/platform';
import { createAuthenticator } from './auth';
import { loadSnackdrawerConfig } from './config';
import { FaultInjector } from './faults';
import { IdempotencyStore } from './idempotency';
import { createSnackdrawerMetrics } from './metrics';
import { migrations } from './migrations';
import { snackdrawerOpenApi } from './openapi';
import { createRepository } from './repository';
import { createRoutes } from './routes';
import { LoginThrottle } from './throttle';

export const createSnackdrawerModule: ModuleFactory = (deps): DomainModule => {
  const config = loadSnackdrawerConfig(deps.config.env, deps.logger);
  const metrics = createSnackdrawerMetrics(deps.metrics, config.metrics);
  const faults = new FaultInjector(deps.redis, redisKey(deps.config, 'snackdrawer', 'faults'), metrics, deps.logger, config.bootFaults);
  const repository = createRepository(deps.db, (operation, run) =>
    metrics.timeDb(operation, async () => {
      await faults.db();
      return run();
    }),
  );
  // Boot work and the fault API (its auth lookup included) are never faulted.
  const exemptRepository = createRepository(deps.db, (operation, run) => metrics.timeDb(operation, run));
  const auth = createAuthenticator({ config, repository, exemptRepository, throttle: new LoginThrottle(deps.redis, deps.config), metrics });
  const router = createRoutes({ config, repository, auth, faults, idempotency: new IdempotencyStore(deps.redis, deps.config) });

  return {
    name: 'snackdrawer',
    router,
    migrations,
    openapi: snackdrawerOpenApi(config.faultApi),
    securitySchemes: { snackdrawerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    httpMetrics: config.metrics,
    async start() {
      if (config.bootstrapAdmin) {
        const { username, password } = config.bootstrapAdmin;
        await exemptRepository.upsertAdmin(username, await auth.hash(password));
        deps.logger.info({ username }, 'snackdrawer: bootstrap admin ensured');
      }
      await auth.prepare();
      await faults.start();
    },
    async close() {
      faults.stop();
    },
  };
};
