import { randomBytes } from 'node:crypto';

/**
 * Variables without which a module refuses to start under NODE_ENV=production, with throwaway values for the run.
 * A variable set in the harness's own environment wins over these, and a scenario's `gatewayEnv` over both.
 */
export function productionDefaults(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const defaults: Record<string, string> = {
    SNACKDRAWER_JWT_SECRET: randomBytes(32).toString('hex'),
  };
  return Object.fromEntries(Object.entries(defaults).filter(([name]) => !env[name]));
}
