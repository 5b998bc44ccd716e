// `npm start`: build the gateway, make sure it has a Postgres (local, DATABASE_URL, or embedded), run it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { embeddedPostgres } from '@platform/platform/embedded-postgres';
import pg from 'pg';
import { buildGateway } from '../build.mjs';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const root = fileURLToPath(new URL('../..', import.meta.url));
// The fallback Postgres: data under .data/postgres (git-ignored; PLATFORM_DATA_DIR moves it), port 54329.
const EMBEDDED_DATA_DIR = process.env.PLATFORM_DATA_DIR ? `${process.env.PLATFORM_DATA_DIR}/postgres` : `${root}.data/postgres`;
const EMBEDDED_PORT = 54329;
const EMBEDDED_URL = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/platform`;

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
  embedded = embeddedPostgres({ dataDir: EMBEDDED_DATA_DIR, port: EMBEDDED_PORT, password: 'postgres' });
  let dataDir;
  try {
    dataDir = await embedded.start();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  env.DATABASE_URL = EMBEDDED_URL;
  console.log(`No Postgres on 127.0.0.1:5432 and no DATABASE_URL: started an embedded Postgres (data in ${dataDir}, ${EMBEDDED_URL.replace(':postgres@', ':***@')})`);
}

const gateway = spawn(process.execPath, ['--enable-source-maps', '--import', './dist/gateway/instrument.js', 'dist/gateway/main.js'], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => gateway.kill(signal));
gateway.on('exit', async (code, signal) => {
  await embedded?.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
// No 'exit' follows a failed spawn: stop the embedded Postgres here too, rather than leave it running.
gateway.on('error', async (error) => {
  console.error(`The gateway could not start: ${error.message}`);
  await embedded?.stop();
  process.exit(1);
});
