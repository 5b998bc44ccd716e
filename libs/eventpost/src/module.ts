import type { DomainModule, ModuleFactory } from '@platform/platform';
import { Router } from 'express';

export const createEventpostModule: ModuleFactory = (): DomainModule => ({
  name: 'eventpost',
  router: Router(),
  migrations: {},
});
