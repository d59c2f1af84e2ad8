import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Leadscore } from '#shared/app/leadscore.ts';
import { HttpError } from '#shared/http/errors.ts';
import { verifyLeadLink } from '#shared/http/lead-link.ts';
import { escapeHtml } from '#shared/notify/email.ts';
import { storedLead, summarise } from './leads.ts';

/**
 * The two pages a browser opens on the API without a key (no script, escaped data only): the
 * thank-you page a plain form post lands on (`GET /thanks.html`, the demo form's `redirectUrl`,
 * the same path locally and deployed), and the page of one lead behind the signed link of a Slack
 * message or an email (`GET /v1/leads/{leadId}/view?exp=…&sig=…`). A link that is tampered with,
 * signed for another lead or expired gets a 403 page that says only that: the lead is not even
 * looked up.
 */

/** Nothing but the inline style runs or loads; the signed URL never leaves in a Referer. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
};

const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1f2328}',
  'table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d8dee4;vertical-align:top}',
  'td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.muted{color:#59636e}',
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#59636e}dd{margin:0}',
].join('');

function page(statusCode: number, title: string, body: string): APIGatewayProxyStructuredResultV2 {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  return { statusCode, headers: PAGE_HEADERS, body: html };
}

/** Where a plain HTML form post lands (`redirectUrl: /thanks.html`), locally and deployed. */
export function thanksPage(displayName: string): APIGatewayProxyStructuredResultV2 {
  return page(
    200,
    'Thank you!',
    `<p>${escapeHtml(displayName)} has your request and will be in touch soon.</p>`,
  );
}

/** A link that does not open its lead: the same page whatever was wrong with it, but expired. */
function refusedPage(expired: boolean): APIGatewayProxyStructuredResultV2 {
  return expired
    ? page(
        403,
        'This link has expired',
        '<p>Lead links are valid for three days. Open the lead from a newer message, or in the sales console.</p>',
      )
    : page(
        403,
        'This link is not valid',
        '<p>Open the lead from the message you received, or in the sales console.</p>',
      );
}

const number = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
const cell = (text: string, numeric = false) => `<td${numeric ? ' class="n"' : ''}>${escapeHtml(text)}</td>`;

/** The page of one lead: who, score and classification, owner, and every line of its explanation. */
function leadView(lead: ReturnType<typeof summarise>): APIGatewayProxyStructuredResultV2 {
  const title = lead.name ?? lead.email ?? lead.leadId;
  const facts: [string, string][] = [
    ['Company', lead.company ?? '—'],
    ['Email', lead.email ?? '—'],
    [
      'Score',
      `${number(lead.score)} (fit ${number(lead.fitScore)}, engagement ${number(lead.engagementScore)})`,
    ],
    ['Grade / segment', `${lead.grade} / ${lead.segment}`],
    ['Lifecycle', lead.lifecycle],
    ['Owner', lead.owner ? `${lead.owner.name} <${lead.owner.email}>` : 'Unassigned'],
    ['Last activity', lead.lastEventAt ?? '—'],
  ];
  const rows = lead.explanation.lines
    .map(
      (line) =>
        `<tr>${cell(line.kind)}${cell(line.ruleId ?? '')}${cell(number(line.points), true)}${cell(line.text)}</tr>`,
    )
    .join('');
  const body = [
    `<dl>${facts.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`,
    '<h2>Why this score</h2>',
    `<table><thead><tr><th>Kind</th><th>Rule</th><th>Points now</th><th>Explanation</th></tr></thead><tbody>${rows}</tbody></table>`,
    `<p class="muted">Score as of ${escapeHtml(lead.explanation.at)}, model ${escapeHtml(lead.modelVersion)}.</p>`,
  ].join('');
  return page(200, title, body);
}

/**
 * `GET /v1/leads/{leadId}/view`: the lead's page when `exp` and `sig` are a valid, unexpired
 * signature of this lead id by this stack's key; a 403 page otherwise, before any read; a 404
 * page for a lead that is gone (erased or merged) since the message was sent.
 */
export async function openLeadLink(
  store: Leadscore,
  linkKey: () => Promise<Buffer>,
  leadId: string | undefined,
  query: Record<string, string | undefined>,
  now: number,
): Promise<APIGatewayProxyStructuredResultV2> {
  const verdict = verifyLeadLink(leadId ?? '', query.exp, query.sig, await linkKey(), now);
  if (verdict !== 'valid' || leadId === undefined) return refusedPage(verdict === 'expired');
  try {
    return leadView(summarise(await storedLead(store, leadId), store, now));
  } catch (error) {
    if (error instanceof HttpError && error.statusCode < 500)
      return page(
        404,
        'This lead is no longer available',
        '<p>It was erased or merged into another lead.</p>',
      );
    throw error;
  }
}
