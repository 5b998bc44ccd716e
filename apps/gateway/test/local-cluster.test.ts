import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testContext, startSmtpSink, waitFor, type SmtpSink } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

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
});
