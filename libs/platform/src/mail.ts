import { sql, type Kysely } from 'kysely';
import type { Migration } from './migrations';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Queues, ScheduleSpec, WorkerSpec } from './queue';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export type OutboxStatus = 'pending' | 'sent' | 'held_no_smtp';

export interface MailOutboxTable {
  id: number;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export const MAIL_QUEUE = 'platform.mail';
const OUTBOX = 'platform.mail_outbox';

export const mailMigrations: Record<string, Migration> = {
  '0001_mail_outbox': {
    async up(db) {
      await db.schema
        .createTable('mail_outbox')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('html_body', 'text')
        .addColumn('status', 'text', (c) =>
          c.notNull().defaultTo('pending').check(sql`status IN ('pending', 'sent', 'held_no_smtp')`),
        )
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('sent_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('mail_outbox_pending').on('mail_outbox').column('created_at').where(sql.ref('status'), '=', 'pending').execute();
    },
  },
};

export interface Mailer {
  /** Whether SMTP is configured; without it mail stays in the outbox as `held_no_smtp`. */
  readonly enabled: boolean;
  /**
   * Writes the message to the outbox with `executor` — pass the caller's transaction so the mail
   * commits (or not) with the change that caused it — and returns its outbox id.
   */
  enqueue(executor: Kysely<any>, message: MailMessage): Promise<number>;
  /** After commit: hands the outbox rows to the mail queue (idempotent per id). */
  dispatch(ids: number[]): Promise<void>;
  /** Sends directly over SMTP, bypassing the outbox. */
  send(message: MailMessage): Promise<void>;
  worker: WorkerSpec<{ id: number }>;
  schedules: ScheduleSpec[];
  close(): void;
}

export function createMailer(options: {
  smtpUrl: string | undefined;
  from: string;
  db: Kysely<any>;
  queues: Queues;
  logger: Logger;
}): Mailer {
  const { smtpUrl, from, db, queues, logger } = options;
  const transport: Transporter | undefined = smtpUrl ? nodemailer.createTransport(smtpUrl) : undefined;
  const send = async (message: MailMessage) => {
    if (!transport) throw new Error('SMTP_URL is not configured');
    await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html });
  };
  const dispatch = async (ids: number[]) => {
    if (!ids.length) return;
    await queues.queue(MAIL_QUEUE).addBulk(ids.map((id) => ({ name: 'send', data: { id }, opts: { jobId: `mail-${id}` } })));
  };

  return {
    enabled: transport !== undefined,
    send,
    dispatch,
    async enqueue(executor, message) {
      const row = await executor
        .insertInto(OUTBOX)
        .values({ recipient: message.to, subject: message.subject, text_body: message.text, html_body: message.html ?? null })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id as number;
    },
    worker: {
      queue: MAIL_QUEUE,
      concurrency: 4,
      processor: async (job) => {
        if (job.name === 'redispatch') return redispatchStale(db, dispatch);
        const row = await db.selectFrom(OUTBOX).selectAll().where('id', '=', job.data.id).executeTakeFirst();
        if (!row || row.status === 'sent') return; // at-least-once delivery of the job; the mail goes once
        if (!transport) {
          await db.updateTable(OUTBOX).set({ status: 'held_no_smtp' }).where('id', '=', row.id).execute();
          logger.warn({ outboxId: row.id }, 'mail held in the outbox: SMTP_URL is not configured');
          return;
        }
        try {
          await send({ to: row.recipient, subject: row.subject, text: row.text_body, html: row.html_body ?? undefined });
        } catch (error) {
          await db
            .updateTable(OUTBOX)
            .set({ attempts: sql`attempts + 1`, last_error: String((error as Error).message ?? error) })
            .where('id', '=', row.id)
            .execute();
          throw error;
        }
        await db
          .updateTable(OUTBOX)
          .set({ status: 'sent', sent_at: sql`now()`, attempts: sql`attempts + 1`, last_error: null })
          .where('id', '=', row.id)
          .execute();
      },
    },
    schedules: [{ queue: MAIL_QUEUE, id: 'platform.mail.redispatch', everyMs: 60_000, jobName: 'redispatch' }],
    close: () => transport?.close(),
  };
}

/** Rows committed but never handed to the queue (the process died in between) are picked up here. */
async function redispatchStale(db: Kysely<any>, dispatch: (ids: number[]) => Promise<void>): Promise<void> {
  const stale = await db
    .selectFrom(OUTBOX)
    .select('id')
    .where('status', '=', 'pending')
    .where('created_at', '<', sql<Date>`now() - interval '1 minute'`)
    .orderBy('id')
    .limit(1000)
    .execute();
  await dispatch(stale.map((row) => row.id as number));
}
