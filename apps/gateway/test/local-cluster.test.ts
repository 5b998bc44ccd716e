import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testContext, startSmtpSink, waitFor, type SmtpSink } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
/** Short, so that a window of a few seconds holds enough scheduled snapshots to tell one scheduler from several. */
const STATS_INTERVAL_MS = 1_000;
const STATS_FRESHNESS_MS = 2 * STATS_INTERVAL_MS + 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
/** `scheduled_time` has whole seconds. */
const wholeSecondAfter = (ms: number) => Math.ceil(ms / 1_000) * 1_000;
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const hasNginx = (() => {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

type Cluster = { url: string; apiUrls: string[]; workerUrls: string[] };

/** Runs `tools/deploy/local-cluster.mjs` as an operator would, and waits for its ready line. */
function startClusterScript(port: number, env: Record<string, string>): { process: ChildProcess; ready: Promise<Cluster> } {
  const child = spawn(process.execPath, ['tools/deploy/local-cluster.mjs', '--api', '2', '--workers', '1', '--port', String(port)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<Cluster>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = /^local cluster ready (.*)$/m.exec(output);
      if (line) resolve(JSON.parse(line[1]!));
    });
    child.once('exit', (code) => reject(new Error(`local-cluster exited with ${code} before it was ready`)));
  });
  return { process: child, ready };
}

async function call(base: string, path: string, init: RequestInit & { json?: unknown; token?: string } = {}) {
  const { json, token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  if (token) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(base + path, { method: json !== undefined ? 'POST' : 'GET', ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

/** Statistics snapshots built so far, summed over every trigger and every given process's own /metrics. */
async function snapshotBuilds(processUrls: string[]): Promise<number> {
  const counts = await Promise.all(
    processUrls.map(async (url) => {
      const text = (await call(url, '/metrics')).body as string;
      const series = [...text.matchAll(/^messy_stats_snapshots_total\{[^}]*\} (\d+)$/gm)];
      expect(series.length, `messy_stats_snapshots_total on ${url}`).toBeGreaterThan(0);
      return series.reduce((sum, [, n]) => sum + Number(n), 0);
    }),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

describe.skipIf(!hasNginx)('2 api + 1 worker processes behind nginx behave as one process', () => {
  let cluster: Cluster;
  let script: ChildProcess;
  let sink: SmtpSink;
  const run = Date.now().toString(36);

  beforeAll(async () => {
    sink = await startSmtpSink();
    const context = testContext();
    const started = startClusterScript(21_000 + Math.floor(Math.random() * 20_000), {
        DATABASE_URL: context.databaseUrl,
        REDIS_URL: context.redisUrl,
        REDIS_PREFIX: `${context.redisPrefix}:cluster`,
        SMTP_URL: sink.url,
        MESSY_STATS_INTERVAL_MS: String(STATS_INTERVAL_MS),
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
    });
    script = started.process;
    cluster = await started.ready;
  }, 240_000);
  afterAll(async () => {
    const exited = new Promise<number | null>((resolve) => script.once('exit', resolve));
    script.kill('SIGTERM');
    expect(await exited).toBe(0);
    await sink?.close();
  }, 60_000);

  it('nginx spreads requests over both api processes and never merges /metrics', async () => {
    for (let i = 0; i < 20; i++) expect((await call(cluster.url, '/healthz')).status).toBe(200);
    expect((await call(cluster.url, '/metrics')).status).toBe(404);
    const served = await Promise.all(
      cluster.apiUrls.map(async (api) => {
        const text = (await call(api, '/metrics')).body as string;
        return Number(/route="\/healthz",status_code="200"\} (\d+)/.exec(text)?.[1] ?? 0);
      }),
    );
    expect(served.every((count) => count > 0)).toBe(true);
  });

  it('eventpost: a read on one process always sees a write answered by the other', async () => {
    const [a, b] = cluster.apiUrls as [string, string];
    const created = await call(a, '/eventpost/events', {
      json: { title: 'Cluster', description: 'A description of twenty characters or more', date: '2027-01-15', time: '10:00:00' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await call(b, `/eventpost/events/${id}`); // warm the cache on the other process
    for (let i = 0; i < 10; i++) {
      const [writer, reader] = i % 2 ? [a, b] : [b, a];
      const patched = await call(writer, `/eventpost/events/${id}`, { method: 'PATCH', json: { title: `Cluster ${i}` } });
      expect(patched.status).toBe(200);
      const read = await call(reader, `/eventpost/events/${id}`);
      expect(read.body.title).toBe(`Cluster ${i}`);
    }
  });

  it('eventpost: a notification rescheduled on the other process is mailed once, at the new time; one deleted there never', async () => {
    const [a, b] = cluster.apiUrls as [string, string];
    const event = await call(a, '/eventpost/events', {
      json: { title: 'Cluster reminders', description: 'A description of twenty characters or more', date: '2027-01-15', time: '10:00:00' },
    });
    expect(event.status).toBe(201);
    const firstTime = wholeSecondAfter(Date.now() + 3_000);
    const newTime = firstTime + 4_000;
    const schedule = async (label: string): Promise<string> => {
      const created = await call(a, '/eventpost/notifications', {
        json: {
          subject: `Cluster reminder ${label}`,
          content: 'A reminder content of thirty characters or more.',
          to_mail: `reminder-${label}-${run}@example.test`,
          scheduled_time: isoSeconds(firstTime),
          event_id: event.body.id,
        },
      });
      expect(created.status).toBe(201);
      return created.body.id;
    };
    const [moved, deleted] = await Promise.all([schedule('moved'), schedule('deleted')]);
    const patched = await call(b, `/eventpost/notifications/${moved}`, { method: 'PATCH', json: { scheduled_time: isoSeconds(newTime) } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ scheduled_time: isoSeconds(newTime), status: 'scheduled' });
    const removed = await call(b, `/eventpost/notifications/${deleted}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(removed.body.status).toBe('cancelled');
    expect(Date.now()).toBeLessThan(firstTime); // both changes landed before the original time

    const mailsFor = (id: string) => sink.messages.filter((mail) => mail.headers.get('x-eventpost-notification-id') === id);
    // The original time passes without a send, and nothing goes out early.
    await sleep(newTime - 300 - Date.now());
    expect(mailsFor(moved)).toHaveLength(0);
    await waitFor(() => mailsFor(moved).length > 0, { timeoutMs: 5_000 + 2_000, intervalMs: 20, what: 'the rescheduled e-mail' });
    expect(Date.now()).toBeLessThanOrEqual(newTime + 5_000 + 500);
    // Long enough for a duplicate from the other processes' jobs, and past the deleted one's latest send time.
    await sleep(Math.max(firstTime + 5_000, Date.now() + 2_000) - Date.now());
    expect(mailsFor(moved)).toHaveLength(1);
    expect(mailsFor(moved)[0]!.subject).toBe('Cluster reminder moved');
    expect(mailsFor(deleted)).toHaveLength(0);
    // The worker records the send only after the SMTP server has taken the mail.
    const row = await waitFor(
      async () => {
        const { body } = await call(a, `/eventpost/notifications/${moved}`);
        return body.status !== 'sending' && body;
      },
      { what: 'the worker to record the send' },
    );
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    expect((await call(a, `/eventpost/notifications/${deleted}`)).status).toBe(404);
  });

  it('santa: concurrent draws on two processes have exactly one winner, and each invitation is mailed once', async () => {
    const group = await call(cluster.url, '/santa/groups', { json: { name: `Cluster ${run}`, admin_name: 'Admin' } });
    expect(group.status).toBe(201);
    const { admin_token: admin, invite_url: inviteUrl } = group.body;
    const inviteCode = String(inviteUrl).split('/').at(-1);
    for (const name of ['Ann', 'Ben', 'Cat']) {
      expect((await call(cluster.url, '/santa/join', { json: { invite_code: inviteCode, name } })).status).toBe(201);
    }
    const gid = group.body.group.id;
    const invitee = `dan-${run}@example.test`;
    expect((await call(cluster.url, `/santa/groups/${gid}/members`, { token: admin, json: { name: 'Dan', email: invitee } })).status).toBe(201);

    const draws = await Promise.all(cluster.apiUrls.map((api) => call(api, `/santa/groups/${gid}/draws`, { token: admin, json: {} })));
    expect(draws.map((d) => d.status).sort()).toEqual([201, 409]);

    const toInvitee = (subject: RegExp) => (mail: (typeof sink.messages)[number]) => JSON.stringify(mail.to ?? '').includes(invitee) && subject.test(mail.subject ?? '');
    await sink.waitForMessage(toInvitee(/invited/), 20_000);
    await sink.waitForMessage(toInvitee(/drawn/), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(sink.messages.filter(toInvitee(/invited/))).toHaveLength(1);
    expect(sink.messages.filter(toInvitee(/drawn/))).toHaveLength(1);
  });

  it('messy: every accepted message is stored exactly once whichever process took it', async () => {
    const username = `cluster_${run}`;
    const accepted = new Set<string>();
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const api = cluster.apiUrls[i % 2]!;
        const messages = Array.from({ length: 50 }, (_, j) => ({ username, city: 'Albany', state: 'NY', message: `m ${i}-${j}` }));
        const answer = await call(api, '/messy/messages/batch', { json: { messages } });
        expect(answer.status).toBe(202);
        for (const id of answer.body.ids) accepted.add(id);
      }),
    );
    expect(accepted.size).toBe(500);
    const stored = await waitFor(
      async () => {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { body: { items: { id: string }[]; next_cursor: string | null } } = await call(
            cluster.url,
            `/messy/messages?username=${username}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          ids.push(...page.body.items.map((item) => item.id));
          cursor = page.body.next_cursor;
        } while (cursor);
        return ids.length >= 500 && ids;
      },
      { timeoutMs: 30_000, what: '500 persisted messages' },
    );
    expect(stored).toHaveLength(500);
    expect(new Set(stored)).toEqual(accepted);
  });

  it('messy: the stats job scheduler builds one snapshot per interval in the whole cluster, not one per process', async () => {
    const processes = [...cluster.apiUrls, ...cluster.workerUrls];
    await waitFor(async () => (await snapshotBuilds(processes)) > 0, { timeoutMs: 10_000, what: 'a first statistics snapshot' });
    const windowStart = performance.now();
    const before = await snapshotBuilds(processes);
    const countingFrom = performance.now();
    await sleep(8 * STATS_INTERVAL_MS);
    const countingTo = performance.now();
    const built = (await snapshotBuilds(processes)) - before;
    const windowEnd = performance.now();
    // Each process's reading falls between these bounds; one late or early build either side is tolerated.
    expect(built).toBeGreaterThanOrEqual(Math.floor((countingTo - countingFrom) / STATS_INTERVAL_MS) - 1);
    expect(built).toBeLessThanOrEqual(Math.ceil((windowEnd - windowStart) / STATS_INTERVAL_MS) + 1);
  });

  it('messy: a message written through one api process shows in /messy/stats read through the other within the freshness bound', async () => {
    const [a, b] = cluster.apiUrls as [string, string];
    // Nothing else in this run writes WY while this file runs, so the count changes only with this message.
    const wyMessages = async () => {
      const stats = await call(b, '/messy/stats');
      expect(stats.status).toBe(200);
      return stats.body.per_state.WY.messages as number;
    };
    const baseline = await wyMessages();
    const written = await call(a, '/messy/messages', { json: { username: `fresh_${run}`, city: 'Cheyenne', state: 'WY', message: 'fresh' } });
    expect(written.status).toBe(202);
    await waitFor(async () => (await call(a, `/messy/messages/${written.body.id}`)).status === 200, {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'the message to be persisted',
    });
    // Persisted by now at the latest, so the delay measured from here is at most the real one.
    const persistedBy = performance.now();
    const reflected = await waitFor(
      async () => {
        const count = await wyMessages();
        return count > baseline && count;
      },
      { timeoutMs: STATS_FRESHNESS_MS + 3_000, intervalMs: 20, what: 'the message in /messy/stats' },
    );
    expect(performance.now() - persistedBy).toBeLessThanOrEqual(STATS_FRESHNESS_MS);
    expect(reflected).toBe(baseline + 1);
  });
});
