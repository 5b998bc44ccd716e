/**
 * OpenTelemetry tracing, started before Express, pg and ioredis are evaluated (main.ts imports this first).
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then spans go over OTLP/HTTP to `<endpoint>/v1/traces`.
 */
import { createRequire } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

const PATCHED_PACKAGES = ['express', 'pg', 'ioredis'];

if (endpoint) {
  const require = createRequire(import.meta.url);
  const instrumentations = [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/metrics' || req.url === '/healthz' }),
    new ExpressInstrumentation(),
    new PgInstrumentation(),
    new IORedisInstrumentation(),
  ];
  // Run from source (tsx), this file is evaluated before those packages; in the esbuild bundle their
  // (external) imports are hoisted above it, so they are loaded already and must be patched in place.
  const loadedEarly = new Set(PATCHED_PACKAGES.filter((name) => require.cache[require.resolve(name)] !== undefined));
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME || 'platform-gateway' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }), scheduledDelayMillis: 500 })],
    instrumentations,
  });
  sdk.start();
  // ESM imports of CommonJS packages bypass require hooks: requiring them here first lets the
  // instrumentations patch the shared module objects that the later `import`s receive from the cache.
  for (const name of ['http', 'https', ...PATCHED_PACKAGES.filter((name) => !loadedEarly.has(name))]) require(name);
  for (const instrumentation of instrumentations) {
    for (const definition of instrumentation.getModuleDefinitions()) {
      if (!loadedEarly.has(definition.name)) continue;
      const version = (require(`${definition.name}/package.json`) as { version: string }).version;
      definition.patch?.(require(definition.name), version);
    }
  }
  const shutdown = () => void sdk.shutdown().catch(() => undefined);
  process.once('beforeExit', shutdown);
}
