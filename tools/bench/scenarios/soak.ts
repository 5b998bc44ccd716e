import type { Request, Result } from 'autocannon';
import { latencyOf } from '../http-result';
import type { Scenario, ScenarioContext } from '../scenario';

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const WINDOWS = 10;

const json = { 'content-type': 'application/json' };

/** One request of each module's hot path, cycled by every connection. */
function mixedRequests(): Request[] {
  let n = 0;
  return [
    { method: 'GET', path: '/healthz' },
    {
      method: 'POST',
      path: '/eye/events',
      headers: json,
      setupRequest: (request: Request) => ({
        ...request,
        body: JSON.stringify({ session_id: `soak-${n % 1000}`, category: 'soak', name: 'tick', data: { n: n++ }, timestamp: new Date().toISOString() }),
      }),
    },
    {
      method: 'POST',
      path: '/messy/messages',
      headers: json,
      setupRequest: (request: Request) => ({
        ...request,
        body: JSON.stringify({ username: `soaker${n % 100}`, city: 'Albany', state: 'NY', message: `soak ${n++}` }),
      }),
    },
    { method: 'GET', path: '/eventpost/events?limit=10' },
    { method: 'GET', path: '/snackdrawer/snacks?limit=10' },
    { method: 'GET', path: '/messy/stats' },
  ];
}

async function gatewayRssMiB(context: ScenarioContext): Promise<number> {
  const text = await (await fetch(`${context.baseUrl}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
}

export const scenarios: Scenario[] = [
  {
    module: 'soak',
    name: 'mixed-10min',
    summary: `${SOAK_SECONDS} s of mixed load over every module (eye and messy writes, eventpost, snackdrawer and messy reads, /healthz) in ${WINDOWS} windows; RSS from the gateway's own /metrics`,
    target: 'RSS growth <= 10% from the first window to the last',
    gatewayEnv: { EYE_ACCEPT_UNKNOWN: 'true' },
    warmup: false,
    async run(context) {
      const windows: { rps: number; rssMiB: number; result: Result }[] = [];
      for (let i = 0; i < WINDOWS; i++) {
        const result = await context.autocannon({ requests: mixedRequests(), duration: SOAK_SECONDS / WINDOWS });
        windows.push({ rps: Math.round(result.requests.average), rssMiB: Math.round(await gatewayRssMiB(context)), result });
        context.log(`soak window ${i + 1}/${WINDOWS}: ${windows.at(-1)!.rps} req/s, RSS ${windows.at(-1)!.rssMiB} MiB`);
      }
      const first = windows[0]!;
      const last = windows.at(-1)!;
      const errors = windows.reduce((sum, w) => sum + w.result.errors + w.result.non2xx, 0);
      const total = windows.reduce((sum, w) => sum + w.result.requests.total, 0);
      return {
        figure: Math.round(total / SOAK_SECONDS),
        unit: 'req/s',
        latency: latencyOf(last.result),
        errors,
        extra: {
          throughputPerWindow: windows.map((w) => w.rps).join(' '),
          rssPerWindowMiB: windows.map((w) => w.rssMiB).join(' '),
          rssGrowthPercent: Math.round(((last.rssMiB - first.rssMiB) / first.rssMiB) * 1000) / 10,
        },
      };
    },
  },
];
