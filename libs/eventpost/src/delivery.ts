import { DelayedError, type Job, type Queue } from 'bullmq';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger, Queues } from '@platform/platform';
import type { ResponseCache } from './cache';
import type { EventpostConfig } from './config';
import type { NotificationRow } from './db';
import type { EventpostMetrics } from './metrics';
import type { EventpostRepository } from './repository';
import { formatInstantSeconds } from './time';

export const NOTIFICATION_QUEUE = 'eventpost.notifications';
const RECONCILE_JOB = 'reconcile';
const STUCK_SENDING_SECONDS = 300;
const RECONCILE_BATCH = 1000;
const QUIET_SECONDS = 60;
export const NO_SMTP_ERROR = 'not_sent: no SMTP configured';

interface SendJob {
  id: string;
  seq: number;
}

type Scheduled = Pick<NotificationRow, 'id' | 'schedule_seq' | 'scheduled_time'>;

export function deliveryJobId(id: string, seq: number): string {
  return `${id}-${seq}`;
}

/** SMTP replies 4xx, connection errors and timeouts are worth retrying; a 5xx reply is final. */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function smtpErrorText(error: unknown): string {
  const { response, message, code } = (error ?? {}) as { response?: unknown; message?: unknown; code?: unknown };
  if (typeof response === 'string' && response) return response;
  const text = typeof message === 'string' && message ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/**
 * One BullMQ delayed job per scheduled notification (`<id>-<schedule_seq>`): the worker sends only
 * while the row is still `scheduled` under that same schedule, so a rescheduled, deleted or already
 * sent notification never produces a second e-mail.
 */
export class Delivery {
  private readonly transport: Transporter | undefined;

  constructor(
    private readonly queues: Queues,
    private readonly repository: EventpostRepository,
    private readonly cache: ResponseCache,
    private readonly config: EventpostConfig,
    private readonly metrics: EventpostMetrics,
    private readonly logger: Logger,
  ) {
    this.transport = config.smtpUrl
      ? nodemailer.createTransport({ url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as never)
      : undefined;
  }

  private get queue(): Queue<SendJob> {
    return this.queues.queue<SendJob>(NOTIFICATION_QUEUE);
  }

  /** After commit. A failure here is repaired by the reconciler, so the write still succeeds. */
  async schedule(rows: Scheduled[]): Promise<void> {
    if (!rows.length) return;
    try {
      await this.queue.addBulk(
        rows.map((row) => ({
          name: 'send',
          data: { id: row.id, seq: row.schedule_seq },
          opts: {
            jobId: deliveryJobId(row.id, row.schedule_seq),
            delay: Math.max(0, row.scheduled_time.getTime() - Date.now()),
            attempts: this.config.sendAttempts,
            backoff: { type: 'exponential', delay: this.config.sendBackoffMs },
            removeOnComplete: { age: 3_600, count: 10_000 },
            removeOnFail: { age: 7 * 24 * 3_600 },
          },
        })),
      );
    } catch (error) {
      this.logger.warn({ err: error, count: rows.length }, 'eventpost: could not enqueue deliveries; the reconciler will');
    }
  }

  /** Best effort: the worker's guard already makes a cancelled job send nothing. */
  async cancel(id: string, seq: number): Promise<void> {
    await this.queue.remove(deliveryJobId(id, seq)).catch(() => undefined);
  }

  readonly processor = async (job: Job, token?: string): Promise<void> => {
    if (job.name === RECONCILE_JOB) return this.reconcile();
    await this.deliver(job as Job<SendJob>, token);
  };

  private async deliver(job: Job<SendJob>, token: string | undefined): Promise<void> {
    const { id, seq } = job.data;
    const current = await this.repository.findNotification(id);
    if (!current || current.status !== 'scheduled' || current.schedule_seq !== seq) return;
    const early = current.scheduled_time.getTime() - Date.now();
    if (early > 0) {
      await job.moveToDelayed(Date.now() + early, token);
      throw new DelayedError();
    }
    const row = await this.repository.claimForSending(id, seq);
    if (!row) return;
    await this.invalidate(id);
    if (!this.transport) {
      await this.finish(row, { status: 'failed', error: NO_SMTP_ERROR, countsAttempt: false });
      return;
    }
    try {
      await this.transport.sendMail(await this.message(row));
    } catch (error) {
      const text = smtpErrorText(error);
      const final = isPermanentSmtpFailure(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await this.finish(row, { status: final ? 'failed' : 'scheduled', error: text, countsAttempt: true });
      if (final) return;
      throw new Error(`SMTP attempt failed: ${text}`, { cause: error });
    }
    await this.finish(row, { status: 'sent', error: null, countsAttempt: true });
  }

  private async finish(
    row: NotificationRow,
    outcome: { status: 'sent' | 'failed' | 'scheduled'; error: string | null; countsAttempt: boolean },
  ): Promise<void> {
    const updated = await this.repository.recordAttempt(row.id, row.schedule_seq, outcome);
    if (updated && outcome.status !== 'scheduled') this.metrics.notifications.inc({ status: outcome.status });
    await this.invalidate(row.id);
  }

  private invalidate(id: string): Promise<void> {
    return this.cache.invalidate([`nt:${id}`, 'nt']);
  }

  private async message(row: NotificationRow) {
    let text = row.content;
    if (row.event_id) {
      const event = await this.repository.eventSummary(row.event_id);
      if (event) {
        text += `\n\n--\n${event.title}\nStarts: ${formatInstantSeconds(event.starts_at)}\n${this.config.publicUrl}/eventpost/events/${event.id}.ics\n`;
      }
    }
    return {
      from: this.config.mailFrom,
      to: row.to_mail,
      envelope: { from: envelopeAddress(this.config.mailFrom), to: row.to_mail },
      subject: row.subject,
      text,
      textEncoding: 'quoted-printable' as const,
      headers: { 'X-EventPost-Notification-Id': row.id },
    };
  }

  /** Re-enqueues scheduled rows without a live job, releases rows stuck in `sending`, purges old keys. */
  async reconcile(): Promise<void> {
    const released = await this.repository.releaseStuckSending(STUCK_SENDING_SECONDS);
    for (const row of released) await this.invalidate(row.id);
    const missing: Scheduled[] = [...released];
    await this.schedule(missing);
    for (let page = await this.repository.scheduledRows(RECONCILE_BATCH, QUIET_SECONDS); page.length; ) {
      const lost: Scheduled[] = [];
      for (const row of page) if (await this.lacksLiveJob(row)) lost.push(row);
      await this.schedule(lost);
      const last = page[page.length - 1]!;
      page = page.length < RECONCILE_BATCH ? [] : await this.repository.scheduledRows(RECONCILE_BATCH, QUIET_SECONDS, { at: last.scheduled_time, id: last.id });
    }
    await this.repository.purgeIdempotencyKeys();
  }

  /** A finished job for a row still `scheduled` under it is removed, so that adding it again takes effect. */
  private async lacksLiveJob(row: Scheduled): Promise<boolean> {
    const job = await this.queue.getJob(deliveryJobId(row.id, row.schedule_seq));
    if (!job) return true;
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return false;
    await job.remove().catch(() => undefined);
    return true;
  }

  readonly reconcileSchedule = { queue: NOTIFICATION_QUEUE, id: 'eventpost.reconcile', everyMs: 60_000, jobName: RECONCILE_JOB };

  close(): void {
    this.transport?.close();
  }
}

/** `Platform <no-reply@localhost>` → `no-reply@localhost`. */
function envelopeAddress(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}
