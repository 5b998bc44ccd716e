import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./gateway-entry.ts', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 180_000;

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
}

/** Resolves with the first match of `pattern` on the child's stdout. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not happen in ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      resolve(match);
    };
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`${what}: the process exited first (${code ?? signal})`));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

function spawnEntry(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'error', PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdout!.resume();
  return child;
}

/** A process that has loaded and migrated but waits for `activate` before starting its workers. */
export interface Standby {
  child: ChildProcess;
  loaded: Promise<void>;
  isLoaded(): boolean;
  activate(): Promise<GatewayProcess>;
}

export function spawnStandby(env: Record<string, string>): Standby {
  const child = spawnEntry({ ...env, CHAOS_STANDBY: '1' });
  const loaded = waitForLine(child, /STANDBY/, `standby (${env.ROLE}) load`).then(() => undefined);
  let isLoaded = false;
  loaded.then(
    () => (isLoaded = true),
    () => undefined,
  );
  return {
    child,
    loaded,
    isLoaded: () => isLoaded,
    async activate() {
      await loaded;
      const ready = waitForLine(child, /READY (\d+)/, `standby (${env.ROLE}) activation`);
      child.stdin!.write('go\n');
      return { child, port: Number((await ready)[1]) };
    },
  };
}

export function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export async function stopGracefully(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
