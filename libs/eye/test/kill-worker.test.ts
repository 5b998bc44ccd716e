import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { testContext, waitFor, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageview, post, startEye, WRITE_KEYS } from './helpers';

const ENTRY = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const BATCHES = 60;
const BATCH_SIZE = 100;
/** Kills until one lands while the dead process holds a job. */
const MAX_KILLS = 5;

describe('SIGKILL of the ROLE=worker process in the middle of a flood', () => {
  let app: TestApp;
  let db: pg.Client;
  const children: ChildProcess[] = [];

  const startWorkerProcess = async (): Promise<ChildProcess> => {
    const context = testContext();
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, DATABASE_URL: context.databaseUrl, REDIS_URL: context.redisUrl, REDIS_PREFIX: app.redisPrefix, ROLE: 'worker', LOG_LEVEL: 'silent', EYE_WRITE_KEYS: WRITE_KEYS, EYE_WORKER_CONCURRENCY: '2' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    });
    return child;
  };

  beforeAll(async () => {
    // This process serves the API only (ROLE=api); persisting happens in the child.
    app = await startEye({ EYE_COMMIT_WINDOW_MS: '5' }, { workers: false });
    db = new pg.Client({ connectionString: testContext().databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await db.end();
    await app.close();
  });

  it('stores exactly the accepted events: none lost, none doubled', { timeout: 90_000 }, async () => {
    const run = `kill-${Date.now()}`;
    const stored = async () => {
      const { rows } = await db.query<{ total: number; distinct_ids: number }>(
        'SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct_ids FROM eye.events WHERE session_id = $1',
        [run],
      );
      return rows[0]!;
    };
    let worker = await startWorkerProcess();
    const accepted: string[] = [];
    let sent = 0;
    let killed = false;
    const flood = async () => {
      while (sent < BATCHES) {
        const batch = sent++;
        const ids = Array.from({ length: BATCH_SIZE }, (_, i) => `${batch}-${i}`);
        const events = ids.map((id, i) => pageview(run, { event_id: id, data: { host: 'h', path: `/${i}` } }));
        const answer = await post(app, '/eye/events/batch', { events });
        if (answer.status === 202) {
          expect(answer.body.rejected).toEqual([]);
          accepted.push(...ids);
        }
      }
    };
    const sender = Promise.all(Array.from({ length: 4 }, flood));

    // Kill once some events are stored, i.e. while the worker is busy with the flood.
    const queue = app.platform.deps.queues.queue('eye.persist');
    await waitFor(async () => (await stored()).total >= 300, { timeoutMs: 30_000, what: 'the first events to be stored' });
    // The dead process's jobs stay active until their lock lapses and they are redelivered. A job can finish between
    // the check and the signal, so a kill that orphaned nothing is repeated on the fresh worker.
    let orphaned = 0;
    let atKill = 0;
    for (let kills = 0; orphaned === 0 && kills < MAX_KILLS; kills++) {
      await waitFor(async () => (await queue.getActiveCount()) > 0, { timeoutMs: 30_000, intervalMs: 5, what: 'a job in progress' });
      worker.kill('SIGKILL');
      killed = true;
      await new Promise((resolve) => worker.once('exit', resolve));
      orphaned = await queue.getActiveCount();
      atKill = (await stored()).total;
      worker = await startWorkerProcess();
    }
    await sender;

    expect(killed).toBe(true);
    expect(orphaned).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(atKill);
    await waitFor(async () => (await stored()).total >= accepted.length, { timeoutMs: 45_000, intervalMs: 200, what: `${accepted.length} stored events` });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const final = await stored();
    expect(final).toEqual({ total: accepted.length, distinct_ids: accepted.length });
    const { rows } = await db.query<{ event_id: string }>('SELECT event_id FROM eye.events WHERE session_id = $1', [run]);
    expect(new Set(rows.map((row) => row.event_id))).toEqual(new Set(accepted));
    // A job whose rows the killed process committed just before dying stays active until its lock lapses; its
    // redelivery then inserts nothing new, and the queue must end empty with nothing failed.
    await waitFor(async () => (await queue.getJobCountByTypes('active', 'waiting', 'delayed')) === 0, { timeoutMs: 20_000, intervalMs: 200, what: 'the queue to drain' });
    expect(await queue.getJobCountByTypes('failed')).toBe(0);
    expect(await stored()).toEqual(final);
    worker.kill('SIGTERM');
  });
});
