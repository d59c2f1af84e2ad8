import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { OutgoingEvent } from '#shared/events/contracts.ts';
import { isFreeOrDisposableDomain } from '#shared/scoring/lists.ts';
import { displayName } from '#shared/scoring/profile.ts';
import type { ChosenRoute } from '#shared/scoring/routing.ts';
import type { LeadState } from '#shared/scoring/types.ts';
import { encodeOutbox } from './outbox.ts';
import { accountPartitionKey, dueDayPartitionKey, rankingKeys } from './table-definition.ts';

/** Sort key of the lead (or anonymous visitor) item in its partition. */
export const LEAD_SK = 'LEAD';
/** Key of a lead (or anonymous visitor) item. */
export const leadKey = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: LEAD_SK });
/** Key of one stored event of a lead: idempotent on the event id. */
export const eventKey = (leadId: string, eventId: string) => ({ pk: `LEAD#${leadId}`, sk: `EVT#${eventId}` });
export const EVENT_SK_PREFIX = 'EVT#';

/** The lead item as stored: the engine state plus the attributes indexes and readers need. */
export interface LeadItem {
  pk: string;
  sk: string;
  leadId: string;
  kind: 'lead' | 'anonymous';
  version: number;
  /** The engine state: JSON, deflated (a DynamoDB binary): a write is billed per KB. */
  state: Uint8Array;
  /** The events this write emits (see outbox.ts); absent when it emits none. */
  outbox?: Uint8Array;
  email?: string;
  name?: string;
  company?: string;
  score: number;
  segment: string;
  grade: string;
  lifecycle: string;
  owner?: { name: string; email: string; ruleId: string };
  anonymousIds?: string[];
  mergedInto?: string;
  /** Anonymous form posts in the current clock hour (a per-lead rate limit, PRODUCT §3.7). */
  formRate?: { hour: number; count: number };
  nextChangeAt?: string;
  /** Set by a rescore that changed the lead: when, and from which model version and score. */
  rescored?: { at: string; fromModelVersion: string; fromScore: number };
  modelVersion: string;
  createdAt: string;
  updatedAt: string;
  gsi1pk?: string;
  gsi1sk?: string;
  gsi2pk?: string;
  gsi2sk?: string;
  gsi3pk?: string;
  gsi3sk?: string;
}

/** The account (company) a lead rolls up into: its email domain, unless a free-mail one. */
export function accountDomainOf(state: LeadState): string | null {
  const domain = state.profile.emailDomain;
  if (typeof domain !== 'string' || domain === '') return null;
  return isFreeOrDisposableDomain(domain) ? null : domain;
}

/**
 * Builds the whole lead item from a state. Index keys are derived here, in one place: the
 * segment ranking (known leads only), the decay due-day (when the score will change band) and
 * the account roll-up.
 */
export function toLeadItem(args: {
  state: LeadState;
  kind: 'lead' | 'anonymous';
  version: number;
  route: ChosenRoute | null;
  nextChangeAt: number | null;
  createdAt: string;
  now: number;
  anonymousIds?: string[];
  mergedInto?: string;
  formRate?: { hour: number; count: number };
  /** The events this write emits, stored with it (the transactional outbox). */
  outbox?: readonly OutgoingEvent[];
}): LeadItem {
  const { state, kind, version, route, nextChangeAt, now } = args;
  const email = typeof state.profile.email === 'string' ? state.profile.email : undefined;
  const company = typeof state.profile.company === 'string' ? state.profile.company : undefined;
  const name = displayName(state.profile);
  const { reported } = state;
  if (reported.segment === null || reported.grade === null)
    throw new Error(`lead ${state.leadId} is stored before it was observed`);
  const segment = reported.segment;
  const score = reported.score;
  const item: LeadItem = {
    ...leadKey(state.leadId),
    leadId: state.leadId,
    kind,
    version,
    state: deflateRawSync(Buffer.from(JSON.stringify(state))),
    score,
    segment,
    grade: reported.grade,
    lifecycle: state.lifecycle,
    modelVersion: state.modelVersion,
    createdAt: args.createdAt,
    updatedAt: new Date(now).toISOString(),
  };
  if (email) item.email = email;
  if (name) item.name = name;
  if (company) item.company = company;
  if (route) item.owner = { name: route.owner.name, email: route.owner.email, ruleId: route.ruleId };
  if (args.anonymousIds && args.anonymousIds.length > 0) item.anonymousIds = args.anonymousIds;
  if (args.mergedInto) item.mergedInto = args.mergedInto;
  if (args.formRate) item.formRate = args.formRate;
  const outbox = encodeOutbox(args.outbox ?? []);
  if (outbox) item.outbox = outbox;
  if (kind === 'lead') {
    const ownerRouteId = route?.ruleId ?? null;
    Object.assign(
      item,
      rankingKeys({ kind, segment, grade: item.grade, ownerRouteId, score: item.score, leadId: item.leadId }),
    );
    const domain = accountDomainOf(state);
    if (domain) {
      item.gsi3pk = accountPartitionKey(domain);
      item.gsi3sk = state.leadId;
    }
  }
  if (nextChangeAt !== null && kind === 'lead') {
    const iso = new Date(nextChangeAt).toISOString();
    item.nextChangeAt = iso;
    item.gsi2pk = dueDayPartitionKey(iso.slice(0, 10));
    item.gsi2sk = state.leadId;
  }
  return item;
}

/** The engine state stored in an item. */
export function stateOf(item: Pick<LeadItem, 'state'>): LeadState {
  return JSON.parse(inflateRawSync(item.state).toString('utf8')) as LeadState;
}
