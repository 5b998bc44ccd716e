import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** A Node binary the gateway and its baseline run on. */
export interface NodeRuntime {
  path: string;
  /** `process.version` of that binary, which is what the gateway processes report. */
  version: string;
}

export function nodeRuntime(path: string): NodeRuntime {
  const absolute = resolve(path);
  const probe = spawnSync(absolute, ['-p', 'process.version'], { encoding: 'utf8' });
  const version = probe.stdout?.trim() ?? '';
  if (probe.status !== 0 || !/^v\d+\./.test(version)) throw new Error(`--node ${path} is not a Node binary: ${probe.error?.message ?? (probe.stderr || version)}`);
  return { path: absolute, version };
}
