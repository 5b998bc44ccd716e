import type { ScenarioContext } from './scenario';

export interface DrainOptions {
  /** A query returning one row with a numeric `count` column, e.g. `SELECT count(*)::int AS count FROM eye.events`. */
  countSql: string;
  params?: unknown[];
  /** The scenario has drained once the count reaches this. */
  expected: number;
  timeoutMs?: number;
  pollMs?: number;
}

export interface Drained {
  /** From the call until the database held `expected` rows. */
  drainMs: number;
  count: number;
}

/**
 * For asynchronous scenarios (accepted now, persisted later): waits until the database holds every accepted item.
 * Persisted throughput = accepted items / (load seconds + drainMs / 1000).
 */
export async function waitForDrain(context: Pick<ScenarioContext, 'query'>, options: DrainOptions): Promise<Drained> {
  const { timeoutMs = 120_000, pollMs = 100 } = options;
  const started = Date.now();
  for (;;) {
    const [row] = await context.query<{ count: number | string }>(options.countSql, options.params);
    const count = Number(row?.count ?? 0);
    if (count >= options.expected) return { drainMs: Date.now() - started, count };
    if (Date.now() - started > timeoutMs) {
      throw new Error(`not drained after ${timeoutMs} ms: ${count} of ${options.expected} rows persisted`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
