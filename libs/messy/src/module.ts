import type { DomainModule, ModuleFactory } from '@platform/platform';
import { Router } from 'express';

export const createMessyModule: ModuleFactory = (): DomainModule => ({
  name: 'messy',
  router: Router(),
  migrations: {},
});
