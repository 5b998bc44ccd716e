import { sql } from 'kysely';
import { waitFor, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_QUEUE, ingestJobOptions } from '../src/ingest-queue';
import { loadMessyConfig } from '../src/config';
import { persistWithHalving } from '../src/jobs';
import type { StoredMessage } from '../src/messages';
import { startMessy } from './helpers';

const stored = (id: string, overrides: Partial<StoredMessage> = {}): StoredMessage => ({
  id,
  username: 'w',
  city: 'Austin',
  city_key: 'austin',
  state: 'TX',
  message: 'hello',
  created_at: new Date().toISOString(),
  ...overrides,
});
const uuid = (n: number) => `0190d7a4-0000-7000-8000-${String(n).padStart(12, '0')}`;

async function metric(app: TestApp, pattern: RegExp): Promise<number> {
  const match = pattern.exec(await (await app.request('/metrics')).text());
  return Number(match?.[1]);
}

describe('persistWithHalving', () => {
  it('halves on data errors until the bad messages stand alone, persisting their neighbours', async () => {
    const persisted: string[] = [];
    const attempts: number[] = [];
    const persist = async (batch: StoredMessage[]) => {
      attempts.push(batch.length);
      if (batch.some((m) => m.username === 'bad')) throw Object.assign(new Error('check violation'), { code: '23514' });
      persisted.push(...batch.map((m) => m.id));
    };
    const batch = Array.from({ length: 8 }, (_, i) => stored(uuid(i), { username: i === 2 || i === 7 ? 'bad' : 'ok' }));
    const bad = await persistWithHalving(persist, batch);
    expect(bad.map((m) => m.id)).toEqual([uuid(2), uuid(7)]);
    expect(persisted.sort()).toEqual([0, 1, 3, 4, 5, 6].map(uuid));
  });

  it('rethrows other errors so the job is retried', async () => {
    const persist = async () => {
      throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
    };
    await expect(persistWithHalving(persist, [stored(uuid(1))])).rejects.toThrow('connection reset');
  });
});

describe('the ingest worker', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy();
  });
  afterAll(() => app.close());

  const add = (messages: StoredMessage[], attempts?: number) =>
    app.platform.deps.queues
      .queue(INGEST_QUEUE)
      .add('ingest', { messages }, { ...ingestJobOptions(loadMessyConfig({})), ...(attempts ? { attempts } : {}), jobId: `m${messages.length}-${Math.random()}` });

  it('stores a batch once: a repeated job inserts nothing and changes no aggregate', async () => {
    const db = app.platform.deps.db;
    const messages = [stored(uuid(101)), stored(uuid(102), { username: 'v' })];
    const duplicatesBefore = await metric(app, /^messy_messages_total\{outcome="duplicate"\} (\d+)/m);
    await add(messages);
    await waitFor(async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM messy.messages`.execute(db)).rows[0]!.n === 2);
    await add(messages);
    await waitFor(async () => (await metric(app, /^messy_messages_total\{outcome="duplicate"\} (\d+)/m)) === duplicatesBefore + 2, { what: 'duplicates to be counted' });
    const { rows } = await sql<{ messages: number; users: number; cities: number }>`SELECT messages, users, cities FROM messy.totals`.execute(db);
    expect(rows[0]).toEqual({ messages: 2, users: 2, cities: 1 });
    const tx = await sql<{ messages: number; cities: number }>`SELECT messages, cities FROM messy.state_counts WHERE state = 'TX'`.execute(db);
    expect(tx.rows[0]).toEqual({ messages: 2, cities: 1 });
  });

  it('dead-letters only the messages that violate a constraint, and counts the job', async () => {
    const db = app.platform.deps.db;
    // A state the API would refuse, written straight into a job: the table's CHECK rejects it.
    const messages = [stored(uuid(201)), stored(uuid(202), { state: 'XX' }), stored(uuid(203)), stored(uuid(204), { message: 'nul\u0000' })];
    await add(messages);
    await waitFor(async () => (await metric(app, /^messy_dead_letter_jobs (\d+)/m)) === 1, { what: 'the dead-letter job' });
    const { rows } = await sql<{ id: string }>`SELECT id FROM messy.messages WHERE id = ANY(${[201, 202, 203, 204].map(uuid)}::uuid[]) ORDER BY id`.execute(db);
    expect(rows.map((r) => r.id)).toEqual([uuid(201), uuid(203)]);
    const [failed] = await app.platform.deps.queues.queue(INGEST_QUEUE).getFailed();
    expect(failed!.data.messages.map((m: StoredMessage) => m.id)).toEqual([uuid(202), uuid(204)]);
  });
});
