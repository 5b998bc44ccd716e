import { connect } from 'node:net';

/** Bytes to write, or a pause between writes (a slow client). */
export type RawStep = Buffer | { pauseMs: number };

export interface RawExchange {
  steps: RawStep[];
  /** The method of each request in `steps`, in order: as many responses are due (HEAD ones carry no body). */
  methods: string[];
  /** After the last step: `half-close` sends FIN and keeps reading, `wait` keeps the connection open. */
  after: 'half-close' | 'wait';
  /** How long to wait for the responses due before giving up. */
  timeoutMs: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawOutcome {
  responses: RawResponse[];
  /** The server ended or reset the connection before we did. */
  closedByServer: boolean;
  timedOut: boolean;
}

/** Sends `steps` as-is over one TCP connection and parses every HTTP/1.x response that comes back. */
export function exchange(port: number, spec: RawExchange): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const responses: RawResponse[] = [];
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (closedByServer: boolean, timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (closedByServer) parse(true);
      socket.destroy();
      resolve({ responses, closedByServer, timedOut });
    };
    const timer = setTimeout(() => finish(false, true), spec.timeoutMs);
    const parse = (atEnd: boolean) => {
      for (;;) {
        const parsed = parseResponse(received, spec.methods[responses.length] ?? 'GET', atEnd);
        if (!parsed) return;
        received = received.subarray(parsed.consumed);
        if (parsed.response.status >= 100 && parsed.response.status < 200) continue;
        responses.push(parsed.response);
        if (responses.length >= spec.methods.length) return finish(false, false);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      parse(false);
    });
    socket.on('end', () => finish(true, false));
    socket.on('error', () => finish(true, false));
    socket.on('close', () => finish(true, false));
    socket.once('connect', async () => {
      for (const step of spec.steps) {
        if (settled) return;
        if (Buffer.isBuffer(step)) socket.write(step);
        else await new Promise((r) => setTimeout(r, step.pauseMs));
      }
      if (spec.after === 'half-close' && !settled) socket.end();
    });
  });
}

function parseResponse(buffer: Buffer, method: string, atEnd: boolean): { response: RawResponse; consumed: number } | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const [statusLine = '', ...lines] = buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const start = headEnd + 4;
  const bodyless = method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
  if (bodyless) return { response: { status, headers, body: Buffer.alloc(0) }, consumed: start };
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const chunks: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd === -1) return undefined;
      const size = parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        const trailerEnd = buffer.indexOf('\r\n\r\n', lineEnd);
        if (trailerEnd === -1) return undefined;
        return { response: { status, headers, body: Buffer.concat(chunks) }, consumed: trailerEnd + 4 };
      }
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  if (headers['content-length'] !== undefined) {
    const end = start + Number(headers['content-length']);
    if (buffer.length < end) return undefined;
    return { response: { status, headers, body: buffer.subarray(start, end) }, consumed: end };
  }
  // Neither length nor chunks: the body runs to the end of the connection.
  return atEnd ? { response: { status, headers, body: buffer.subarray(start) }, consumed: buffer.length } : undefined;
}
