/**
 * The story of `leadscore demo` / `npm run demo`: a realistic month of activity for 20 leads
 * posted to a local stack (forms, then engagement events), then the ranked leads with their
 * reasons and the notifications the month caused.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const DAY = 86_400_000;

/** A small seeded PRNG so every run tells the same story. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Persona {
  firstName: string;
  lastName: string;
  company: string;
  domain: string;
  jobTitle: string;
  industry: string;
  employees: number;
  country: string;
  /** How engaged over the month: 0 (gone quiet) to 3 (buying). */
  intent: number;
  /** Activity stops this many days before today (inactivity). */
  quietDays: number;
}

const PERSONAS: Persona[] = [
  ['Ava', 'Nguyen', 'Northwind Labs', 'northwindlabs.com', 'VP Engineering', 'software', 900, 'US', 3, 0],
  [
    'Ben',
    'Okafor',
    'Brightpath Health',
    'brightpath-health.com',
    'Director of Operations',
    'healthcare technology',
    1500,
    'US',
    3,
    1,
  ],
  ['Chloe', 'Martin', 'Lumen Retail', 'lumenretail.fr', 'Head of Growth', 'e-commerce', 300, 'FR', 2, 2],
  ['Dev', 'Patel', 'Quantix Finance', 'quantix.io', 'CFO', 'fintech', 2500, 'GB', 2, 0],
  [
    'Elena',
    'Rossi',
    'Vela Logistics',
    'velalogistics.it',
    'Operations Manager',
    'logistics',
    450,
    'IT',
    1,
    5,
  ],
  ['Finn', 'Larsen', 'Fjord Analytics', 'fjordanalytics.no', 'Data Analyst', 'software', 60, 'NO', 1, 3],
  ['Grace', 'Kim', 'Orbit SaaS', 'orbitsaas.com', 'Founder', 'saas', 40, 'US', 2, 0],
  ['Hugo', 'Schmidt', 'Baumwerk', 'baumwerk.de', 'Head of IT', 'manufacturing', 3000, 'DE', 1, 20],
  ['Isla', 'Brown', 'Tideway', 'tideway.co.uk', 'Marketing Manager', 'software', 220, 'GB', 2, 8],
  ['Jon', 'Smith', 'gmail', 'gmail.com', 'Student', 'education', 1, 'US', 1, 2],
  ['Kai', 'Tanaka', 'Kumo Systems', 'kumosystems.jp', 'CTO', 'software', 700, 'JP', 2, 1],
  ['Lena', 'Fischer', 'Alpen Pay', 'alpenpay.ch', 'VP Finance', 'fintech', 1200, 'CH', 3, 0],
  ['Mo', 'Haddad', 'RivalMetrics', 'rivalmetrics.com', 'Product Manager', 'software', 400, 'US', 3, 0],
  [
    'Nora',
    'Berg',
    'Skog Health',
    'skoghealth.se',
    'Chief Medical Officer',
    'healthcare technology',
    800,
    'SE',
    1,
    25,
  ],
  ['Omar', 'Aziz', 'Dune Commerce', 'dunecommerce.com', 'E-commerce Manager', 'e-commerce', 150, 'CA', 1, 4],
  ['Pia', 'Jensen', 'Nordlys', 'nordlys.dk', 'Head of Data', 'software', 350, 'DK', 2, 12],
  ['Quinn', 'Walsh', 'Harbor Freight Tech', 'harborft.ie', 'IT Intern', 'logistics', 90, 'IE', 0, 28],
  [
    'Rosa',
    'Lopez',
    'Solana Retail',
    'solanaretail.es',
    'Director of Marketing',
    'e-commerce',
    600,
    'ES',
    2,
    3,
  ],
  ['Sam', 'Reed', 'mailinator', 'mailinator.com', 'Manager', 'software', 10, 'US', 1, 1],
  ['Tara', 'Singh', 'Peak Cloud', 'peakcloud.com.au', 'VP Sales', 'saas', 1100, 'AU', 3, 0],
].map(
  ([firstName, lastName, company, domain, jobTitle, industry, employees, country, intent, quietDays]) => ({
    firstName,
    lastName,
    company,
    domain,
    jobTitle,
    industry,
    employees,
    country,
    intent,
    quietDays,
  }),
) as Persona[];

const emailOf = (p: Persona) => `${p.firstName.toLowerCase()}.${p.lastName.toLowerCase()}@${p.domain}`;

/** The month of one persona: more and stronger events the higher the intent. */
function monthOf(p: Persona, now: number, random: () => number) {
  const events: Record<string, unknown>[] = [];
  const last = now - p.quietDays * DAY;
  const first = now - 30 * DAY;
  const at = () => new Date(first + random() * Math.max(DAY, last - first)).toISOString();
  const add = (type: string, attributes: Record<string, unknown> = {}) =>
    events.push({
      eventId: `demo-${emailOf(p)}-${events.length}`,
      email: emailOf(p),
      type,
      occurredAt: at(),
      attributes,
    });
  const n = 2 + p.intent * 4;
  for (let i = 0; i < n; i++)
    add('page_view', {
      url: `https://www.example-analytics.com/${random() < 0.3 ? 'pricing' : 'blog/post-' + i}`,
    });
  for (let i = 0; i < n; i++) add('email_open', { campaign: 'nov-newsletter' });
  if (p.intent >= 1)
    add('email_click', { campaign: 'nov-newsletter', url: 'https://www.example-analytics.com/guide' });
  if (p.intent >= 2) add('content_download', { asset: 'buyers-guide.pdf', tier: 'premium' });
  if (p.intent >= 2) add('video_watch', { video: 'product-tour', percent: 80 });
  if (p.intent >= 3) add('webinar_attended', { webinar: 'Q4 launch' });
  if (p.intent >= 3) add('demo_request');
  if (p.intent === 0) add('page_view', { url: 'https://www.example-analytics.com/careers' });
  return events;
}

/** A lead of the demo's closing table. */
export interface DemoLead {
  readonly rank: number;
  readonly email: string;
  readonly segment: string;
  readonly grade: string;
  readonly score: number;
  readonly topReasons: readonly string[];
}

/** What the story produced: the ranked leads and the notification files it caused. */
export interface DemoOutcome {
  readonly leads: readonly DemoLead[];
  /** Notification files written to the outbox during the story, relative to it. */
  readonly notifications: readonly string[];
}

export interface DemoTarget {
  /** The API's base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** The stack's notifier outbox (`<dataDir>/outbox`), where Slack and email messages land. */
  readonly outboxDir: string;
  /** Resolves once every event the story caused is delivered (a stack in this process). */
  readonly whenIdle?: () => Promise<void>;
}

/** The month of every persona posted to the stack, then its ranked leads and notifications. */
export async function playDemo(target: DemoTarget, now = Date.now()): Promise<DemoOutcome> {
  const { baseUrl, outboxDir } = target;
  const before = new Set(outboxFiles(outboxDir));
  const random = mulberry32(42);
  const headers = { 'content-type': 'application/json', 'x-api-key': target.apiKey };
  for (const p of PERSONAS) {
    const response = await fetch(`${baseUrl}/v1/forms/newsletter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        email: emailOf(p),
        firstName: p.firstName,
        lastName: p.lastName,
        company: p.company,
        jobTitle: p.jobTitle,
        industry: p.industry,
        employees: p.employees,
        country: p.country,
        source: p.intent >= 3 ? 'linkedin-ads' : 'website',
      }),
    });
    if (!response.ok) throw new Error(`form for ${emailOf(p)}: ${response.status} ${await response.text()}`);
    const posted = await fetch(`${baseUrl}/v1/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ events: monthOf(p, now, random) }),
    });
    if (!posted.ok) throw new Error(`events for ${emailOf(p)}: ${posted.status} ${await posted.text()}`);
  }
  // A stack in this process says when its bus is idle; one in npm start is given a moment.
  if (target.whenIdle) await target.whenIdle();
  else await new Promise((r) => setTimeout(r, 1500));

  // The listing ranks every lead, the disqualified after the bands: one page holds the story.
  const listed = await fetch(`${baseUrl}/v1/leads?limit=100`, { headers });
  if (!listed.ok) throw new Error(`GET /v1/leads: ${listed.status} ${await listed.text()}`);
  const { items } = (await listed.json()) as {
    items: { email: string; segment: string; grade: string; score: number; topReasons: string[] }[];
  };
  const leads = items.map((l, i) => ({
    rank: i + 1,
    email: l.email,
    segment: l.segment,
    grade: l.grade,
    score: l.score,
    topReasons: l.topReasons,
  }));
  const notifications = outboxFiles(outboxDir).filter((f) => !before.has(f));
  return { leads, notifications };
}

/** The closing table and the notifications, as `leadscore demo` prints them. */
export function demoReport(outcome: DemoOutcome, outboxDir: string): string {
  const lines = [
    `Leads after a month (${PERSONAS.length} simulated), ranked by current score:`,
    '',
    `${'#'.padStart(3)}  ${'lead'.padEnd(40)} ${'segment'.padEnd(13)} grade  score  top reasons`,
  ];
  for (const l of outcome.leads)
    lines.push(
      `${String(l.rank).padStart(3)}  ${l.email.padEnd(40)} ${l.segment.padEnd(13)} ${l.grade.padEnd(5)}  ${l.score.toFixed(1).padStart(5)}  ${l.topReasons.join('; ')}`,
    );
  lines.push('', `Notifications sent (${outcome.notifications.length}), in ${outboxDir}:`);
  for (const file of outcome.notifications) lines.push(`  ${file}`);
  return lines.join('\n');
}

/** The outbox's notification files, as `<channel>/<file>`. */
function outboxFiles(outboxDir: string): string[] {
  return ['slack', 'email'].flatMap((channel) => {
    const dir = join(outboxDir, channel);
    return existsSync(dir) ? readdirSync(dir).map((f) => `${channel}/${f}`) : [];
  });
}
