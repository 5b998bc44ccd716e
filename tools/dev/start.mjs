// `npm start`: build the gateway, make sure it has a Postgres (local, DATABASE_URL, or embedded), run it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildGateway } from '../build.mjs';
import { EMBEDDED_DATA_DIR, EMBEDDED_URL, startEmbeddedPostgres } from './embedded-postgres.mjs';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const root = fileURLToPath(new URL('../..', import.meta.url));

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

await buildGateway();
const env = { ...process.env };
let embedded;
if (!env.DATABASE_URL && !(await reachable(LOCAL_URL))) {
  embedded = await startEmbeddedPostgres();
  env.DATABASE_URL = EMBEDDED_URL;
  console.log(`No Postgres on 127.0.0.1:5432 and no DATABASE_URL: started an embedded Postgres (data in ${EMBEDDED_DATA_DIR}, ${EMBEDDED_URL.replace(':postgres@', ':***@')})`);
}

const gateway = spawn(process.execPath, ['--enable-source-maps', '--import', './dist/gateway/instrument.js', 'dist/gateway/main.js'], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => gateway.kill(signal));
gateway.on('exit', async (code, signal) => {
  await embedded?.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
