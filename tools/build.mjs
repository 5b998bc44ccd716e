// Bundles the gateway (and the workspace libraries it imports) into dist/gateway/main.js, and its preload into
// dist/gateway/instrument.js (tracing's SDK split into a chunk it imports only when tracing is on).
// npm dependencies stay external and load from node_modules at run time.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const { dependencies } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));

export async function buildGateway() {
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'apps/gateway/src/main.ts', instrument: 'apps/gateway/src/instrument.ts' },
    outdir: 'dist/gateway',
    bundle: true,
    splitting: true,
    chunkNames: '[name]',
    platform: 'node',
    target: 'node24',
    format: 'esm',
    sourcemap: true,
    external: Object.keys(dependencies),
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildGateway();
