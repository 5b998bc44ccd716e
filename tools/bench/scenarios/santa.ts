import { httpScenarioResult } from '../http-result';
import type { Scenario, ScenarioContext, ScenarioResult } from '../scenario';

const JSON_HEADERS = { 'content-type': 'application/json' };

interface Created {
  groupId: string;
  adminToken: string;
  inviteCode: string;
}

async function post(context: ScenarioContext, path: string, body: unknown, token?: string): Promise<any> {
  const response = await fetch(`${context.baseUrl}/santa${path}`, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

async function createGroup(context: ScenarioContext, name: string): Promise<Created> {
  const created = await post(context, '/groups', { name, admin_name: 'Organiser', mode: 'cycle' });
  return { groupId: created.group.id, adminToken: created.admin_token, inviteCode: created.group.invite_code };
}

/** Members straight into the table (setting up 10,000 joins over HTTP is not what is measured), then n/10 random exclusions. */
async function seedMembers(context: ScenarioContext, group: Created, participants: number): Promise<void> {
  await context.query(
    `INSERT INTO santa.members (id, group_id, name, role, participating)
     SELECT gen_random_uuid(), $1, 'member ' || i, 'member', true FROM generate_series(1, $2::int) AS i`,
    [group.groupId, participants - 1],
  );
  await context.query(
    `INSERT INTO santa.exclusions (id, group_id, giver_id, receiver_id)
     SELECT gen_random_uuid(), $1, a.id, b.id
     FROM (SELECT id, row_number() OVER (ORDER BY random()) AS rn FROM santa.members WHERE group_id = $1) a
     JOIN (SELECT id, row_number() OVER (ORDER BY random()) AS rn FROM santa.members WHERE group_id = $1) b ON a.rn = b.rn
     WHERE a.id <> b.id
     LIMIT $2::int
     ON CONFLICT DO NOTHING`,
    [group.groupId, Math.floor(participants / 10)],
  );
}

/** Redraws one after another, each timed from request to response (database included). */
async function timeDraws(context: ScenarioContext, participants: number, draws: number, unit: 'ms' | 's'): Promise<ScenarioResult> {
  const group = await createGroup(context, `bench draw ${participants}`);
  await seedMembers(context, group, participants);
  const durations: number[] = [];
  let errors = 0;
  const rounds = context.warmingUp ? 1 : draws;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const response = await fetch(`${context.baseUrl}/santa/groups/${group.groupId}/draws`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${group.adminToken}` },
      body: JSON.stringify({ redraw: true }),
    });
    await response.arrayBuffer();
    durations.push(performance.now() - started);
    if (response.status !== 201) errors++;
  }
  durations.sort((a, b) => a - b);
  const mean = durations.reduce((sum, d) => sum + d, 0) / durations.length;
  const scale = unit === 's' ? 1000 : 1;
  const round = (value: number) => Math.round((value / scale) * 1000) / 1000;
  context.log(`draws of ${participants}: ${durations.map((d) => d.toFixed(0)).join(', ')} ms`);
  return {
    figure: round(mean),
    unit,
    latency: { meanMs: Math.round(mean), p50Ms: Math.round(durations[Math.floor(durations.length / 2)]!), p99Ms: Math.round(durations[durations.length - 1]!) },
    errors,
    items: rounds,
    extra: { draws: rounds, participants, exclusions: Math.floor(participants / 10), maxMs: Math.round(durations[durations.length - 1]!) },
  };
}

/** A drawn group of 50 whose members each keep 10 wishlist items; returns one member's token. */
async function drawnGroupOf50(context: ScenarioContext): Promise<{ groupId: string; token: string }> {
  const group = await createGroup(context, 'bench view');
  const tokens = [group.adminToken];
  for (let i = 1; i < 50; i++) {
    const joined = await post(context, '/join', { invite_code: group.inviteCode, name: `member ${i}` });
    tokens.push(joined.member_token);
  }
  const items = Array.from({ length: 10 }, (_, i) => ({ text: `Wish number ${i + 1}`, url: `https://example.org/wish/${i + 1}` }));
  for (const token of tokens) {
    const response = await fetch(`${context.baseUrl}/santa/groups/${group.groupId}/wishlist`, {
      method: 'PUT',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` },
      body: JSON.stringify({ items }),
    });
    if (response.status !== 200) throw new Error(`PUT wishlist answered ${response.status}`);
  }
  await post(context, `/groups/${group.groupId}/draws`, {}, group.adminToken);
  return { groupId: group.groupId, token: tokens[1]! };
}

export const scenarios: Scenario[] = [
  {
    module: 'santa',
    name: 'draw-1000',
    summary: 'POST /santa/groups/:id/draws (redraw), cycle mode, 1,000 participants with 100 random exclusions; mean of 10 draws',
    target: '< 200 ms',
    run: (context) => timeDraws(context, 1_000, 10, 'ms'),
  },
  {
    module: 'santa',
    name: 'draw-10000',
    summary: 'POST /santa/groups/:id/draws (redraw), cycle mode, 10,000 participants with 1,000 random exclusions; mean of 3 draws',
    target: '< 3 s',
    warmup: false,
    run: (context) => timeDraws(context, 10_000, 3, 's'),
  },
  {
    module: 'santa',
    name: 'seed-parity',
    summary: "GET /santa/groups/:id/assignment with a member token at 100 connections (drawn group of 50, giftee with 10 wishes): the seed's member view",
    target: '>= 2100 req/s',
    async run(context) {
      const { groupId, token } = await drawnGroupOf50(context);
      const result = await context.autocannon({
        url: `${context.baseUrl}/santa/groups/${groupId}/assignment`,
        connections: 100,
        headers: { authorization: `Bearer ${token}` },
      });
      return httpScenarioResult(result);
    },
  },
  {
    module: 'santa',
    name: 'member-page',
    summary: 'GET /santa/g/:token (the HTML member page of a drawn group of 50) at 100 connections',
    async run(context) {
      const { token } = await drawnGroupOf50(context);
      const result = await context.autocannon({ url: `${context.baseUrl}/santa/g/${token}`, connections: 100 });
      return httpScenarioResult(result);
    },
  },
];
