import { inject } from 'vitest';

export interface PlatformTestContext {
  /** The run's own database, created by the global setup and dropped after the run. */
  databaseUrl: string;
  /** The run's own Redis key prefix; every key under it is deleted after the run. */
  redisPrefix: string;
  redisUrl: string;
}

declare global {
  // Tests read many JSON bodies; `unknown` there would only add casts.
  interface Response {
    json<T = any>(): Promise<T>;
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    platformTest: PlatformTestContext;
  }
}

export function testContext(): PlatformTestContext {
  return inject('platformTest');
}
