import type { Job, Logger, Queues, ScheduleSpec, WorkerSpec } from '@platform/platform';
import nodemailer, { type Transporter } from 'nodemailer';
import type { SantaConfig } from './config';
import type { EmailKind } from './db';
import { html } from './html';
import type { SantaMetrics } from './metrics';
import { findOutbox, insertOutbox, markEmail, staleQueuedEmails, type Db } from './repository';

export const EMAIL_QUEUE = 'santa.email';

export interface EmailRequest {
  groupId: string;
  groupName: string;
  memberId: string;
  memberName: string;
  to: string;
  kind: EmailKind;
  /** A freshly minted member token: the only place besides a creating response where a raw one lives. */
  token: string;
}

const SUBJECTS: Record<EmailKind, (group: string) => string> = {
  invitation: (group) => `You are invited to the Secret Santa "${group}"`,
  link: (group) => `Your link to the Secret Santa "${group}"`,
  draw: (group) => `Names are drawn in the Secret Santa "${group}"`,
  change: (group) => `Your giftee changed in the Secret Santa "${group}"`,
};

const LEADS: Record<EmailKind, string> = {
  invitation: 'The organiser added you to this Secret Santa group. Open your personal link to see the group and write your wishlist.',
  link: 'Here is your personal link to this Secret Santa group. Keep it: it is your key to the group.',
  draw: 'The names have been drawn. Open your personal link to see who you give a present to.',
  change: 'The group changed after the draw and so did the person you give a present to. Open your personal link to see who it is now.',
};

/** Plain text with an escaped HTML alternative; it carries the link, never a giftee's name. */
export function composeEmail(request: EmailRequest, publicUrl: string): { subject: string; text: string; html: string } {
  const link = `${publicUrl}/santa/g/${request.token}`;
  const subject = SUBJECTS[request.kind](request.groupName);
  const lead = LEADS[request.kind];
  const text = `Hello ${request.memberName},\n\nSecret Santa group: ${request.groupName}\n\n${lead}\n\n${link}\n\nThis link is personal: anyone holding it acts as you in the group.\n`;
  const body = html`<!doctype html><html><body><p>Hello ${request.memberName},</p><p>Secret Santa group: <strong>${request.groupName}</strong></p><p>${lead}</p><p><a href="${link}">${link}</a></p><p>This link is personal: anyone holding it acts as you in the group.</p></body></html>`;
  return { subject, text, html: body.value };
}

export interface Emails {
  /** Writes outbox rows inside the caller's transaction; returns their ids for `dispatch` after commit. */
  enqueue(trx: Db, requests: EmailRequest[]): Promise<number[]>;
  dispatch(ids: number[]): Promise<void>;
  worker: WorkerSpec<{ id?: number }>;
  schedule: ScheduleSpec;
  close(): void;
}

export function createEmails(options: { db: Db; config: SantaConfig; queues: Queues; metrics: SantaMetrics; logger: Logger }): Emails {
  const { db, config, queues, metrics, logger } = options;
  const transport: Transporter | undefined = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : undefined;
  const jobOptions = (id: number) => ({
    jobId: `outbox-${id}`,
    attempts: config.SANTA_EMAIL_ATTEMPTS,
    backoff: { type: 'exponential' as const, delay: config.SANTA_EMAIL_BACKOFF_MS },
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600 },
  });
  const dispatch = async (ids: number[]) => {
    if (!ids.length) return;
    await queues.queue(EMAIL_QUEUE).addBulk(ids.map((id) => ({ name: 'send', data: { id }, opts: jobOptions(id) })));
  };

  const send = async (id: number) => {
    const row = await findOutbox(db, id);
    if (!row || row.status !== 'queued' || !row.body) return;
    if (!transport) {
      await markEmail(db, id, { status: 'not_sent', last_error: 'no SMTP configured' });
      metrics.emails.inc({ kind: row.kind, status: 'not_sent' });
      return;
    }
    try {
      await transport.sendMail({ from: config.mailFrom, to: row.to_address, subject: row.body.subject, text: row.body.text, html: row.body.html });
    } catch (error) {
      const attempts = row.attempts + 1;
      const message = error instanceof Error ? error.message : String(error);
      if (attempts >= config.SANTA_EMAIL_ATTEMPTS) {
        await markEmail(db, id, { status: 'failed', attempts, last_error: message });
        metrics.emails.inc({ kind: row.kind, status: 'failed' });
        logger.warn({ outboxId: id, attempts }, 'santa e-mail failed for good');
        return;
      }
      await markEmail(db, id, { attempts, last_error: message });
      throw error;
    }
    await markEmail(db, id, { status: 'sent', attempts: row.attempts + 1, last_error: null, sent: true });
    metrics.emails.inc({ kind: row.kind, status: 'sent' });
  };

  return {
    async enqueue(trx, requests) {
      return insertOutbox(
        trx,
        requests.map((request) => ({
          group_id: request.groupId,
          member_id: request.memberId,
          kind: request.kind,
          to_address: request.to,
          body: composeEmail(request, config.publicUrl),
        })),
      );
    },
    dispatch,
    worker: {
      queue: EMAIL_QUEUE,
      concurrency: 4,
      processor: async (job: Job<{ id?: number }>) => {
        if (job.name === 'requeue') return dispatch(await staleQueuedEmails(db));
        if (typeof job.data.id === 'number') await send(job.data.id);
      },
    },
    schedule: { queue: EMAIL_QUEUE, id: 'santa.email.requeue', everyMs: 30_000, jobName: 'requeue' },
    close: () => transport?.close(),
  };
}
