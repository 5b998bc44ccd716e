import type { DomainModule, ModuleFactory } from '@platform/platform';
import { Router } from 'express';

export const createEyeModule: ModuleFactory = (): DomainModule => ({
  name: 'eye',
  router: Router(),
  migrations: {},
});
