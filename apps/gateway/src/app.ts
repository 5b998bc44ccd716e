import { createHttpApp, type DomainModule, type HttpAppOptions, type Platform } from '@platform/platform';
import type { Express } from 'express';

/** The gateway's express app for these modules; tests use it without `listen`. */
export function createApp(platform: Platform, modules: DomainModule[], options: HttpAppOptions = {}): Express {
  return createHttpApp(platform, modules, options);
}
