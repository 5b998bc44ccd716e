/**
 * A bounded flood of durable writes against eye and messy: it records which writes got a 2xx (and so must
 * never be lost) and how every other write was answered.
 */
export interface FloodResult {
  accepted: { eye: string[]; messy: string[] };
  /** Non-2xx answers: status and Retry-After, or 0 for a connection that failed. */
  refused: { status: number; retryAfter: string | null }[];
}

let sequence = 0;

function eyeEvent() {
  return { session_id: `flood-${sequence}`, category: 'flood', name: 'tick', data: { n: sequence++ }, timestamp: new Date().toISOString() };
}

function messyMessage() {
  return { username: 'flooder', city: 'Albany', state: 'NY', message: `flood ${sequence++}` };
}

export function startWriteFlood(baseUrl: () => string, options: { connections?: number } = {}) {
  const result: FloodResult = { accepted: { eye: [], messy: [] }, refused: [] };
  let running = true;
  const worker = async (index: number) => {
    while (running) {
      const eye = index % 2 === 0;
      const answer = await fetch(`${baseUrl()}${eye ? '/eye/events' : '/messy/messages'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(eye ? eyeEvent() : messyMessage()),
      }).then(
        async (response) => ({ status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json().catch(() => null) }),
        () => ({ status: 0, retryAfter: null, body: null }),
      );
      if (answer.status >= 200 && answer.status < 300) result.accepted[eye ? 'eye' : 'messy'].push(answer.body.id);
      else {
        result.refused.push({ status: answer.status, retryAfter: answer.retryAfter });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const workers = Array.from({ length: options.connections ?? 8 }, (_, i) => worker(i));
  return {
    result,
    async stop(): Promise<FloodResult> {
      running = false;
      await Promise.all(workers);
      return result;
    },
  };
}

export const FLOOD_MODULE_ENV = { EYE_ACCEPT_UNKNOWN: 'true' };
