import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnackdrawer } from './helpers';
import { metricNames } from './promql';
import { callEveryRoute } from './routes-tour';
import { promtool, scrape } from './scrape';

const ROOT = fileURLToPath(new URL('../observability/', import.meta.url));
const RULES = join(ROOT, 'prometheus/snackdrawer.rules.yml');
const DASHBOARDS = join(ROOT, 'grafana/dashboards');

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: { expr: string }[];
}

function dashboardExprs(): { file: string; title: string; expr: string }[] {
  return readdirSync(DASHBOARDS)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => {
      const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as { panels: Panel[] };
      return dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ file, title: panel.title, expr: target.expr })));
    });
}

function ruleExprs(): { name: string; expr: string }[] {
  // The rules file is plain YAML of a known shape: read `record:`/`alert:` and their `expr:` (inline or block).
  const lines = readFileSync(RULES, 'utf8').split('\n');
  const rules: { name: string; expr: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^\s*- (?:record|alert): (\S+)/.exec(lines[i]!);
    if (!head) continue;
    const exprLine = lines[i + 1]!;
    const inline = /^\s*expr: (?!\|)(.+)$/.exec(exprLine);
    if (inline) {
      rules.push({ name: head[1]!, expr: inline[1]! });
      continue;
    }
    const block: string[] = [];
    for (let j = i + 2; j < lines.length && /^\s{10,}\S/.test(lines[j]!); j++) block.push(lines[j]!.trim());
    rules.push({ name: head[1]!, expr: block.join(' ') });
  }
  return rules;
}

/** Names a scrape exposes, histograms also under their family name. */
function exposedNames(samples: { name: string }[]): Set<string> {
  const names = new Set(samples.map((s) => s.name));
  for (const name of [...names]) {
    const family = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
    if (family) names.add(family);
  }
  return names;
}

describe('alert and recording rules', () => {
  it('pass promtool check rules', () => {
    const result = promtool(['check', 'rules', RULES]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('pass their promtool unit tests (error ratio, slow requests)', () => {
    const result = promtool(['test', 'rules', join(ROOT, 'prometheus/snackdrawer.rules.test.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('define the five alerts of the spec', () => {
    const alerts = ruleExprs().map((rule) => rule.name).filter((name) => name.startsWith('Snackdrawer'));
    expect(alerts.sort()).toEqual([
      'SnackdrawerFaultInjectionActive',
      'SnackdrawerHighErrorRatio',
      'SnackdrawerLoginBruteForce',
      'SnackdrawerObjectProbing',
      'SnackdrawerSlowRequests',
    ]);
  });
});

describe('against a live scrape', () => {
  let app: TestApp;
  let names: Set<string>;
  beforeAll(async () => {
    app = await startSnackdrawer({ SNACKDRAWER_BOOTSTRAP_ADMIN: 'dash-admin:admin password' });
    await callEveryRoute(app, { username: 'dash-admin', password: 'admin password' });
    // Enough garbage for a few young-generation collections, so the GC histogram has series.
    for (let i = 0; i < 50; i++) JSON.stringify(Array.from({ length: 20_000 }, (_, n) => ({ n })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    names = exposedNames(await scrape(app));
  });
  afterAll(() => app.close());

  it('every dashboard expression is valid PromQL (as a recording rule) and names only scraped metrics', () => {
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThanOrEqual(15);
    const rules = exprs.map(({ expr }, index) => {
      const concrete = expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '5m');
      expect(concrete).not.toContain('$');
      return `      - record: dashboard:expr_${index}\n        expr: ${JSON.stringify(concrete)}\n`;
    });
    const file = join(mkdtempSync(join(tmpdir(), 'snackdrawer-dash-')), 'dashboards.rules.yml');
    writeFileSync(file, `groups:\n  - name: dashboards\n    rules:\n${rules.join('')}`);
    const result = promtool(['check', 'rules', file]);
    expect(result.output).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(result.status).toBe(0);
    for (const { file: dashboard, title, expr } of exprs) {
      const used = metricNames(expr);
      expect(used.length, `${dashboard} / ${title}`).toBeGreaterThan(0);
      for (const name of used) expect(names.has(name), `${dashboard} / ${title}: ${name}`).toBe(true);
    }
  });

  it('every rule expression names only scraped metrics or recorded ones', () => {
    const rules = ruleExprs();
    const recorded = new Set(rules.map((rule) => rule.name).filter((name) => name.includes(':')));
    for (const { name, expr } of rules) {
      for (const metric of metricNames(expr)) expect(names.has(metric) || recorded.has(metric), `${name}: ${metric}`).toBe(true);
    }
  });

  it('finds a misspelt metric (the seed\'s broken "Errors" panel would fail here)', () => {
    expect(metricNames('sum(rate(http_request_errors_total{module="snackdrawer"}[5m])) by (route)')).toEqual(['http_request_errors_total']);
    expect(names.has('http_request_errors_total')).toBe(false);
  });
});

describe('dashboards', () => {
  it('use the prometheus datasource uid and no template variables', () => {
    for (const file of readdirSync(DASHBOARDS)) {
      const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as { panels: Panel[]; templating: { list: unknown[] } };
      expect(dashboard.templating.list).toEqual([]);
      for (const panel of dashboard.panels) expect(panel.datasource.uid).toBe('prometheus');
    }
  });
});
