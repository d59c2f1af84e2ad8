import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { EmailMessage } from './email.ts';
import { isLocalRun, type NotifierEnv } from './env.ts';

/** Sends a notification email: SES v2 deployed, SMTP locally. */
export interface EmailTransport {
  /** Which transport this is, for logs. */
  readonly kind: 'ses' | 'smtp';
  /** Resolves once the server accepted the message; throws otherwise. */
  send(email: EmailMessage, messageId: string): Promise<void>;
}

/**
 * SES v2 `SendEmail` with Simple content (text + HTML, UTF-8). SES assigns its own
 * Message-ID to Simple content; the SDK retries throttling and 5xx itself.
 */
export function sesTransport(client: SESv2Client): EmailTransport {
  return {
    kind: 'ses',
    async send(email) {
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: email.from,
          Destination: { ToAddresses: email.to },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: email.text, Charset: 'UTF-8' },
                Html: { Data: email.html, Charset: 'UTF-8' },
              },
            },
          },
        }),
      );
    },
  };
}

/**
 * SMTP through nodemailer (`LEADSCORE_SMTP_URL`, e.g. `smtp://127.0.0.1:1025`), for local
 * runs against a mail catcher. Recipients the server rejects make the send fail.
 */
export function smtpTransport(url: string): EmailTransport {
  // Loaded on first use: only local runs send SMTP, so deployed bundles leave nodemailer out.
  const transporter = import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(url));
  return {
    kind: 'smtp',
    async send(email, messageId) {
      const info = await (await transporter).sendMail({ ...email, messageId });
      if (info.rejected.length > 0) {
        throw new Error(`SMTP server rejected ${info.rejected.length} recipient(s)`);
      }
    },
  };
}

/**
 * The transport for this environment: SMTP when `LEADSCORE_SMTP_URL` is set; none in other
 * local runs (the outbox is the only target); SES v2 deployed, with a client built once.
 */
export function emailTransportFor(env: NotifierEnv): EmailTransport | undefined {
  if (env.LEADSCORE_SMTP_URL) return smtpTransport(env.LEADSCORE_SMTP_URL);
  if (isLocalRun(env)) return undefined;
  return sesTransport(new SESv2Client({}));
}
