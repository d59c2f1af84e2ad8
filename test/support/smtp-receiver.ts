/**
 * A real SMTP server (`smtp-server`) on 127.0.0.1 (free port, no TLS, no auth needed) that
 * parses every message with `mailparser`, for tests of the email notifier over real SMTP.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** SMTP envelope: MAIL FROM and RCPT TO addresses. */
  envelope: { from: string | undefined; to: string[] };
  /** The message as parsed by mailparser (subject, text, html, headers...). */
  parsed: ParsedMail;
  /** The raw RFC 822 message. */
  raw: Buffer;
}

export interface SmtpReceiver {
  /** `smtp://127.0.0.1:<port>`: what `LEADSCORE_SMTP_URL` takes. */
  readonly url: string;
  /** Messages accepted, in order. */
  readonly messages: ReceivedMail[];
  /** Reject the next `times` messages with a 451 (temporary failure) at the end of DATA. */
  rejectNext(times: number): void;
  /** Resolves when at least `count` messages arrived, or rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

const addressOf = (address: { address: string } | false | undefined) =>
  address ? address.address : undefined;

/** Starts a receiver on a free port; `close()` it when done. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  let rejections = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (rejections > 0) {
          rejections--;
          const error = Object.assign(new Error('Try again later'), { responseCode: 451 });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              envelope: {
                from: addressOf(session.envelope.mailFrom),
                to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              },
              parsed,
              raw,
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    rejectNext(times) {
      rejections = times;
    },
    async waitForMessages(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`Expected ${count} message(s), got ${messages.length}`);
        await new Promise((done) => setTimeout(done, 20));
      }
      return messages;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
