import type { NotificationDetail, NotifyingDetailType } from './envelope.ts';
import { formatScore, headline, leadFacts } from './summary.ts';

/** A notification email, independent of the transport that sends it. */
export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface EmailOptions {
  /** Link to the lead: its signed page (`${LEAD_URL_BASE}/v1/leads/<leadId>/view?exp=…&sig=…`). */
  leadUrl: string;
  from: string;
  to: string[];
}

/**
 * Escapes text for HTML element content and quoted attributes. Lead names, companies and
 * reasons are user input: unescaped they would let a form submission inject markup into
 * sales' inbox.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Header values must stay on one line (no header injection through a lead's name). */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').trim();
}

function subjectFor(detail: NotificationDetail, detailType: NotifyingDetailType): string {
  return oneLine(`[leadscore] ${headline(detail, detailType)} (score ${formatScore(detail.newScore)})`).slice(
    0,
    200,
  );
}

function textBody(detail: NotificationDetail, detailType: NotifyingDetailType, leadUrl: string): string {
  const facts = leadFacts(detail).map(({ label, value }) => `${label}: ${oneLine(value)}`);
  const reasons = detail.topReasons.length
    ? detail.topReasons.map((reason) => `- ${oneLine(reason)}`)
    : ['- No reasons recorded.'];
  return [
    `${oneLine(headline(detail, detailType))}.`,
    '',
    ...facts,
    '',
    'Top reasons:',
    ...reasons,
    '',
    `Open the lead: ${leadUrl}`,
    '',
    `Model ${detail.modelVersion}, cause ${detail.cause}, ${detail.time}`,
    '',
  ].join('\n');
}

function htmlBody(detail: NotificationDetail, detailType: NotifyingDetailType, leadUrl: string): string {
  const rows = leadFacts(detail)
    .map(
      ({ label, value }) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
    )
    .join('\n');
  const reasons = detail.topReasons.length
    ? `<ul>\n${detail.topReasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('\n')}\n</ul>`
    : '<p><em>No reasons recorded.</em></p>';
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(headline(detail, detailType))}</h2>`,
    `<table>\n${rows}\n</table>`,
    '<h3>Top reasons</h3>',
    reasons,
    `<p><a href="${escapeHtml(leadUrl)}">Open the lead</a></p>`,
    `<p style="color:#666;font-size:12px">${escapeHtml(
      `Model ${detail.modelVersion}, cause ${detail.cause}, ${detail.time}`,
    )}</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * The notification email for a notifying event: the same facts as the Slack message, as a
 * plain-text part and an HTML part (escaped). Pure, so it is unit-tested without a mail server.
 */
export function buildEmail(
  detail: NotificationDetail,
  detailType: NotifyingDetailType,
  options: EmailOptions,
): EmailMessage {
  return {
    from: options.from,
    to: [...options.to],
    subject: subjectFor(detail, detailType),
    text: textBody(detail, detailType, options.leadUrl),
    html: htmlBody(detail, detailType, options.leadUrl),
  };
}

/**
 * A stable Message-ID per notification (`<eventId.leadscore@from-domain>`): a resend after a
 * lost acknowledgement carries the same id, so mail clients can fold it into one.
 */
export function messageIdFor(notificationId: string, from: string): string {
  const domain = from.slice(from.lastIndexOf('@') + 1) || 'leadscore.local';
  return `<${notificationId.replace(/[^A-Za-z0-9._-]/g, '_')}.leadscore@${domain}>`;
}

/** The email as an RFC 822 message (multipart/alternative), e.g. for the local outbox `.eml`. */
export async function toRfc822(email: EmailMessage, messageId: string, date = new Date()): Promise<Buffer> {
  // The outbox is local-only: loading the composer on use keeps nodemailer out of deployed bundles.
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer/index.js');
  const node = new MailComposer({ ...email, messageId, date }).compile();
  return node.build();
}
