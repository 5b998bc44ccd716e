import type { Client } from 'autocannon';
import { httpScenarioResult } from '../http-result';
import type { Scenario, ScenarioContext } from '../scenario';

const USERS = 10;
const DRAWERS_PER_USER = 5;
const PASSWORD = 'bench password 1';

// run() is called for the warm-up and for every round: sign the users up once per gateway.
const tokensByGateway = new Map<string, Promise<string[]>>();

async function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

/** Users with five drawers each, logged in: the throughput target's population. */
async function usersWithDrawers(context: ScenarioContext): Promise<string[]> {
  const api = `${context.baseUrl}/snackdrawer`;
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const username = `bench-${Date.now().toString(36)}-${i}`;
    const created = await post(`${api}/auth/users`, { username, password: PASSWORD });
    if (created.status !== 201) throw new Error(`sign-up answered ${created.status}: ${await created.text()}`);
    const login = await post(`${api}/auth/login`, { username, password: PASSWORD });
    const { token } = (await login.json()) as { token: string };
    for (let d = 0; d < DRAWERS_PER_USER; d++) {
      const drawer = await post(`${api}/drawers`, { name: `drawer ${d}` }, token);
      if (drawer.status !== 201) throw new Error(`drawer creation answered ${drawer.status}`);
    }
    tokens.push(token);
  }
  context.log(`snackdrawer: ${USERS} users with ${DRAWERS_PER_USER} drawers each`);
  return tokens;
}

function drawersScenario(name: string, metrics: 'on' | 'off'): Scenario {
  return {
    module: 'snackdrawer',
    name,
    summary: `Authenticated GET /snackdrawer/drawers/ (users with 5 drawers), 50 connections, SNACKDRAWER_METRICS=${metrics}`,
    target: '>= 3000 req/s',
    gatewayEnv: { SNACKDRAWER_METRICS: metrics },
    async run(context) {
      let tokens = tokensByGateway.get(context.baseUrl);
      if (!tokens) {
        tokens = usersWithDrawers(context);
        tokensByGateway.set(context.baseUrl, tokens);
      }
      const issued = await tokens;
      let next = 0;
      const result = await context.autocannon({
        url: `${context.baseUrl}/snackdrawer/drawers/`,
        connections: 50,
        setupClient: (client: Client) => {
          client.setHeaders({ authorization: `Bearer ${issued[next++ % issued.length]}` });
        },
      });
      return httpScenarioResult(result);
    },
  };
}

export const scenarios: Scenario[] = [drawersScenario('drawers', 'on'), drawersScenario('drawers-metrics-off', 'off')];
