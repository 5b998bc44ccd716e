import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exposedMetricNames, metricNamesIn, startTestApp, waitFor, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { moduleFactories } from '../src/modules';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const observability = join(root, 'tools/observability');
const PROMTOOL = '/usr/bin/promtool';

function dashboardExpressions(): { where: string; expr: string }[] {
  const dir = join(observability, 'dashboards');
  return readdirSync(dir).flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `${file}: ${panel.title}`, expr: target.expr })));
  });
}

function alertExpressions(): { where: string; expr: string }[] {
  const rules = parse(readFileSync(join(observability, 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: `alerts.yml: ${rule.alert}`, expr: rule.expr })));
}

const promtool = (...args: string[]) => execFileSync(PROMTOOL, args, { cwd: observability }).toString();

describe.skipIf(!existsSync(PROMTOOL))('platform dashboard, alert rules and Prometheus config', () => {
  it('alert rules pass promtool check and their unit tests', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toContain('SUCCESS: 9 rules found');
    expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('every dashboard expression is valid PromQL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promql-'));
    try {
      const expressions = dashboardExpressions();
      const rules = { groups: [{ name: 'dashboard', rules: expressions.map((e, i) => ({ record: `dashboard:expr_${i}`, expr: e.expr })) }] };
      writeFileSync(join(dir, 'dashboard.rules.yml'), stringify(rules));
      expect(promtool('check', 'rules', join(dir, 'dashboard.rules.yml'))).toContain(`SUCCESS: ${expressions.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the shipped Prometheus config is valid and scrapes api and worker processes one by one', () => {
    const config = parse(readFileSync(join(observability, 'prometheus.yml'), 'utf8'));
    expect(config.scrape_configs[0].dns_sd_configs[0].names).toEqual(['api', 'worker']);
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    try {
      config.rule_files = [join(observability, 'alerts.yml'), join(root, 'libs/snackdrawer/observability/prometheus/*.rules.yml')];
      writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
      expect(promtool('check', 'config', join(dir, 'prometheus.yml'))).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('against a live gateway', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ modules: moduleFactories });
    });
    afterAll(() => app.close());

    it('every metric named in the dashboard and the alert rules exists in a /metrics scrape', async () => {
      await app.request('/healthz');
      await waitFor(async () => (await app.request('/readyz')).status === 200, { what: 'readiness' });
      const exposed = exposedMetricNames(await (await app.request('/metrics')).text());
      const missing = [...dashboardExpressions(), ...alertExpressions()].flatMap(({ where, expr }) =>
        metricNamesIn(expr)
          .filter((name) => !exposed.has(name))
          .map((name) => `${where}: ${name}`),
      );
      expect(missing).toEqual([]);
    });
  });
});
