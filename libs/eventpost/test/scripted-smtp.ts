import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ScriptedSmtp {
  url: string;
  messages: ParsedMail[];
  /** RCPT TO attempts per recipient, accepted or not. */
  attempts: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A real SMTP server whose answer to RCPT TO is decided per recipient and attempt number:
 * `reply` returns `[code, text]` to refuse, or undefined to accept.
 */
export async function startScriptedSmtp(reply: (recipient: string, attempt: number) => [number, string] | undefined): Promise<ScriptedSmtp> {
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
      const refusal = reply(recipient, attempt);
      if (!refusal) return callback();
      const error = Object.assign(new Error(refusal[1]), { responseCode: refusal[0] });
      callback(error);
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
