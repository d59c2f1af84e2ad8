import { DETAIL_TYPES } from '#shared/events/contracts.ts';
import { signedLeadUrl } from '#shared/http/lead-link.ts';
import type { NotificationDetail, NotifyingDetailType } from './envelope.ts';

/** One labelled fact about the lead, shown the same way in Slack and in email. */
export interface LeadFact {
  readonly label: string;
  readonly value: string;
}

/** `105`, `72.5`: scores are shown with at most one decimal. */
export function formatScore(score: number): string {
  return Number.isInteger(score) ? String(score) : score.toFixed(1);
}

/** What to call the lead: its name, else its email, else its id (anonymous leads have neither). */
export function leadDisplayName(detail: NotificationDetail): string {
  return detail.name ?? detail.email ?? detail.leadId;
}

/** `Jane Doe (Acme)`, or just the name when the company is unknown. */
export function leadTitle(detail: NotificationDetail): string {
  const name = leadDisplayName(detail);
  return detail.company ? `${name} (${detail.company})` : name;
}

/** One sentence saying why sales hears about this lead now. */
export function headline(detail: NotificationDetail, detailType: NotifyingDetailType): string {
  if (detailType === DETAIL_TYPES.thresholdCrossed && 'threshold' in detail) {
    return `${leadTitle(detail)} crossed the ${detail.threshold} threshold`;
  }
  return `${leadTitle(detail)} is now ${detail.newSegment}`;
}

/** `105 (was 80)`. */
export function scoreChange(detail: NotificationDetail): string {
  return `${formatScore(detail.newScore)} (was ${formatScore(detail.oldScore)})`;
}

/**
 * The facts both channels show (PRODUCT §4.2: who the lead is, score, grade, segment), in
 * display order. Values are raw text: each channel escapes them for its own format.
 */
export function leadFacts(detail: NotificationDetail): LeadFact[] {
  const facts: LeadFact[] = [
    { label: 'Name', value: detail.name ?? '—' },
    { label: 'Company', value: detail.company ?? '—' },
    { label: 'Email', value: detail.email ?? '—' },
    { label: 'Score', value: scoreChange(detail) },
    { label: 'Grade / segment', value: `${detail.grade} / ${detail.newSegment}` },
    { label: 'Owner', value: detail.owner?.name ?? 'Unassigned' },
    { label: 'Lifecycle', value: detail.lifecycle },
  ];
  if ('threshold' in detail) {
    facts.push({ label: 'Threshold', value: `${detail.threshold} (${formatScore(detail.thresholdScore)})` });
  }
  return facts;
}

/** `https://api.example.com/v1/leads/ld_123`: the lead's page in the API, for message links. */
export function leadUrlFor(base: string, leadId: string): string {
  return `${base.replace(/\/+$/, '')}/v1/leads/${encodeURIComponent(leadId)}`;
}

/**
 * The link a message gives to open the lead: its signed page (`/v1/leads/<id>/view?exp=…&sig=…`,
 * which a browser opens without the API key) when the notifier has the signing key, else the API URL.
 */
export async function leadLinkOf(
  deps: { leadUrlBase: string; leadLinkKey?: () => Promise<Buffer> },
  leadId: string,
): Promise<string> {
  if (!deps.leadLinkKey) return leadUrlFor(deps.leadUrlBase, leadId);
  return signedLeadUrl(deps.leadUrlBase, leadId, await deps.leadLinkKey(), Date.now());
}
