import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { createEvent } from './fixtures';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((path) => existsSync(path));

describe('eventpost module surface', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createEventpostModule], workers: false });
  });
  afterAll(() => app.close());

  it('documents every route in the OpenAPI document', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths['/eventpost/events']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/eventpost/events/{id}']!).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    expect(document.paths['/eventpost/events.ics']).toBeDefined();
    expect(document.paths['/eventpost/events/{id}.ics']).toBeDefined();
    expect(Object.keys(document.paths['/eventpost/notifications/{id}']!).sort()).toEqual(['delete', 'get', 'patch', 'put']);
  });

  it('labels HTTP metrics with route templates and exposes module metrics', async () => {
    const event = await createEvent(app);
    await app.request(`/eventpost/events/${event.id}`);
    await app.request('/eventpost/events/not-an-id');
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('route="/events/:id"');
    expect(text).not.toContain(event.id);
    expect(text).toMatch(/^eventpost_cache_requests_total\{resource="event",result="miss"\} \d+/m);
    expect(text).toContain("# TYPE eventpost_notifications_total counter");
    expect(text).toMatch(/db_client_operation_duration_seconds_count\{module="eventpost",operation="events.insert"\} \d+/);
  });

  it.runIf(PROMTOOL)('passes promtool check metrics', async () => {
    const text = await (await app.request('/metrics')).text();
    const file = join(mkdtempSync(join(tmpdir(), 'eventpost-metrics-')), 'metrics.txt');
    writeFileSync(file, text);
    const output = execFileSync('sh', ['-c', `${PROMTOOL} check metrics < ${file} 2>&1 || true`]).toString();
    expect(output.split('\n').filter((line) => line.includes('eventpost_'))).toEqual([]);
  });
});
