import type { ClientConfig } from '#shared/config/schema.ts';
import { outgoingEvents } from '#shared/events/outgoing.ts';
import { foldEvent, isLate, newLeadState, observe, replay } from '#shared/scoring/engine.ts';
import type { CompiledModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import { profileBudgetIssues } from '#shared/scoring/profile.ts';
import { routeFor } from '#shared/scoring/routing.ts';
import type { LeadState, Profile, ScoringEvent } from '#shared/scoring/types.ts';
import { anonymousLeadIdFor, leadIdFor, normaliseEmail } from '#shared/store/identity.ts';
import { eventKey, type LeadItem, stateOf, toLeadItem } from '#shared/store/lead-item.ts';
import type { EventItem, IngestCommit, LeadRepository } from '#shared/store/lead-repository.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MAX_ATTEMPTS = 40;
/**
 * Most anonymous visitors (tracking cookies) merged into one lead. Their events stay in their
 * own partitions and are read with the lead's when it is replayed, so a merge carries every
 * event however many; the bound keeps the lead record within its size budget (PRODUCT §3.7).
 */
export const MAX_MERGED_VISITORS = 25;
/** Anonymous form posts one lead accepts per clock hour; the rest get 429 (PRODUCT §3.7). */
export const FORM_POSTS_PER_LEAD_PER_HOUR = 20;

/** An event ready to store: validated, identity not yet resolved. */
export interface IngestEvent {
  readonly eventId: string;
  readonly email?: string;
  readonly leadId?: string;
  readonly anonymousId?: string;
  readonly type: string;
  /** Epoch ms. */
  readonly occurredAt: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly profile?: Readonly<Profile>;
  /** From an authenticated source (events API): its profile fields win over anonymous form posts. */
  readonly trusted?: boolean;
  /** A spam verdict on a form submission: stored, marked, scored as nothing (PRODUCT §3.7). */
  readonly spam?: boolean;
}

export type IngestResult =
  | { status: 'accepted'; eventId: string; leadId: string; score: number; segment: string }
  | { status: 'duplicate'; eventId: string; leadId: string }
  | { status: 'rejected'; eventId: string; reason: string; field: string }
  /** Too many anonymous form posts for this lead within the hour (PRODUCT §3.7). */
  | { status: 'throttled'; eventId: string; leadId: string; reason: string; field: string };

export class LeadContentionError extends Error {
  override name = 'LeadContentionError';
}

/** What the ingest use case works with: the repository and the client's model. */
export interface IngestContext {
  readonly repo: LeadRepository;
  readonly config: ClientConfig;
  readonly model: CompiledModel;
}

interface Target {
  leadId: string;
  kind: 'lead' | 'anonymous';
  item: LeadItem | undefined;
}

type Rejected = { rejected: { reason: string; field: string } };
type Refusal = Rejected | { throttled: { reason: string; field: string } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Ingests one event (PRODUCT §3): loads its lead, decides with the pure core, commits. An
 * in-order event is one fold step; a late one, or the merge of an anonymous visitor, replays
 * the lead's stored events with it in time order, so the lead is a function of its set of
 * events whatever the order of arrival (§2.12). The commit stores the event once, the lead with
 * the events it emits (the outbox, read from the table's stream), and retries on conflict. The
 * request never calls EventBridge.
 */
export interface IngestOptions {
  /**
   * Score and store without emitting events (history import, PRODUCT §6.2a): what the lead is
   * now becomes what was reported, so nothing alerts for it later either.
   */
  readonly silent?: boolean;
}

export async function ingestEvent(
  ctx: IngestContext,
  event: IngestEvent,
  now: number,
  options: IngestOptions = {},
): Promise<IngestResult> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const target = await resolveTarget(ctx.repo, event);
    if ('rejected' in target) return { status: 'rejected', eventId: event.eventId, ...target.rejected };
    const decided = await decide(ctx, event, target, now, options);
    if ('throttled' in decided) {
      return { status: 'throttled', eventId: event.eventId, leadId: target.leadId, ...decided.throttled };
    }
    if ('rejected' in decided) {
      if (await ctx.repo.hasEvent(target.leadId, event.eventId))
        return { status: 'duplicate', eventId: event.eventId, leadId: target.leadId };
      return { status: 'rejected', eventId: event.eventId, ...decided.rejected };
    }
    const outcome = await ctx.repo.commitIngest(decided.commit);
    if (outcome === 'duplicate')
      return { status: 'duplicate', eventId: event.eventId, leadId: target.leadId };
    if (outcome === 'conflict') {
      await sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)));
      continue;
    }
    return {
      status: 'accepted',
      eventId: event.eventId,
      leadId: target.leadId,
      score: decided.state.reported.score,
      segment: decided.state.reported.segment ?? '',
    };
  }
  throw new LeadContentionError(
    `event ${event.eventId} found its lead contended after ${MAX_ATTEMPTS} attempts`,
  );
}

/**
 * Creates a lead from several events at once (a history import: the row and its outcome): one
 * read, then one transaction storing every event and the lead, scored in event-time order.
 * Undefined when the lead exists already (or another writer created it meanwhile, or one of the
 * events is stored already): the caller then ingests the events one by one, which is always
 * right, only slower.
 */
export async function ingestNewLead(
  ctx: IngestContext,
  events: readonly (IngestEvent & { readonly email: string })[],
  now: number,
  options: IngestOptions = {},
): Promise<{ leadId: string; state: LeadState } | undefined> {
  const [first] = events;
  if (!first) return undefined;
  const leadId = leadIdFor(first.email);
  if (events.some((e) => leadIdFor(e.email) !== leadId) || events.some((e) => e.spam || e.anonymousId))
    throw new Error('ingestNewLead takes the events of one identified lead');
  if (await ctx.repo.getLead(leadId)) return undefined;
  const scoring = events
    .map((e) => toScoringEvent({ ...e, profile: { ...e.profile, email: normaliseEmail(e.email) } }))
    .sort((a, b) => a.occurredAt - b.occurredAt || (a.id < b.id ? -1 : 1));
  let folded = newLeadState(leadId, ctx.model);
  for (const event of scoring) {
    if (event.profile) {
      const issue = profileBudgetIssues(folded.profile, event.profile)[0];
      if (issue) return undefined; // the one-by-one path names the field
    }
    folded = foldEvent(folded, event, ctx.model);
  }
  const { state, changes } = observe(folded, ctx.model, now);
  const route = routeFor(state.profile, ctx.config);
  const outbox = options.silent
    ? []
    : outgoingEvents({
        state,
        changes,
        model: ctx.model,
        config: ctx.config,
        version: 1,
        route,
        now,
        cause: first.type,
      });
  const lead = toLeadItem({
    state,
    kind: 'lead',
    version: 1,
    route,
    nextChangeAt: nextChangeAt(state, ctx.model, now),
    // An imported lead was created when the CRM says, not when it was imported.
    createdAt: new Date(Math.min(now, scoring[0]!.occurredAt)).toISOString(),
    now,
    outbox,
  });
  const [eventItem, ...more] = scoring.map((e) => toEventItem(leadId, e, ctx.config, now));
  const outcome = await ctx.repo.commitIngest({
    event: eventItem!,
    moreEvents: more,
    lead,
    expectedVersion: undefined,
  });
  return outcome === 'committed' ? { leadId, state } : undefined;
}

/** Which lead item an event updates, following anonymous visitors merged into leads. */
async function resolveTarget(repo: LeadRepository, event: IngestEvent): Promise<Target | Rejected> {
  if (event.email) {
    const leadId = leadIdFor(event.email);
    return { leadId, kind: 'lead', item: await repo.getLead(leadId) };
  }
  if (event.leadId) {
    const item = await repo.getLead(event.leadId);
    if (!item) return { rejected: { reason: `unknown leadId "${event.leadId}"`, field: 'leadId' } };
    if (item.mergedInto)
      return { leadId: item.mergedInto, kind: 'lead', item: await repo.getLead(item.mergedInto) };
    return { leadId: event.leadId, kind: item.kind, item };
  }
  if (event.anonymousId) {
    const anonId = anonymousLeadIdFor(event.anonymousId);
    const item = await repo.getLead(anonId);
    if (item?.mergedInto)
      return { leadId: item.mergedInto, kind: 'lead', item: await repo.getLead(item.mergedInto) };
    return { leadId: anonId, kind: 'anonymous', item };
  }
  return { rejected: { reason: 'one of email, leadId or anonymousId is required', field: 'email' } };
}

/** The anonymous visitor a lead event merges, if it brings one not merged yet and there is room. */
async function visitorToMerge(repo: LeadRepository, event: IngestEvent, target: Target) {
  if (target.kind !== 'lead' || !event.anonymousId) return undefined;
  const merged = target.item?.anonymousIds ?? [];
  if (merged.includes(event.anonymousId) || merged.length >= MAX_MERGED_VISITORS) return undefined;
  const visitor = await repo.getLead(anonymousLeadIdFor(event.anonymousId));
  if (visitor?.mergedInto) return undefined; // merged already (into this lead or another)
  return { anonymousId: event.anonymousId, version: visitor?.version, hasEvents: visitor !== undefined };
}

/**
 * Every stored event of a lead as the engine reads it: its own and those of the anonymous
 * visitors merged into it, read page by page (PRODUCT §3.5: a merge carries every event).
 */
export async function storedEventsOf(
  repo: LeadRepository,
  leadId: string,
  anonymousIds: readonly string[],
): Promise<ScoringEvent[]> {
  const events: ScoringEvent[] = [];
  for (const partition of [leadId, ...anonymousIds.map(anonymousLeadIdFor)]) {
    for (const item of await repo.listEvents(partition)) events.push(toScoringEvent(item));
  }
  return events;
}

/**
 * A lead's stored events when a scan already read its own partition (`ownEvents`): only merged
 * visitors' partitions are queried. The fold's event count must match what was read (spam is
 * stored but never folded); when it does not (a page raced a writer, or the store returned a
 * partial collection) the lead's partitions are all queried again.
 */
export async function scannedEventsOf(
  repo: LeadRepository,
  lead: Pick<LeadItem, 'leadId' | 'anonymousIds'>,
  ownEvents: readonly EventItem[],
  foldedCount: number,
): Promise<ScoringEvent[]> {
  const events = ownEvents.map(toScoringEvent);
  for (const anonymousId of lead.anonymousIds ?? [])
    for (const item of await repo.listEvents(anonymousLeadIdFor(anonymousId)))
      events.push(toScoringEvent(item));
  let folded = 0;
  for (const event of events) if (!event.spam) folded++;
  return folded === foldedCount ? events : storedEventsOf(repo, lead.leadId, lead.anonymousIds ?? []);
}

/** The new state and the commit that stores it (reads only to replay or merge). */
async function decide(
  ctx: IngestContext,
  event: IngestEvent,
  target: Target,
  now: number,
  options: IngestOptions,
): Promise<{ state: LeadState; commit: IngestCommit } | Refusal> {
  const { config, model, repo } = ctx;
  const stored: LeadState = target.item ? stateOf(target.item) : newLeadState(target.leadId, model);
  const formRate = anonymousFormRate(event, target.item, now);
  if (formRate && formRate.count > FORM_POSTS_PER_LEAD_PER_HOUR) {
    const reason = `at most ${FORM_POSTS_PER_LEAD_PER_HOUR} form posts per lead per hour; try again later`;
    return { throttled: { reason, field: 'email' } };
  }
  const scoring = toScoringEvent({
    ...event,
    ...(event.email ? { profile: { ...event.profile, email: normaliseEmail(event.email) } } : {}),
  });
  if (scoring.profile && !scoring.spam) {
    const issue = profileBudgetIssues(stored.profile, scoring.profile)[0];
    if (issue) return { rejected: { reason: issue.message, field: issue.field } };
  }
  const eventItem = toEventItem(target.leadId, scoring, config, now);
  // A spam submission is kept as a marked event and changes nothing else: not the lead, not
  // its visitors (a bot that knows an email cannot hijack or disqualify the lead).
  if (scoring.spam)
    return { state: stored, commit: { event: eventItem, expectedVersion: target.item?.version } };

  const visitor = await visitorToMerge(repo, event, target);
  const anonymousIds = [...(target.item?.anonymousIds ?? [])];
  if (visitor?.hasEvents) anonymousIds.push(visitor.anonymousId);
  // In order: one fold step. Late, or bringing a visitor's history: replay every stored event.
  const folded =
    visitor?.hasEvents || isLate(stored, scoring)
      ? replay(stored, [...(await storedEventsOf(repo, target.leadId, anonymousIds)), scoring], model)
      : foldEvent(stored, scoring, model);
  const { state, changes } = observe(folded, model, now);
  const version = (target.item?.version ?? 0) + 1;
  const route = target.kind === 'lead' ? routeFor(state.profile, config) : null;
  const outbox =
    target.kind === 'lead' && !options.silent
      ? outgoingEvents({ state, changes, model, config, version, route, now, cause: event.type })
      : [];
  const lead = toLeadItem({
    state,
    kind: target.kind,
    version,
    route,
    nextChangeAt: nextChangeAt(state, model, now),
    createdAt: target.item?.createdAt ?? new Date(now).toISOString(),
    now,
    anonymousIds,
    outbox,
    ...(formRate ? { formRate } : target.item?.formRate ? { formRate: target.item.formRate } : {}),
  });
  // A visitor's events stay in its partition when it is merged: one of them sent again now
  // reaches the lead, and is a duplicate there too.
  const visitorPartition =
    target.kind === 'lead' && event.anonymousId && anonymousIds.includes(event.anonymousId)
      ? anonymousLeadIdFor(event.anonymousId)
      : undefined;
  return {
    state,
    commit: {
      event: eventItem,
      lead,
      expectedVersion: target.item?.version,
      ...(visitorPartition ? { absentFrom: [visitorPartition] } : {}),
      ...(visitor ? { visitor: { anonymousId: visitor.anonymousId, version: visitor.version } } : {}),
    },
  };
}

/**
 * The lead's count of anonymous form posts in the current clock hour, this one included, or
 * undefined for other events (authenticated sources and spam, which changes no lead, are not counted).
 */
function anonymousFormRate(event: IngestEvent, item: LeadItem | undefined, now: number) {
  if (event.type !== 'form_submit' || event.trusted || event.spam) return undefined;
  const hour = Math.floor(now / HOUR_MS);
  const previous = item?.formRate?.hour === hour ? item.formRate.count : 0;
  return { hour, count: previous + 1 };
}

/** The stored form of an event (also how benches fill a table with what ingestion writes). */
export function toEventItem(
  leadId: string,
  event: ScoringEvent,
  config: ClientConfig,
  now: number,
): EventItem {
  return {
    ...eventKey(leadId, event.id),
    eventId: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    attributes: { ...event.attributes },
    ...(event.profile ? { profile: { ...event.profile } } : {}),
    ...(event.trusted ? { trusted: true as const } : {}),
    ...(event.spam ? { spam: true as const } : {}),
    receivedAt: new Date(now).toISOString(),
    expiresAt: Math.floor((event.occurredAt + config.retention.eventDays * DAY_MS) / 1000),
  };
}

/** The engine's view of an event, as ingested or as stored. */
export function toScoringEvent(
  event: Pick<IngestEvent, 'eventId' | 'type' | 'occurredAt' | 'attributes' | 'profile' | 'trusted' | 'spam'>,
): ScoringEvent {
  return {
    id: event.eventId,
    type: event.type,
    occurredAt: event.occurredAt,
    attributes: event.attributes,
    ...(event.profile ? { profile: event.profile } : {}),
    ...(event.trusted ? { trusted: true } : {}),
    ...(event.spam ? { spam: true } : {}),
  };
}
