import type { Migration } from '@platform/platform';
import { init } from './0001_init';

export const eyeMigrations: Record<string, Migration> = { '0001_init': init };
