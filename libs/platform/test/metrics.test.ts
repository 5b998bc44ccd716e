import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, waitFor, type TestApp } from '../src/testing';
import { createProbeModule } from './fixtures/probe-module';

const PROMTOOL = '/usr/bin/promtool';

async function scrape(app: TestApp): Promise<string> {
  const response = await app.request('/metrics');
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

function seriesOf(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('HTTP metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createProbeModule] });
  });
  afterAll(() => app.close());

  it('labels requests with the route template, never the raw path', async () => {
    const created = await app.request('/probe/items', { json: { name: 'a', quantity: 1 } });
    const { id } = await created.json();
    await app.request(`/probe/items/${id}`);
    const text = await scrape(app);
    expect(text).toMatch(/http_server_request_duration_seconds_count\{module="probe",method="GET",route="\/items\/:id",status_code="200"\} 1/);
    expect(text).toMatch(/http_server_request_duration_seconds_count\{module="probe",method="POST",route="\/items",status_code="201"\} 1/);
    expect(text).not.toContain(`/items/${id}"`);
  });

  it('50 distinct unknown paths add no series beyond one __unmatched__ series per module', async () => {
    await app.request('/probe/unknown-0');
    await app.request('/unknown-0');
    const before = seriesOf(await scrape(app), 'http_server_request_duration_seconds_count').length;
    for (let i = 1; i <= 50; i++) {
      await app.request(`/probe/unknown-${i}/${i * 7}`);
      await app.request(`/unknown-${i}`);
    }
    const after = await scrape(app);
    expect(seriesOf(after, 'http_server_request_duration_seconds_count').length).toBe(before);
    expect(after).toMatch(/_count\{module="probe",method="GET",route="__unmatched__",status_code="404"\} 51/);
    expect(after).toMatch(/_count\{module="gateway",method="GET",route="__unmatched__",status_code="404"\} 51/);
  });

  it('a module prefix matches case-sensitively, as its label does: /PROBE is a gateway 404', async () => {
    const before = await scrape(app);
    const gateway404s = (text: string) => Number(/_count\{module="gateway",method="GET",route="__unmatched__",status_code="404"\} (\d+)/.exec(text)?.[1] ?? 0);
    const response = await app.request('/PROBE/items/1');
    expect(response.status).toBe(404);
    expect((await response.json()).error.message).toBe('No route matches this path');
    const after = await scrape(app);
    expect(gateway404s(after) - gateway404s(before)).toBe(1);
  });

  it('unknown methods are folded into _OTHER', async () => {
    await app.request('/probe/items', { method: 'PROPFIND' });
    expect(await scrape(app)).toMatch(/method="_OTHER"/);
  });

  it('active requests rise while a request is in flight and return to 0', async () => {
    const slow = app.request('/probe/slow?ms=400');
    await waitFor(async () => /http_server_active_requests\{module="probe"\} 1/.test(await scrape(app)), { intervalMs: 10, what: 'the slow request in flight' });
    await slow;
    expect(await scrape(app)).toMatch(/http_server_active_requests\{module="probe"\} 0/);
  });

  it('exposes node defaults and pool gauges, without the default gauges promtool rejects', async () => {
    const text = await scrape(app);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/pg_pool_connections \d+/);
    expect(text).not.toContain('nodejs_active_handles_total');
  });

  it.skipIf(!existsSync(PROMTOOL))('passes promtool check metrics', async () => {
    const text = await scrape(app);
    const output = execFileSync(PROMTOOL, ['check', 'metrics'], { input: text }).toString();
    expect(output).toBe('');
  });
});
