import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, with attributes flattened and its scope and resource beside it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  scope: string;
  /** The resource's `service.name`. */
  service: string;
  resource: Record<string, unknown>;
  status?: { code?: number };
  attributes: Record<string, unknown>;
  events?: { name: string }[];
  links?: { traceId: string; spanId: string }[];
}

export interface OtlpReceiver {
  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter posts to `<url>/v1/traces`). */
  url: string;
  /** Every span received so far, in arrival order. */
  spans: ReceivedSpan[];
  close(): Promise<void>;
}

type KeyValue = { key: string; value: Record<string, unknown> };

const flatten = (attributes: KeyValue[] = []) => Object.fromEntries(attributes.map((a) => [a.key, Object.values(a.value)[0]]));

/**
 * A trace collector for tests: an HTTP server on loopback that accepts OTLP/HTTP JSON exports (start the traced
 * process with OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and keeps every span in memory.
 */
export function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url !== '/v1/traces' || !req.headers['content-type']?.startsWith('application/json')) {
        res.writeHead(415, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: any[] };
      for (const resourceSpans of body.resourceSpans) {
        const resource = flatten(resourceSpans.resource.attributes);
        const service = resource['service.name'] as string;
        for (const scopeSpans of resourceSpans.scopeSpans) {
          for (const span of scopeSpans.spans) spans.push({ ...span, scope: scopeSpans.scope.name, attributes: flatten(span.attributes), service, resource });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  );
}
