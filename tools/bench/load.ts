import autocannon, { type Instance, type Options, type Result } from 'autocannon';

export interface LoadDefaults {
  /** One per API process; a call's connections are spread over all of them. */
  baseUrls: string[];
  connections: number;
  durationSeconds: number;
}

export interface LoadRunner {
  run(options: Partial<Options>): Promise<Result>;
  /** The most connections that were open at once (overlapping calls add up): the baseline uses as many. */
  peakConnections(): number;
  /** Responses received over every call so far. */
  completedRequests(): number;
}

const running = new Set<Instance>();

/** Stops every autocannon run in progress (Ctrl-C). */
export function stopAllLoad(): void {
  for (const instance of running) instance.stop();
}

export function createLoadRunner(defaults: LoadDefaults): LoadRunner {
  let open = 0;
  let peak = 0;
  let completed = 0;
  return {
    async run(options) {
      const connections = options.connections ?? defaults.connections;
      const url = spreadOverProcesses(options.url, defaults.baseUrls);
      open += connections;
      peak = Math.max(peak, open);
      try {
        const result = await runAutocannon({ duration: defaults.durationSeconds, ...options, connections, url: url as unknown as string });
        completed += result.requests.total;
        return result;
      } finally {
        open -= connections;
      }
    },
    peakConnections: () => peak || defaults.connections,
    completedRequests: () => completed,
  };
}

/** `http://<first gateway>/path` becomes the same path on every gateway process. */
function spreadOverProcesses(url: string | undefined, baseUrls: string[]): string | string[] {
  const first = baseUrls[0] as string;
  if (url === undefined) return baseUrls.length === 1 ? first : baseUrls;
  if (baseUrls.length === 1 || !url.startsWith(first)) return url;
  const rest = url.slice(first.length);
  return baseUrls.map((base) => base + rest);
}

function runAutocannon(options: Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => {
      running.delete(instance);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(result);
    });
    running.add(instance);
  });
}
