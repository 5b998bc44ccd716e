import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnNode, type Child } from './child-process';
import type { CleanupStack } from './cleanup';
import type { NodeRuntime } from './node-runtime';
import { freeConsecutivePorts } from './ports';

export interface GatewayOptions {
  /** The checkout whose `dist/gateway/main.js` runs (its own node_modules resolve the external packages). */
  root: string;
  /** The Node binary the processes run on. */
  node: string;
  /** 1: one ROLE=all process. N > 1: N ROLE=api processes on consecutive ports plus one ROLE=worker. */
  processes: number;
  env: Record<string, string>;
  logDir: string;
  /** The processes' stop is registered here as soon as they are spawned (Ctrl-C while waiting for /readyz). */
  cleanup: CleanupStack;
  /** Where V8 writes a CPU profile per process on exit (`--cpu-prof`), if wanted. */
  cpuProfile?: { dir: string; name: string };
}

export interface Gateway {
  /** The API processes. */
  baseUrls: string[];
  /** Every process (API and worker), for memory sampling. */
  pids: number[];
  stop(): Promise<void>;
}

export function buildGateway(root: string): void {
  const build = spawnSync(process.execPath, ['tools/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('node tools/build.mjs failed: the gateway does not build');
}

export async function startGateways(options: GatewayOptions): Promise<Gateway> {
  const { processes } = options;
  const roles = processes === 1 ? ['all'] : [...Array.from({ length: processes }, () => 'api'), 'worker'];
  const firstPort = await freeConsecutivePorts(roles.length);
  // A checkout from before the tracing preload (measured with --checkout) has no instrument.js to import.
  const preload = existsSync(join(options.root, 'dist/gateway/instrument.js')) ? ['--import', './dist/gateway/instrument.js'] : [];
  const children: Child[] = [];
  const stop = options.cleanup.push('gateway processes', async () => {
    await Promise.all(children.map((child) => child.stop()));
  });
  try {
    roles.forEach((role, index) => {
      const name = `gateway-${role}${roles.length > 1 ? index : ''}`;
      const profile = options.cpuProfile
        ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfile.dir}`, `--cpu-prof-name=${options.cpuProfile.name}-${name}.cpuprofile`]
        : [];
      const env = { ...process.env, ...options.env, PORT: String(firstPort + index), HOST: '127.0.0.1', ROLE: role };
      children.push(spawnNode(name, options.node, [...profile, '--enable-source-maps', ...preload, 'dist/gateway/main.js'], env, options.root, join(options.logDir, `${name}.log`)));
    });
    await Promise.all(children.map((child, index) => child.waitForHttp(`http://127.0.0.1:${firstPort + index}/readyz`)));
  } catch (error) {
    await stop();
    throw error;
  }
  const apiCount = processes === 1 ? 1 : processes;
  return {
    baseUrls: Array.from({ length: apiCount }, (_, index) => `http://127.0.0.1:${firstPort + index}`),
    pids: children.map((child) => child.pid),
    stop,
  };
}

/** One bare node:http server per API process, on the gateway's Node binary, so that the ratio compares like with like. */
export async function startBaselineServers(
  root: string,
  node: NodeRuntime,
  processes: number,
  logDir: string,
  cleanup: CleanupStack,
): Promise<{ baseUrls: string[]; pids: number[]; stop(): Promise<void> }> {
  const firstPort = await freeConsecutivePorts(processes);
  const children = Array.from({ length: processes }, (_, index) =>
    spawnNode(
      `baseline-${node.version}-${index}`,
      node.path,
      ['--import', 'tsx', 'tools/bench/baseline-server.ts'],
      { ...process.env, PORT: String(firstPort + index), NODE_ENV: 'production' },
      root,
      join(logDir, `baseline-${node.version}-${index}.log`),
    ),
  );
  const stop = cleanup.push('baseline servers', async () => {
    await Promise.all(children.map((child) => child.stop()));
  });
  const baseUrls = children.map((_, index) => `http://127.0.0.1:${firstPort + index}`);
  try {
    await Promise.all(children.map((child, index) => child.waitForHttp(baseUrls[index] as string)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrls, pids: children.map((child) => child.pid), stop };
}
