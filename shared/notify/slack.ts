import { DETAIL_TYPES } from '#shared/events/contracts.ts';
import type { NotificationDetail, NotifyingDetailType } from './envelope.ts';
import { headline, leadFacts, scoreChange } from './summary.ts';

/** Plain text Slack renders as is (headers, button labels). */
interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

/** Slack "mrkdwn" text: `&`, `<` and `>` must be escaped. */
interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}

/** The Block Kit blocks leadscore uses (a subset of Slack's). */
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: Mrkdwn; fields?: Mrkdwn[] }
  | {
      type: 'actions';
      elements: { type: 'button'; text: PlainText; url: string; action_id: string; style?: 'primary' }[];
    }
  | { type: 'context'; elements: Mrkdwn[] };

/** An incoming-webhook payload: `text` is the fallback shown in notifications and old clients. */
export interface SlackMessage {
  text: string;
  channel?: string;
  blocks: SlackBlock[];
}

export interface SlackMessageOptions {
  /** Link to the lead: its signed page (`${LEAD_URL_BASE}/v1/leads/<leadId>/view?exp=…&sig=…`). */
  leadUrl: string;
  /** Channel chosen by routing; legacy webhooks honour it, newer ones post to their own channel. */
  channel?: string;
}

/** Slack limits: header text 150 characters, a field 2000, a section text 3000. */
const LIMITS = { header: 150, field: 300, reason: 300, reasons: 10 } as const;

/**
 * Escapes text for Slack mrkdwn. Lead names and companies are user input: without this a form
 * could inject links (`<https://evil|click>`) or mentions (`<!channel>`) into sales' channel.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function headerText(detail: NotificationDetail, detailType: NotifyingDetailType): string {
  const icon = detailType === DETAIL_TYPES.thresholdCrossed ? ':dart:' : ':fire:';
  return truncate(`${icon} ${headline(detail, detailType)}`, LIMITS.header);
}

function reasonsText(reasons: readonly string[]): string {
  if (reasons.length === 0) return '*Top reasons*\n_No reasons recorded._';
  const lines = reasons
    .slice(0, LIMITS.reasons)
    .map((reason) => `• ${escapeSlack(truncate(reason, LIMITS.reason))}`);
  return `*Top reasons*\n${lines.join('\n')}`;
}

/**
 * The Block Kit message for a notifying event (PRODUCT §4.2): who the lead is, score, grade,
 * segment, owner, lifecycle, the top reasons and a button to the lead. Pure, so the content is
 * unit-tested without Slack.
 */
export function buildSlackMessage(
  detail: NotificationDetail,
  detailType: NotifyingDetailType,
  options: SlackMessageOptions,
): SlackMessage {
  const fields: Mrkdwn[] = leadFacts(detail).map(({ label, value }) => ({
    type: 'mrkdwn',
    text: `*${label}*\n${escapeSlack(truncate(value, LIMITS.field))}`,
  }));
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: headerText(detail, detailType), emoji: true } },
    { type: 'section', fields },
    { type: 'section', text: { type: 'mrkdwn', text: reasonsText(detail.topReasons) } },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open lead' },
          url: options.leadUrl,
          action_id: 'open_lead',
          style: 'primary',
        },
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: escapeSlack(`Model ${detail.modelVersion} · cause ${detail.cause} · ${detail.time}`),
        },
      ],
    },
  ];
  const text = `${escapeSlack(headline(detail, detailType))}: score ${scoreChange(detail)}, ${escapeSlack(
    `${detail.grade} / ${detail.newSegment}`,
  )}. <${options.leadUrl}|Open lead>`;
  return options.channel ? { text, channel: options.channel, blocks } : { text, blocks };
}
