import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEyeModule } from '@platform/eye';
import { createMessyModule } from '@platform/messy';
import { ensureDatabaseExists } from '@platform/platform';
import { embeddedPostgres } from '@platform/platform/embedded-postgres';
import { startTestApp, waitFor, type TestApp } from '@platform/platform/testing';
import { afterAll, describe, it } from 'vitest';
import { waitUntilPersisted } from './support/persisted';
import { FLOOD_MODULE_ENV, startWriteFlood } from './support/write-flood';

const port = 28_000 + Math.floor(Math.random() * 2_000);
const dir = mkdtempSync(join(tmpdir(), 'postgres-fault-'));
chmodSync(dir, 0o777); // the server runs as user postgres

describe('Postgres restarts under write load', () => {
  const postgres = embeddedPostgres({ dataDir: join(dir, 'data'), port, password: 'postgres' });
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/platform`;
  let app: TestApp | undefined;
  afterAll(async () => {
    await app?.close();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('/readyz goes 503 and back, writes keep being accepted into Redis, and every 2xx write is persisted', async () => {
    await postgres.start();
    await ensureDatabaseExists(url);
    app = await startTestApp({ modules: [createEyeModule, createMessyModule], env: { ...FLOOD_MODULE_ENV, DATABASE_URL: url } });
    const flood = startWriteFlood(() => app!.baseUrl);
    await waitFor(() => flood.result.accepted.eye.length > 50, { timeoutMs: 30_000, what: 'writes before the fault' });

    await postgres.stop();
    await waitFor(async () => (await app!.request('/readyz')).status === 503, { what: '/readyz 503' });
    const acceptedDuringOutage = flood.result.accepted.eye.length + flood.result.accepted.messy.length;
    await waitFor(() => flood.result.accepted.eye.length + flood.result.accepted.messy.length > acceptedDuringOutage, {
      timeoutMs: 20_000,
      what: 'writes accepted while Postgres is down',
    });

    await postgres.start();
    await waitFor(async () => (await app!.request('/readyz')).status === 200, { timeoutMs: 30_000, what: '/readyz 200 again' });
    const { accepted } = await flood.stop();
    const db = app.platform.deps.db;
    await waitUntilPersisted(db, accepted, 90_000);
  }, 240_000);
});
