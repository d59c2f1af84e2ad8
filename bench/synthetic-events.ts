import { parseInstant } from '#shared/scoring/instant.ts';
import type { Profile, ScoringEvent } from '#shared/scoring/types.ts';

/**
 * Synthetic engagement traffic for the benchmarks: a realistic mix of event types over many
 * leads, in time order, seeded so that every run (and every bench) sees the same events.
 * Each lead's first event is a form submission carrying its profile, as on a landing page.
 */

/** One line of an events file: the shape of an event posted to `POST /v1/events` (§3.2). */
export interface SyntheticEvent {
  readonly eventId: string;
  readonly email: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly attributes: Record<string, string | number>;
  readonly profile?: Profile;
}

export interface SyntheticOptions {
  readonly events: number;
  readonly leads: number;
  readonly days: number;
  readonly start: number;
  readonly seed: number;
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = {
  events: 1_000_000,
  leads: 100_000,
  days: 60,
  start: Date.UTC(2026, 8, 1),
  seed: 20261101,
};

/** mulberry32: a tiny seeded PRNG, so generated traffic is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Cumulative weights of the non-first events: mostly page views and email, a few of the rest. */
const MIX: readonly (readonly [string, number])[] = [
  ['page_view', 0.45],
  ['email_open', 0.25],
  ['email_click', 0.1],
  ['content_download', 0.05],
  ['video_watch', 0.035],
  ['social_engagement', 0.03],
  ['form_submit', 0.03],
  ['webinar_attended', 0.02],
  ['demo_request', 0.01],
  ['unsubscribe', 0.01],
  ['email_bounce', 0.005],
];

const PAGES = ['/', '/product', '/blog/lead-scoring-101', '/customers', '/docs/getting-started', '/about'];
const TITLES = [
  'VP Marketing',
  'Head of Growth',
  'Marketing Manager',
  'Sales Operations Manager',
  'Software Engineer',
  'Chief Revenue Officer',
  'Student',
  'Data Analyst',
  'Director of Sales',
  'Founder',
];
const INDUSTRIES = [
  'software',
  'saas',
  'fintech',
  'retail',
  'manufacturing',
  'healthcare technology',
  'education',
];
const COUNTRIES = ['US', 'US', 'US', 'GB', 'DE', 'FR', 'CA', 'IN', 'BR', 'AU', 'NL', 'SE'];
const SOURCES = ['google-ads', 'linkedin-ads', 'referral', 'organic', 'organic', 'newsletter'];
const FORMS = ['demo-request', 'contact', 'newsletter'];

function emailFor(lead: number, random: () => number): string {
  const r = random();
  const domain =
    r < 0.15
      ? 'gmail.com'
      : r < 0.18
        ? 'yahoo.com'
        : r < 0.181
          ? 'rivalmetrics.com'
          : `company${lead % 20_000}.com`;
  return `lead${lead}@${domain}`;
}

function profileFor(lead: number, random: () => number): Profile {
  const profile: Profile = {
    email: emailFor(lead, random),
    firstName: `First${lead}`,
    lastName: `Last${lead}`,
    jobTitle: pick(random, TITLES),
    industry: pick(random, INDUSTRIES),
    employees: Math.floor(10 ** (1 + random() * 4)),
    country: pick(random, COUNTRIES),
    source: pick(random, SOURCES),
  };
  if (random() < 0.85) profile.company = `Company ${lead % 20_000}`;
  if (random() < 0.6) profile.phone = `+1555${String(lead).padStart(7, '0')}`;
  if (random() < 0.5) profile.annualRevenue = Math.floor(10 ** (5 + random() * 4));
  return profile;
}

function attributesFor(type: string, random: () => number): Record<string, string | number> {
  switch (type) {
    case 'page_view': {
      const r = random();
      const path = r < 0.08 ? '/pricing' : r < 0.1 ? '/careers' : pick(random, PAGES);
      return { url: `https://www.example-analytics.com${path}`, title: path };
    }
    case 'email_open':
      return { campaign: `nurture-${Math.floor(random() * 12)}` };
    case 'email_click':
      return {
        campaign: `nurture-${Math.floor(random() * 12)}`,
        url: 'https://www.example-analytics.com/blog',
      };
    case 'content_download':
      return {
        asset: `asset-${Math.floor(random() * 30)}`,
        tier: pick(random, ['brochure', 'premium', 'blog']),
      };
    case 'video_watch':
      return { video: 'product-demo', percent: Math.floor(random() * 101) };
    case 'social_engagement':
      return { network: pick(random, ['linkedin', 'x']), action: pick(random, ['like', 'comment', 'share']) };
    case 'form_submit':
      return { formId: pick(random, FORMS) };
    case 'webinar_attended':
      return { webinar: `webinar-${Math.floor(random() * 6)}` };
    default:
      return {};
  }
}

function eventTypeFor(random: () => number): string {
  let r = random();
  for (const [type, weight] of MIX) {
    if (r < weight) return type;
    r -= weight;
  }
  return 'page_view';
}

/**
 * Generates the events in time order. Leads are drawn 70% uniformly and 30% from a tenth of
 * them, so most leads have a handful of events and a few have dozens.
 */
export function generateEvents(options: Partial<SyntheticOptions> = {}): SyntheticEvent[] {
  const o = { ...DEFAULT_SYNTHETIC, ...options };
  const random = seededRandom(o.seed);
  const step = (o.days * 86_400_000) / o.events;
  const emails: (string | undefined)[] = new Array(o.leads);
  const events: SyntheticEvent[] = new Array(o.events);
  const hot = Math.max(1, Math.floor(o.leads / 10));
  for (let i = 0; i < o.events; i++) {
    const lead = random() < 0.3 ? Math.floor(random() * hot) : Math.floor(random() * o.leads);
    const occurredAt = new Date(Math.floor(o.start + i * step)).toISOString();
    const eventId = `e-${i}`;
    const email = emails[lead];
    if (email === undefined) {
      const profile = profileFor(lead, random);
      emails[lead] = String(profile.email);
      const attributes = { formId: pick(random, FORMS) };
      events[i] = {
        eventId,
        email: String(profile.email),
        type: 'form_submit',
        occurredAt,
        attributes,
        profile,
      };
    } else {
      const type = eventTypeFor(random);
      events[i] = { eventId, email, type, occurredAt, attributes: attributesFor(type, random) };
    }
  }
  return events;
}

/** NDJSON lines, as an events file or a batch of posts would carry them. */
export function toNdjson(events: readonly SyntheticEvent[]): string[] {
  return events.map((event) => JSON.stringify(event));
}

/**
 * What the engine sees: identity resolved to a lead id, time as epoch ms. Pass `leadIds` to get
 * one string per lead (as a store's key lookup yields), rather than one per event.
 */
export function toScoringEvent(
  event: SyntheticEvent,
  leadIds?: Map<string, string>,
): { leadId: string; event: ScoringEvent } {
  // One object of one shape per event (no spread of a temporary): a replay makes millions.
  const scoring: ScoringEvent = event.profile
    ? {
        id: event.eventId,
        type: event.type,
        occurredAt: parseInstant(event.occurredAt),
        attributes: event.attributes,
        profile: event.profile,
      }
    : {
        id: event.eventId,
        type: event.type,
        occurredAt: parseInstant(event.occurredAt),
        attributes: event.attributes,
      };
  let leadId = event.email.toLowerCase();
  const known = leadIds?.get(leadId);
  if (known !== undefined) leadId = known;
  else leadIds?.set(leadId, leadId);
  return { leadId, event: scoring };
}
