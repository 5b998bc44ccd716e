import { createGenerator, seededRandom, type GeneratedMessage } from './generator';

export interface FloodOptions {
  baseUrl: string;
  seed: number;
  /** Messages to send at least. */
  total: number;
  concurrency: number;
  messagesPerSecond: number;
  /** The flood goes on past `total` until this says it may stop (e.g. enough workers were killed). */
  mayStop(): boolean;
}

export interface FloodResult {
  /** Every id a 202 answered, with the message it stands for. */
  accepted: Map<string, GeneratedMessage>;
  resends: number;
  /** Resends whose 202 named other ids than the first: each one is a duplicate stored. */
  resendMismatches: number;
  retries: number;
  failures: string[];
}

export interface WriteRequest {
  key: string;
  messages: GeneratedMessage[];
  batch: boolean;
  firstIds?: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Floods POST /messy/messages and the batch endpoint from a seeded generator. Every request carries an
 * Idempotency-Key; 503s, 409s and connection errors are retried with the same key; 1% of requests
 * are deliberately sent again later with the same key.
 */
export async function flood(options: FloodOptions): Promise<FloodResult> {
  const random = seededRandom(options.seed ^ 0x5eed);
  const next = createGenerator(options.seed);
  const result: FloodResult = { accepted: new Map(), resends: 0, resendMismatches: 0, retries: 0, failures: [] };
  const resendQueue: WriteRequest[] = [];
  const started = Date.now();
  let sent = 0;
  let requests = 0;

  const nextRequest = (): WriteRequest | undefined => {
    if (resendQueue.length > 0 && random() < 0.5) return resendQueue.shift();
    if (sent >= options.total && options.mayStop()) return resendQueue.shift();
    const batch = random() < 0.3;
    const messages = Array.from({ length: batch ? 2 + Math.floor(random() * 19) : 1 }, next);
    sent += messages.length;
    return { key: `chaos-${options.seed}-${requests++}`, messages, batch };
  };

  const send = (request: WriteRequest) => postWrite(options.baseUrl, request, random, result);

  const client = async () => {
    for (let request = nextRequest(); request; request = nextRequest()) {
      const due = started + (sent / options.messagesPerSecond) * 1_000;
      if (due > Date.now()) await sleep(due - Date.now());
      const ids = await send(request);
      if (!ids) continue;
      if (request.firstIds) {
        result.resends++;
        if (ids.join() !== request.firstIds.join()) result.resendMismatches++;
        continue;
      }
      ids.forEach((id, index) => result.accepted.set(id, request.messages[index]!));
      if (random() < 0.01) resendQueue.push({ ...request, firstIds: ids });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return result;
}

/** Sends one write with its Idempotency-Key, retrying 503s, 409s and connection errors with the same key. */
export async function postWrite(
  baseUrl: string,
  request: WriteRequest,
  random: () => number,
  result: Pick<FloodResult, 'retries' | 'failures'>,
): Promise<string[] | undefined> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/messy/messages${request.batch ? '/batch' : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': request.key },
        body: JSON.stringify(request.batch ? { messages: request.messages } : request.messages[0]),
      });
      if (response.status === 202) {
        const body = (await response.json()) as { id?: string; ids?: string[] };
        return body.ids ?? [body.id!];
      }
      await response.arrayBuffer();
      if (response.status !== 503 && response.status !== 409) {
        result.failures.push(`${request.key}: HTTP ${response.status}`);
        return undefined;
      }
    } catch {
      // a dropped connection: the same key makes the retry safe
    }
    if (Date.now() > deadline) {
      result.failures.push(`${request.key}: gave up retrying`);
      return undefined;
    }
    result.retries++;
    await sleep(50 + random() * 200);
  }
}
