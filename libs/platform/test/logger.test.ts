import { Writable } from 'node:stream';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../src';
import { startTestApp, waitFor } from '../src/testing';
import { createProbeModule } from './fixtures/probe-module';

describe('redactUrl', () => {
  it('removes capability tokens from paths and secrets from query strings', () => {
    const token = 'Q2FwYWJpbGl0eS10b2tlbi1vZi00My1jaGFyYWN0ZXJz_-x';
    expect(redactUrl(`/santa/g/${token}`)).toBe('/santa/g/[redacted]');
    expect(redactUrl(`/santa/g/${token}/admin?x=1`)).toBe('/santa/g/[redacted]/admin?x=1');
    expect(redactUrl('/a?token=abc&page=2&writeKey=k1')).toBe('/a?token=[redacted]&page=2&writeKey=[redacted]');
  });

  it('keeps ordinary ids readable', () => {
    expect(redactUrl('/eye/errors/0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('/eye/errors/0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(redactUrl('/snackdrawer/drawers/42')).toBe('/snackdrawer/drawers/42');
  });
});

describe('log lines carry the active trace', () => {
  it('adds trace_id and span_id inside a span, and nothing outside one', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const logger = createLogger('info', 'test', sink);
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () => logger.info('inside'));
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: spanContext.traceId, span_id: spanContext.spanId });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });
});

describe('request log', () => {
  it('writes one line per finished request at the level its status calls for, without secrets in the URL', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const app = await startTestApp({ modules: [createProbeModule], logger: createLogger('info', 'test', sink) });
    try {
      const created = await app.request('/probe/items?token=secret', { json: { name: 'a', quantity: 1 } });
      expect(created.status).toBe(201);
      expect((await app.request('/probe/nothing-here')).status).toBe(404);
      await app.request('/healthz');
      await waitFor(() => lines.filter((line) => line.msg === 'request completed').length === 2);
      const completed = lines.filter((line) => line.msg === 'request completed');
      expect(completed).toHaveLength(2);
      expect(completed[0]).toMatchObject({ level: 30, method: 'POST', url: '/probe/items?token=[redacted]', status: 201 });
      expect(completed[1]).toMatchObject({ level: 40, method: 'GET', url: '/probe/nothing-here', status: 404 });
      expect(completed[0]!.durationMs).toEqual(expect.any(Number));
    } finally {
      await app.close();
    }
  });
});
