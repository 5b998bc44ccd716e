/**
 * The gateway's preload, evaluated before the application: `node --import ./dist/gateway/instrument.js
 * dist/gateway/main.js`. Tracing is on when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER names an exporter, unless OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none. Off, nothing else is loaded: the SDK sits in a chunk of its own.
 */
import { env } from 'node:process';
import { isMainThread } from 'node:worker_threads';

const exporters = env.OTEL_TRACES_EXPORTER?.trim();
const requested = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || exporters);
const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || exporters === 'none';

// Worker threads inherit --import; the SDK and the loader hook belong to the main thread only.
if (requested && !disabled && isMainThread) {
  const { startTracing } = await import('./tracing');
  await startTracing();
}
