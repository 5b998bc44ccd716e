import { SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createGroupCommitter } from '../src/group-commit';
import { traceInMemory } from './fixtures/in-memory-tracing';

describe('group commit', () => {
  it('commits concurrent submissions as one group and answers each after the commit', async () => {
    const commits: number[][] = [];
    const committer = createGroupCommitter<number>({
      windowMs: 5,
      maxItems: 100,
      commit: async (items) => {
        commits.push([...items]);
      },
    });
    await Promise.all([committer.submit([1, 2]), committer.submit([3]), committer.submit([4, 5])]);
    expect(commits).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('closes a group at maxItems without splitting one submission', async () => {
    const commits: number[][] = [];
    const committer = createGroupCommitter<number>({ windowMs: 50, maxItems: 3, commit: async (items) => void commits.push(items) });
    await Promise.all([committer.submit([1, 2]), committer.submit([3, 4]), committer.submit([5])]);
    expect(commits).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('rejects every submitter of a group whose commit fails, and later groups still commit', async () => {
    let fail = true;
    const committer = createGroupCommitter<number>({
      windowMs: 0,
      maxItems: 10,
      commit: async () => {
        if (fail) throw new Error('redis down');
      },
    });
    const results = await Promise.allSettled([committer.submit([1]), committer.submit([2])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(committer.submit([3])).resolves.toBeUndefined();
  });

  it('answers 503 when the commit is not confirmed in time', async () => {
    const committer = createGroupCommitter<number>({ windowMs: 0, maxItems: 10, timeoutMs: 20, commit: () => new Promise(() => undefined) });
    await expect(committer.submit([1])).rejects.toMatchObject({ status: 503, code: 'unavailable' });
  });

  describe('traced', () => {
    const exporter = traceInMemory();
    const tracer = trace.getTracer('test');
    const submitIn = (name: string, submit: () => Promise<void>) =>
      tracer.startActiveSpan(name, (span) => submit().finally(() => span.end()).then(() => span.spanContext()));

    it('commits a group inside one root span linked to the span of every submission', async () => {
      exporter.reset();
      let activeInCommit: string | undefined;
      const committer = createGroupCommitter<number>({
        windowMs: 5,
        maxItems: 100,
        commit: async () => {
          activeInCommit = trace.getActiveSpan()?.spanContext().spanId;
        },
      });
      const submitters = await Promise.all([submitIn('request a', () => committer.submit([1, 2])), submitIn('request b', () => committer.submit([3]))]);
      const [group] = exporter.getFinishedSpans().filter((span) => span.name === 'group commit');
      expect(group!.parentSpanContext).toBeUndefined();
      expect(group!.spanContext().traceId).not.toBe(submitters[0]!.traceId);
      expect(group!.links.map((link) => link.context)).toEqual(submitters);
      expect(group!.attributes).toEqual({ 'group_commit.items': 3, 'group_commit.submissions': 2 });
      expect(activeInCommit).toBe(group!.spanContext().spanId);
    });

    it('marks the span of a failed commit as an error', async () => {
      exporter.reset();
      const committer = createGroupCommitter<number>({ windowMs: 0, maxItems: 10, commit: () => Promise.reject(new Error('redis down')) });
      await expect(submitIn('request', () => committer.submit([1]))).rejects.toThrow('redis down');
      const [group] = exporter.getFinishedSpans().filter((span) => span.name === 'group commit');
      expect(group!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'redis down' });
    });
  });
});
