import { Counter, Histogram, type Metrics } from '@platform/platform';

export type DrawOutcomeLabel = 'ok' | 'too_few_participants' | 'draw_infeasible' | 'draw_search_exhausted' | 'already_drawn';

export interface SantaMetrics {
  draws: Counter<'mode' | 'outcome'>;
  drawDuration: Histogram<'mode'>;
  emails: Counter<'kind' | 'status'>;
}

/** Created per module instance: every app (and test app) has its own registry. */
export function createSantaMetrics(metrics: Metrics): SantaMetrics {
  const registers = [metrics.registry];
  return {
    draws: new Counter({ name: 'santa_draws_total', help: 'Draw requests by mode and outcome', labelNames: ['mode', 'outcome'], registers }),
    drawDuration: new Histogram({
      name: 'santa_draw_duration_seconds',
      help: 'Duration of successful and failed draws, database included',
      labelNames: ['mode'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 3, 10],
      registers,
    }),
    emails: new Counter({ name: 'santa_emails_total', help: 'E-mails by kind at their final status', labelNames: ['kind', 'status'], registers }),
  };
}
