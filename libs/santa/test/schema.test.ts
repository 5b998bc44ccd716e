import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSantaModule } from '../src';
import { draw, groupWith } from './helpers';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ modules: [createSantaModule] });
});
afterAll(() => app.close());

const run = (query: ReturnType<typeof sql>) => query.execute(app.platform.deps.db);
const code = async (query: ReturnType<typeof sql>) => {
  try {
    await run(query);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('database constraints (§3)', () => {
  it('refuses rows that break a rule of the model', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    const [bob, cy] = [members[0]!, members[1]!];
    const drawn = await draw(app, group);
    const drawId = drawn.body.draw.id as string;
    const gid = group.id;
    const seed = randomBytes(32);
    // Two admins, a second "bob" (any case), a half budget.
    expect(await code(sql`INSERT INTO santa.members (id, group_id, name, role, participating) VALUES (${randomUUID()}, ${gid}, 'Zed', 'admin', true)`)).toBe('23505');
    expect(await code(sql`INSERT INTO santa.members (id, group_id, name, role, participating) VALUES (${randomUUID()}, ${gid}, 'BOB', 'member', true)`)).toBe('23505');
    expect(await code(sql`UPDATE santa.groups SET budget_amount = 10 WHERE id = ${gid}`)).toBe('23514');
    expect(await code(sql`UPDATE santa.groups SET budget_amount = 10.005, budget_currency = 'EUR' WHERE id = ${gid}`)).toBe('ok');
    expect((await run(sql`SELECT budget_amount::text AS a FROM santa.groups WHERE id = ${gid}`)).rows[0]).toEqual({ a: '10.01' });
    // Exclusions: no self, no duplicates.
    expect(await code(sql`INSERT INTO santa.exclusions (id, group_id, giver_id, receiver_id) VALUES (${randomUUID()}, ${gid}, ${bob.id}, ${bob.id})`)).toBe('23514');
    await run(sql`INSERT INTO santa.exclusions (id, group_id, giver_id, receiver_id) VALUES (${randomUUID()}, ${gid}, ${bob.id}, ${cy.id})`);
    expect(await code(sql`INSERT INTO santa.exclusions (id, group_id, giver_id, receiver_id) VALUES (${randomUUID()}, ${gid}, ${bob.id}, ${cy.id})`)).toBe('23505');
    // Assignments: a permutation without self-gifts.
    expect(await code(sql`UPDATE santa.assignments SET receiver_id = giver_id WHERE draw_id = ${drawId} AND giver_id = ${bob.id}`)).toBe('23514');
    const other = (await run(sql`SELECT receiver_id FROM santa.assignments WHERE draw_id = ${drawId} AND giver_id <> ${bob.id} AND receiver_id <> ${bob.id}`)).rows[0] as { receiver_id: string };
    expect(await code(sql`UPDATE santa.assignments SET receiver_id = ${other.receiver_id} WHERE draw_id = ${drawId} AND giver_id = ${bob.id}`)).toBe('23505');
    expect(await code(sql`INSERT INTO santa.assignments (draw_id, giver_id, receiver_id) VALUES (${drawId}, ${bob.id}, ${group.admin.id})`)).toBe('23505');
    // Draws: one active per group, unique numbers.
    const drawRow = (id: string, number: number, status: string) =>
      sql`INSERT INTO santa.draws (id, group_id, number, status, mode, avoid_previous, participant_count, seed, input, commitment, initial_pairs)
          VALUES (${id}, ${gid}, ${number}, ${status}, 'cycle', false, 3, ${seed}, '{}', ${'0'.repeat(64)}, '[]')`;
    expect(await code(drawRow(randomUUID(), 2, 'active'))).toBe('23505');
    expect(await code(drawRow(randomUUID(), 1, 'superseded'))).toBe('23505');
    expect(await code(drawRow(randomUUID(), 2, 'done'))).toBe('23514');
    // Tokens are 32-byte hashes; outbox statuses are closed.
    expect(await code(sql`INSERT INTO santa.member_tokens (token_hash, member_id) VALUES (${Buffer.from('short')}, ${bob.id})`)).toBe('23514');
    expect(await code(sql`INSERT INTO santa.outbox (group_id, kind, to_address, body, status) VALUES (${gid}, 'draw', 'a@b', '{}', 'lost')`)).toBe('23514');
    // Deleting the group removes everything it owns, tokens included.
    await run(sql`DELETE FROM santa.groups WHERE id = ${gid}`);
    const left = await run(sql`SELECT (SELECT count(*) FROM santa.members WHERE group_id = ${gid})::int + (SELECT count(*) FROM santa.member_tokens t WHERE t.member_id IN (${bob.id}, ${cy.id}))::int AS n`);
    expect(left.rows[0]).toEqual({ n: 0 });
  });

  it('keeps the hand-written table interfaces in step with information_schema', async () => {
    const expected: Record<string, string[]> = {
      groups: ['id', 'name', 'mode', 'avoid_previous', 'budget_amount', 'budget_currency', 'exchange_date', 'invite_code', 'created_at'],
      members: ['id', 'group_id', 'seq', 'name', 'email', 'role', 'participating', 'joined_at', 'removed_at', 'wishlist_updated_at'],
      member_tokens: ['token_hash', 'member_id', 'created_at'],
      exclusions: ['id', 'seq', 'group_id', 'giver_id', 'receiver_id', 'created_at'],
      draws: ['id', 'group_id', 'number', 'status', 'mode', 'avoid_previous', 'participant_count', 'seed', 'input', 'commitment', 'initial_pairs', 'change_count', 'created_at', 'revealed_at'],
      assignments: ['draw_id', 'giver_id', 'receiver_id'],
      draw_changes: ['draw_id', 'seq', 'kind', 'member_id', 'giver_id', 'created_at'],
      wishlist_items: ['member_id', 'position', 'text', 'url'],
      messages: ['id', 'draw_id', 'giver_id', 'receiver_id', 'author_id', 'text', 'created_at'],
      outbox: ['id', 'group_id', 'member_id', 'kind', 'to_address', 'body', 'status', 'attempts', 'last_error', 'created_at', 'sent_at'],
    };
    const { rows } = await run(
      sql`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'santa' AND table_name <> 'kysely_migration' AND table_name <> 'kysely_migration_lock' ORDER BY table_name, ordinal_position`,
    );
    const actual: Record<string, string[]> = {};
    for (const row of rows as { table_name: string; column_name: string }[]) (actual[row.table_name] ??= []).push(row.column_name);
    expect(actual).toEqual(expected);
  });
});

describe('metrics', () => {
  it('counts draws by outcome, times them, and passes promtool check metrics', async () => {
    const { group } = await groupWith(app, ['Bob', 'Cy']);
    await draw(app, group);
    await draw(app, group);
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/santa_draws_total\{mode="cycle",outcome="ok"\} \d+/);
    expect(text).toMatch(/santa_draws_total\{mode="cycle",outcome="already_drawn"\} \d+/);
    expect(text).toContain('santa_draw_duration_seconds_bucket{le="0.2",mode="cycle"}');
    expect(text).toContain('# TYPE santa_emails_total counter');
    const file = joinPath(tmpdir(), `santa-metrics-${process.pid}.txt`);
    writeFileSync(file, text);
    const output = execFileSync('sh', ['-c', `promtool check metrics < ${file} 2>&1; echo "rc=$?"`]).toString();
    expect(output.trim().endsWith('rc=0')).toBe(true);
  });
});
