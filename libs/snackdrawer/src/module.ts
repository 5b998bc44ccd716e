import type { DomainModule, ModuleFactory } from '@platform/platform';
import { Router } from 'express';

export const createSnackdrawerModule: ModuleFactory = (): DomainModule => ({
  name: 'snackdrawer',
  router: Router(),
  migrations: {},
});
