import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './wait';

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL`. */
  url: string;
  messages: ParsedMail[];
  /** RCPT TO attempts per recipient (lower-cased), accepted or refused. */
  attempts: Map<string, number>;
  /** Resolves with the first message (already received or arriving) that matches. */
  waitForMessage(match: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Decides RCPT TO per recipient and attempt number: `[code, text]` refuses it, undefined accepts it. */
  refuseRecipient?: (recipient: string, attempt: number) => [number, string] | undefined;
}

/** A real SMTP server on a free local port that keeps every message it receives, parsed. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const attempts = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const recipient = address.address.toLowerCase();
      const attempt = (attempts.get(recipient) ?? 0) + 1;
      attempts.set(recipient, attempt);
      const refusal = options.refuseRecipient?.(recipient, attempt);
      if (!refusal) return callback();
      callback(Object.assign(new Error(refusal[1]), { responseCode: refusal[0] }));
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    attempts,
    waitForMessage: (match, timeoutMs = 10_000) =>
      waitFor(() => messages.find(match), { timeoutMs, what: 'an e-mail matching the predicate' }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
