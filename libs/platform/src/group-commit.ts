import { SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import { serviceUnavailable } from './errors';

const tracer = trace.getTracer('@platform/platform');

export interface GroupCommitOptions<T> {
  /** The longest a group stays open after its first item (0: until the current event-loop turn ends). */
  windowMs: number;
  /** A group closes as soon as it holds this many items; one submission is never split across groups. */
  maxItems: number;
  /** Without a confirmed commit by then, every submitter of the group gets 503 (the work may still land). */
  timeoutMs?: number;
  /** Makes one group durable (e.g. one BullMQ job in Redis); submitters are answered after it resolves. */
  commit(items: T[]): Promise<void>;
}

export interface GroupCommitter<T> {
  /** Resolves once the group holding `items` is committed; rejects with the commit's error (or 503 on timeout). */
  submit(items: T[]): Promise<void>;
  /** Closes the open group now and waits for every group in flight. */
  drain(): Promise<void>;
}

interface Group<T> {
  items: T[];
  waiters: { resolve(): void; reject(error: unknown): void }[];
  /** The span of each submission that was traced: the group's commit belongs to all of them, so it links to each. */
  links: Link[];
  timer?: NodeJS.Timeout | NodeJS.Immediate;
}

/**
 * Group commit: concurrent requests share one durable write instead of one each, so the cost of the
 * round trip (and of the job a worker later processes) is paid per group, not per request.
 */
export function createGroupCommitter<T>(options: GroupCommitOptions<T>): GroupCommitter<T> {
  const { windowMs, maxItems, timeoutMs = 5_000, commit } = options;
  let open: Group<T> | undefined;
  const inFlight = new Set<Promise<void>>();

  const close = (group: Group<T>) => {
    if (open === group) open = undefined;
    if (windowMs > 0) clearTimeout(group.timer as NodeJS.Timeout);
    else clearImmediate(group.timer as NodeJS.Immediate);
    const done = tracer.startActiveSpan(
      'group commit',
      { root: true, links: group.links, attributes: { 'group_commit.items': group.items.length, 'group_commit.submissions': group.waiters.length } },
      async (span) => {
        try {
          await commitWithTimeout(group.items);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    ).then(
      () => group.waiters.forEach((waiter) => waiter.resolve()),
      (error: unknown) => group.waiters.forEach((waiter) => waiter.reject(error)),
    );
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  const commitWithTimeout = async (items: T[]) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(serviceUnavailable('The write was not confirmed in time; retry', 1)), timeoutMs);
    });
    try {
      await Promise.race([commit(items), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const openGroup = (): Group<T> => {
    const group: Group<T> = { items: [], waiters: [], links: [] };
    group.timer = windowMs > 0 ? setTimeout(() => close(group), windowMs) : setImmediate(() => close(group));
    open = group;
    return group;
  };

  return {
    submit(items) {
      if (open && open.items.length + items.length > maxItems) close(open);
      const group = open ?? openGroup();
      group.items.push(...items);
      const submitter = trace.getActiveSpan();
      if (submitter) group.links.push({ context: submitter.spanContext() });
      const answered = new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
      if (group.items.length >= maxItems) close(group);
      return answered;
    },
    async drain() {
      if (open) close(open);
      await Promise.allSettled([...inFlight]);
    },
  };
}
