import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const globalSetup = fileURLToPath(new URL('./libs/platform/src/testing/global-setup.ts', import.meta.url));

/** Every project's vitest config: real Postgres and Redis through the kernel's per-run global setup. */
export function projectTestConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      globalSetup: [globalSetup],
      pool: 'forks',
      testTimeout: 30_000,
      hookTimeout: 60_000,
      passWithNoTests: false,
      ...overrides,
    },
  });
}
