import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleFactories } from '../src/modules';

const ROOT = join(import.meta.dirname, '../../..');
const PLATFORM_ENDPOINTS = ['/', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'];

type Problem = { ruleId: string; severity: 'error' | 'warn'; message: string; location: { pointer: string }[] };

describe('the served OpenAPI document under Redocly', () => {
  let app: TestApp;
  let dir: string;
  beforeAll(async () => {
    // The server URL comes from PUBLIC_URL; the default (localhost) is what Redocly rightly warns about.
    app = await startTestApp({ modules: moduleFactories, workers: false, env: { PUBLIC_URL: 'https://platform.internal.test' } });
    dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app.close();
  });

  it('passes the recommended rules with 0 errors and only the warnings redocly.yaml justifies', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, await (await app.request('/openapi.json')).text());
    let output: string;
    try {
      output = execFileSync(join(ROOT, 'node_modules/.bin/redocly'), ['lint', '--config', join(ROOT, 'redocly.yaml'), '--format', 'json', file], {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString();
    } catch (error) {
      // redocly exits 1 when it finds errors; the report is still on stdout.
      output = String((error as { stdout?: Buffer }).stdout);
    }
    const report = JSON.parse(output) as { totals: { errors: number; warnings: number }; problems: Problem[] };
    const show = (p: Problem) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`;
    expect(report.problems.filter((p) => p.severity === 'error').map(show)).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`).sort()).toEqual(
      PLATFORM_ENDPOINTS.map((path) => `operation-4xx-response #/paths/${path.replaceAll('/', '~1')}/get/responses`).sort(),
    );
  });
});
