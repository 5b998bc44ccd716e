import { httpScenarioResult } from '../http-result';
import type { Scenario } from '../scenario';

export const scenarios: Scenario[] = [
  {
    module: 'platform',
    name: 'healthz',
    summary: 'GET /healthz: the whole middleware chain (request id, request log, metrics) and a tiny JSON answer',
    async run(context) {
      return httpScenarioResult(await context.autocannon({ url: `${context.baseUrl}/healthz` }));
    },
  },
  {
    module: 'platform',
    name: 'module-404',
    summary: "GET /santa/no-such-path: a miss in a module's router, the JSON 404 and its warn log line",
    async run(context) {
      const result = await context.autocannon({ url: `${context.baseUrl}/santa/no-such-path` });
      return httpScenarioResult(result, { expectStatus: (status) => status === 404 });
    },
  },
];
