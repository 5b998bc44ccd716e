import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface Child {
  pid: number;
  name: string;
  logFile: string;
  /** Resolves when `url` answers 200; rejects when the process exits first or the deadline passes. */
  waitForHttp(url: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `<node> <args>` with stdout and stderr going to `logFile` (a pipe nobody reads would stall it). */
export function spawnNode(name: string, node: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, logFile: string): Child {
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(node, args, { cwd, env, stdio: ['ignore', log, log] });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : 0);
      resolve();
    });
  });
  const logTail = () => readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');

  return {
    pid: child.pid,
    name,
    logFile,
    async waitForHttp(url, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exitCode !== undefined) throw new Error(`${name} exited with code ${exitCode} before answering ${url}:\n${logTail()}`);
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
          await response.arrayBuffer();
          if (response.ok) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`${name} did not answer ${url} within ${timeoutMs} ms:\n${logTail()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop(graceMs = 20_000) {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
