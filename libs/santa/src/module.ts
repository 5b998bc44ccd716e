import type { DomainModule, ModuleFactory } from '@platform/platform';
import { Router } from 'express';

export const createSantaModule: ModuleFactory = (): DomainModule => ({
  name: 'santa',
  router: Router(),
  migrations: {},
});
