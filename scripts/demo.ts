/**
 * `npm run demo`: a realistic month of activity for 20 leads against the local stack — the one
 * running on PORT (default 3000), or one started here in memory — then the ranked leads with
 * their reasons and the notifications the month caused.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LocalStack, startLocalStack } from '#local/stack.ts';
import { loadClientConfig } from '#shared/config/load.ts';

const DAY = 86_400_000;
const port = Number(process.env.PORT ?? 3000);
const clientName = process.env.LEADSCORE_CLIENT ?? 'example';

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

async function isRunning(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).ok;
  } catch {
    return false;
  }
}

async function main() {
  let baseUrl = `http://127.0.0.1:${port}`;
  let stack: LocalStack | undefined;
  let dataDir = resolve(process.env.LEADSCORE_DATA_DIR ?? '.leadscore');
  let apiKey = process.env.LEADSCORE_API_KEY;
  if (await isRunning(baseUrl)) {
    console.log(`Using the local stack at ${baseUrl}`);
    apiKey ??= readFileSync(join(dataDir, 'api-key'), 'utf8').trim();
  } else {
    console.log('Starting a local stack in memory…');
    // The functions' own logs would bury the table; warnings and errors still show.
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    const config = loadClientConfig(clientName);
    dataDir = resolve(join('.leadscore', 'demo'));
    stack = await startLocalStack({
      config,
      configPath: resolve('clients', `${clientName}.yaml`),
      port: 0,
      dataDir,
      inMemory: true,
      ...(apiKey ? { apiKey } : {}),
      log: () => {},
    });
    baseUrl = stack.urls.page.replace(/\/$/, '');
    apiKey = stack.apiKey;
  }
  const outboxDir = join(dataDir, 'outbox');
  const before = new Set(['slack', 'email'].flatMap((c) => listOutbox(outboxDir, c)));
  const random = mulberry32(42);
  const now = Date.now();
  const headers = { 'content-type': 'application/json', 'x-api-key': apiKey! };

  for (const p of PERSONAS) {
    const response = await fetch(`${baseUrl}/v1/forms/newsletter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
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
    const events = monthOf(p, now, random);
    const posted = await fetch(`${baseUrl}/v1/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ events }),
    });
    if (!posted.ok) throw new Error(`events for ${emailOf(p)}: ${posted.status} ${await posted.text()}`);
  }
  await stack?.bus.whenIdle();
  await new Promise((r) => setTimeout(r, stack ? 0 : 1500));

  const list = (await (await fetch(`${baseUrl}/v1/leads?limit=100`, { headers })).json()) as {
    items: { email: string; segment: string; grade: string; score: number; topReasons: string[] }[];
  };
  const disqualified = (await (
    await fetch(`${baseUrl}/v1/leads?segment=disqualified&limit=100`, { headers })
  ).json()) as typeof list;
  console.log(`\nLeads after a month (${PERSONAS.length} simulated), ranked by current score:\n`);
  console.log(`${'#'.padStart(3)}  ${'lead'.padEnd(40)} ${'segment'.padEnd(13)} grade  score  top reasons`);
  [...list.items, ...disqualified.items].forEach((l, i) => {
    console.log(
      `${String(i + 1).padStart(3)}  ${l.email.padEnd(40)} ${l.segment.padEnd(13)} ${l.grade.padEnd(5)}  ${l.score.toFixed(1).padStart(5)}  ${l.topReasons.join('; ')}`,
    );
  });
  const sent = ['slack', 'email'].flatMap((c) => listOutbox(outboxDir, c).filter((f) => !before.has(f)));
  console.log(`\nNotifications sent (${sent.length}), in ${outboxDir}:`);
  for (const file of sent) console.log(`  ${file.replace(outboxDir + '/', '')}`);
  await stack?.stop();
}

function listOutbox(outboxDir: string, channel: string): string[] {
  const dir = join(outboxDir, channel);
  return existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
