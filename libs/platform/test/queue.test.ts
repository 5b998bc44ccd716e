import { SpanKind, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { ModuleFactory } from '../src';
import { startTestApp, waitFor } from '../src/testing';
import { traceInMemory } from './fixtures/in-memory-tracing';

function jobsModule(log: string[]): ModuleFactory {
  return () => ({
    name: 'jobs',
    description: 'Jobs only',
    operations: [],
    migrations: {},
    workers: [
      {
        queue: 'jobs.work',
        concurrency: 2,
        processor: async (job) => {
          if (job.data.fail) throw new Error('permanent failure');
          await new Promise((resolve) => setTimeout(resolve, job.data.ms ?? 0));
          log.push(job.data.id);
        },
      },
    ],
  });
}

describe('queues and workers', () => {
  it('counts outcomes, reports depth, and lets an active job finish on close', async () => {
    const log: string[] = [];
    const app = await startTestApp({ modules: [jobsModule(log)] });
    const queue = app.platform.deps.queues.queue('jobs.work');
    await queue.add('ok', { id: 'a' });
    await queue.add('bad', { fail: true }, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    await waitFor(() => log.includes('a'), { what: 'job a' });
    await waitFor(async () => (await queue.getFailedCount()) === 1, { what: 'the failed job' });

    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toMatch(/queue_jobs_total\{queue="jobs.work",status="completed"\} 1/);
    expect(metrics).toMatch(/queue_jobs_total\{queue="jobs.work",status="retried"\} 1/);
    expect(metrics).toMatch(/queue_jobs_total\{queue="jobs.work",status="failed"\} 1/);
    expect(metrics).toMatch(/queue_waiting_jobs\{queue="jobs.work"\} 0/);
    expect(metrics).toMatch(/queue_failed_jobs\{queue="jobs.work"\} 1/);

    await queue.add('slow', { id: 'slow', ms: 700 });
    await waitFor(async () => (await queue.getActiveCount()) === 1, { what: 'the slow job to start' });
    await app.close();
    expect(log).toContain('slow');
  });

  it('job schedulers are upserted once however many processes start', async () => {
    const factory: ModuleFactory = () => ({
      name: 'ticks',
      description: 'Jobs only',
    operations: [],
      migrations: {},
      workers: [{ queue: 'ticks.tick', processor: async () => undefined }],
      schedules: [{ queue: 'ticks.tick', id: 'ticks.every-minute', everyMs: 60_000, jobName: 'tick' }],
    });
    const first = await startTestApp({ modules: [factory] });
    const second = await startTestApp({ modules: [factory], redisPrefix: first.redisPrefix });
    try {
      const schedulers = await first.platform.deps.queues.queue('ticks.tick').getJobSchedulers();
      expect(schedulers.map((s) => s.key)).toEqual(['ticks.every-minute']);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('a job is processed in the trace of the span that added it', async () => {
    const exporter = traceInMemory();
    const processedIn: string[] = [];
    const factory: ModuleFactory = () => ({
      name: 'traced',
      description: 'Jobs only',
      operations: [],
      migrations: {},
      workers: [{ queue: 'traced.work', processor: async () => void processedIn.push(trace.getActiveSpan()!.spanContext().traceId) }],
    });
    const app = await startTestApp({ modules: [factory] });
    try {
      const request = await trace.getTracer('test').startActiveSpan('request', async (span) => {
        await app.platform.deps.queues.queue('traced.work').add('job', {});
        span.end();
        return span.spanContext();
      });
      await waitFor(() => processedIn.length === 1, { what: 'the job' });
      expect(processedIn).toEqual([request.traceId]);
      const spans = await waitFor(() => {
        const finished = exporter.getFinishedSpans();
        return finished.some((span) => span.name === 'process traced.work') && finished;
      }, { what: 'the process span' });
      const add = spans.find((span) => span.name === 'add traced.work.job')!;
      const processing = spans.find((span) => span.name === 'process traced.work')!;
      expect(add.kind).toBe(SpanKind.PRODUCER);
      expect(add.parentSpanContext?.spanId).toBe(request.spanId);
      expect(processing.kind).toBe(SpanKind.CONSUMER);
      expect(processing.parentSpanContext?.spanId).toBe(add.spanContext().spanId);
    } finally {
      await app.close();
    }
  });
});
