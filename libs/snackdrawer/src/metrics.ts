import { Counter, SeriesHistogram, timeDbOperation, type HistogramSeries, type Metrics } from '@platform/platform';

export const AUTH_OPERATIONS = ['hash', 'verify', 'sign', 'validate'] as const;
export const DENIAL_REASONS = [
  'missing_token',
  'invalid_token',
  'expired_token',
  'bad_credentials',
  'rate_limited',
  'not_owner',
  'not_admin',
] as const;
export const FAULT_KINDS = ['web_latency', 'web_error', 'db_latency', 'db_error'] as const;

export type AuthOperation = (typeof AUTH_OPERATIONS)[number];
export type DenialReason = (typeof DENIAL_REASONS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

const AUTH_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5];

export interface SnackdrawerMetrics {
  timeAuth<T>(operation: AuthOperation, run: () => Promise<T>): Promise<T>;
  denied(reason: DenialReason): void;
  faultInjected(kind: FaultKind): void;
  timeDb<T>(operation: string, run: () => Promise<T>): Promise<T>;
}

/**
 * The module's families, every label value exported from start-up. With `recording` false
 * (SNACKDRAWER_METRICS=off, for the overhead benchmark) the families exist but nothing is observed.
 */
export function createSnackdrawerMetrics(metrics: Metrics, recording: boolean): SnackdrawerMetrics {
  const auth = new SeriesHistogram({
    name: 'snackdrawer_auth_operation_duration_seconds',
    help: 'Duration of password hashing/verification and token signing/validation',
    labelNames: ['operation'],
    buckets: AUTH_BUCKETS,
    registers: [metrics.registry],
  });
  const denials = new Counter({
    name: 'snackdrawer_authz_denied_total',
    help: 'Requests refused by authentication or authorization, by reason',
    labelNames: ['reason'],
    registers: [metrics.registry],
  });
  const faults = new Counter({
    name: 'snackdrawer_faults_injected_total',
    help: 'Injected delays and errors, by kind',
    labelNames: ['kind'],
    registers: [metrics.registry],
  });
  const authSeries = Object.fromEntries(AUTH_OPERATIONS.map((operation) => [operation, auth.series([operation])])) as Record<
    AuthOperation,
    HistogramSeries
  >;
  for (const reason of DENIAL_REASONS) denials.inc({ reason }, 0);
  for (const kind of FAULT_KINDS) faults.inc({ kind }, 0);

  if (!recording) {
    return {
      timeAuth: (_operation, run) => run(),
      denied: () => undefined,
      faultInjected: () => undefined,
      timeDb: (_operation, run) => run(),
    };
  }
  return {
    timeAuth: (operation, run) => authSeries[operation].time(run),
    denied: (reason) => denials.inc({ reason }),
    faultInjected: (kind) => faults.inc({ kind }),
    timeDb: (operation, run) => timeDbOperation(metrics, 'snackdrawer', operation, run),
  };
}
