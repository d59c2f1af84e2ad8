import type { ClientConfig } from '#shared/config/schema.ts';
import { applyEvent, newLeadState, observe } from '#shared/scoring/engine.ts';
import type { CompiledModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import { routeFor } from '#shared/scoring/routing.ts';
import type { LeadState, Profile, ScoringEvent } from '#shared/scoring/types.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { type LeadItem, toLeadItem } from '#shared/store/lead-item.ts';
import { seededRandom } from './synthetic-events.ts';

/**
 * Lead items for the decay bench (PRODUCT §8.3), in the steady state a daily job leaves behind:
 * every lead's state comes from the engine (`applyEvent` over a few synthetic events), past
 * changes were already applied by earlier runs, and each lead is indexed by its next change.
 * A chosen share of leads ("due") has that next change between the previous run and this one;
 * the others never change or change on a later day. Times of each lead's events are shifted as
 * a whole to place its change (decay is invariant under a shift of time), so the mix of scores
 * is realistic while the number of due leads is controlled.
 */

const DAY_MS = 86_400_000;
/** How far back the last event of a lead that is not due may lie. */
const SPREAD_MS = 150 * DAY_MS;
const MAX_CHAIN = 8;

export interface DecayLeadsOptions {
  readonly leads: number;
  /** Share of leads whose next change falls in (runAt − 1 day, runAt]. */
  readonly dueShare: number;
  /** Epoch ms of the measured run; the previous run was one day earlier. */
  readonly runAt: number;
  readonly seed: number;
}

export interface DecayLeads {
  readonly items: LeadItem[];
  /** Lead ids whose next change is due by `runAt` (what the job must find). */
  readonly due: ReadonlySet<string>;
  /** Leads per stored segment, for the report. */
  readonly segments: Readonly<Record<string, number>>;
}

type Random = () => number;
interface Template {
  /** Offset of each event from the lead's first event, ms. */
  readonly offsets: number[];
  readonly events: Omit<ScoringEvent, 'occurredAt'>[];
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const TITLES = [
  'VP Marketing',
  'Head of Growth',
  'Marketing Manager',
  'Engineer',
  'Founder',
  'Analyst',
  'Student',
];
const INDUSTRIES = ['software', 'saas', 'fintech', 'retail', 'manufacturing', 'healthcare technology'];
const COUNTRIES = ['US', 'US', 'GB', 'DE', 'FR', 'CA', 'IN', 'BR', 'AU', 'NL'];
const SOURCES = ['google-ads', 'linkedin-ads', 'referral', 'organic', 'organic', 'newsletter'];
/** Engagement of a lead in the buying cycle: pricing pages, webinars, content, demos. */
const ENGAGED: readonly [string, Record<string, string | number>][] = [
  ['page_view', { url: 'https://www.example-analytics.com/pricing' }],
  ['webinar_attended', { webinar: 'webinar-1' }],
  ['content_download', { asset: 'guide', tier: 'premium' }],
  ['video_watch', { video: 'product-demo', percent: 80 }],
  ['email_click', { campaign: 'nurture-3', url: 'https://www.example-analytics.com/blog' }],
  ['demo_request', {}],
];
/** What most leads do: open a newsletter, read a blog post. */
const QUIET: readonly [string, Record<string, string | number>][] = [
  ['email_open', { campaign: 'newsletter' }],
  ['page_view', { url: 'https://www.example-analytics.com/blog/lead-scoring-101' }],
];

function profileFor(lead: number, random: Random): Profile {
  const domain = random() < 0.15 ? 'gmail.com' : `company${lead % 20_000}.com`;
  const profile: Profile = {
    email: `lead${lead}@${domain}`,
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
  return profile;
}

/** A lead's events with their relative timing: a form first, then hours to days apart. */
function templateFor(lead: number, engaged: boolean, random: Random): Template {
  const formId = engaged ? pick(random, ['demo-request', 'contact']) : 'newsletter';
  const events: Omit<ScoringEvent, 'occurredAt'>[] = [
    { id: `b${lead}-0`, type: 'form_submit', attributes: { formId }, profile: profileFor(lead, random) },
  ];
  const offsets = [0];
  const count = engaged ? 2 + Math.floor(random() * 5) : Math.floor(random() * 4);
  for (let k = 1; k <= count; k++) {
    const [type, attributes] = pick(random, engaged ? ENGAGED : QUIET);
    events.push({ id: `b${lead}-${k}`, type, attributes });
    offsets.push(offsets[k - 1]! + Math.floor((1 / 24 + random() * 4) * DAY_MS));
  }
  return { offsets, events };
}

function stateAt(leadId: string, template: Template, base: number, model: CompiledModel): LeadState {
  let state = newLeadState(leadId, model);
  template.events.forEach((event, k) => {
    state = applyEvent(state, { ...event, occurredAt: base + template.offsets[k]! }, model).state;
  });
  return state;
}

/** Times of the lead's next few decay changes after `from`, observing each as the job would. */
function changeTimes(state: LeadState, model: CompiledModel, from: number): number[] {
  const times: number[] = [];
  let current = state;
  let at = from;
  for (let k = 0; k < MAX_CHAIN; k++) {
    const next = nextChangeAt(current, model, at);
    if (next === null) break;
    times.push(next);
    current = observe(current, model, next).state;
    at = next;
  }
  return times;
}

/** The state after every change up to `until` was applied (earlier daily runs), and its next change. */
function caughtUp(state: LeadState, model: CompiledModel, from: number, until: number) {
  let current = state;
  let at = from;
  for (let k = 0; k < MAX_CHAIN; k++) {
    const next = nextChangeAt(current, model, at);
    if (next === null || next > until) return { state: current, at, next };
    current = observe(current, model, next).state;
    at = next;
  }
  return { state: current, at, next: nextChangeAt(current, model, at) };
}

/** Where to put a lead's first event so that its changes do (due) or do not fall in the window. */
function placement(
  template: Template,
  due: boolean,
  chain: readonly number[],
  window: { from: number; to: number },
  random: Random,
): number {
  const last = template.offsets.at(-1)!;
  if (due) {
    const change = pick(random, chain);
    return window.to - random() * (window.to - window.from) - change;
  }
  for (let attempt = 0; ; attempt++) {
    const base = window.to - last - random() * SPREAD_MS;
    const hits = chain.some((t) => base + t > window.from && base + t <= window.to);
    if (!hits || attempt > 20) return base;
  }
}

/** Builds the lead items (version 1, as the store writes a lead's first version). */
export function generateDecayLeads(
  options: DecayLeadsOptions,
  config: ClientConfig,
  model: CompiledModel,
): DecayLeads {
  const random = seededRandom(options.seed);
  const window = { from: options.runAt - DAY_MS, to: options.runAt };
  const dueEvery = Math.max(1, Math.round(1 / options.dueShare));
  const items: LeadItem[] = [];
  const due = new Set<string>();
  const segments: Record<string, number> = {};
  for (let lead = 0; lead < options.leads; lead++) {
    const wantDue = lead % dueEvery === Math.floor(dueEvery / 2);
    let template = templateFor(lead, wantDue || random() < 0.3, random);
    const leadId = leadIdFor(String(template.events[0]!.profile!.email));
    let chain = changeTimes(stateAt(leadId, template, 0, model), model, template.offsets.at(-1)!);
    while (wantDue && chain.length === 0) {
      template = templateFor(lead, true, random);
      chain = changeTimes(stateAt(leadId, template, 0, model), model, template.offsets.at(-1)!);
    }
    const base = Math.floor(placement(template, wantDue, chain, window, random));
    const lastEvent = base + template.offsets.at(-1)!;
    const current = caughtUp(stateAt(leadId, template, base, model), model, lastEvent, window.from);
    if (current.next !== null && current.next <= window.to) due.add(leadId);
    const item = toLeadItem({
      state: current.state,
      kind: 'lead',
      version: 1,
      route: routeFor(current.state.profile, config),
      nextChangeAt: current.next,
      createdAt: new Date(base).toISOString(),
      now: current.at,
    });
    segments[item.segment] = (segments[item.segment] ?? 0) + 1;
    items.push(item);
  }
  return { items, due, segments };
}
