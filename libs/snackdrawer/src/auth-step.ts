import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { AuthOperation, SnackdrawerMetrics } from './metrics';

const tracer = trace.getTracer('snackdrawer');

/**
 * One authentication step: observed in `snackdrawer_auth_operation_duration_seconds{operation}` and traced
 * as span `snackdrawer.auth.<operation>` (attributes `user.id`, `snackdrawer.outcome` set by `run`).
 */
export function authStep<T>(metrics: SnackdrawerMetrics, operation: AuthOperation, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(`snackdrawer.auth.${operation}`, (span) =>
    metrics
      .timeAuth(operation, () => run(span))
      .catch((error: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      })
      .finally(() => span.end()),
  );
}
