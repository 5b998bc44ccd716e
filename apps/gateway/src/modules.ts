import type { ModuleFactory } from '@platform/platform';
import { createEventpostModule } from '@platform/eventpost';
import { createEyeModule } from '@platform/eye';
import { createMessyModule } from '@platform/messy';
import { createSantaModule } from '@platform/santa';
import { createSnackdrawerModule } from '@platform/snackdrawer';

/** The gateway is this list: a sixth module is one more line here. */
export const moduleFactories: ModuleFactory[] = [
  createSantaModule,
  createEyeModule,
  createEventpostModule,
  createSnackdrawerModule,
  createMessyModule,
];
