import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type OutgoingEvent, sourceFor } from '#shared/events/contracts.ts';
import { coalescingPublisher, type Publish, publishEvents } from '#shared/events/publisher.ts';
import { routeFor } from '#shared/notify/routing.ts';
import { foldEvent, isLate, newLeadState, observe, replay } from '#shared/scoring/engine.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import { profileBudgetIssues } from '#shared/scoring/profile.ts';
import type { LeadState, Profile, ScoringEvent } from '#shared/scoring/types.ts';
import { anonymousLeadIdFor, leadIdFor, normaliseEmail } from './identity.ts';
import { EVENT_SK_PREFIX, eventKey, type LeadItem, leadKey, stateOf, toLeadItem } from './lead-item.ts';
import { outgoingEvents } from './outgoing.ts';

const DAY_MS = 86_400_000;
/**
 * Most anonymous visitors (tracking cookies) merged into one lead. Their events stay in their
 * own partitions and are read with the lead's when it is replayed, so a merge carries every
 * event however many; the bound keeps the lead record within its size budget (PRODUCT §3.7).
 */
export const MAX_MERGED_VISITORS = 25;
const MAX_ATTEMPTS = 40;

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

/** Anonymous form posts one lead accepts per clock hour; the rest get 429 (PRODUCT §3.7). */
export const FORM_POSTS_PER_LEAD_PER_HOUR = 20;
const HOUR_MS = 3_600_000;

/** The stored form of an event (raw event kept for replay, explanation and audits). */
export interface EventItem {
  pk: string;
  sk: string;
  eventId: string;
  type: string;
  occurredAt: number;
  attributes: Record<string, unknown>;
  profile?: Profile;
  trusted?: true;
  spam?: true;
  receivedAt: string;
  expiresAt: number;
  /** The events this one caused, republished if it is delivered again (at-least-once out). */
  emitted: readonly OutgoingEvent[];
}

export interface LeadStoreOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly config: ClientConfig;
  readonly eventBridge: EventBridgeClient;
  readonly busName: string;
  /** Called with events that could not be published after retries (after they are kept). */
  readonly onPublishFailure?: (failed: number) => void;
}

export class LeadStoreConflictError extends Error {
  override name = 'LeadStoreConflictError';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CancellationError {
  name: string;
  CancellationReasons?: { Code?: string }[];
}

const cancellationCodes = (error: unknown): string[] | null => {
  const e = error as CancellationError;
  if (e?.name !== 'TransactionCanceledException') return null;
  return (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
};

/**
 * The only code that reads and writes leads and events in DynamoDB. Each event costs one
 * consistent GetItem of the lead and one TransactWriteItems that stores the event
 * (conditional on its id: stored once) together with the new lead state (conditional on the
 * version read: optimistic concurrency, retried on conflict). Both happen or neither, so a
 * crash or retry never double counts.
 */
export class LeadStore {
  readonly model: CompiledModel;
  readonly tableName: string;
  readonly doc: DynamoDBDocumentClient;
  /** Concurrent ingestions in this process share PutEvents requests. */
  private readonly publishShared: Publish;

  constructor(private readonly options: LeadStoreOptions) {
    this.doc = options.doc;
    this.tableName = options.tableName;
    this.model = compileModel(options.config);
    this.publishShared = coalescingPublisher(options.eventBridge, {
      busName: options.busName,
      source: sourceFor(options.config.client),
    });
  }

  get config(): ClientConfig {
    return this.options.config;
  }

  /** Runs a query on the client's table (reads by the API and the decay job). */
  query(command: QueryCommand) {
    return this.doc.send(command);
  }

  async getLeadItem(leadId: string): Promise<LeadItem | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: leadKey(leadId), ConsistentRead: true }),
    );
    return Item as LeadItem | undefined;
  }

  /**
   * Stores one event and applies it to its lead: accepted, or duplicate when this event id was
   * already stored for the lead. An in-order event is one fold step; a late one, or the merge of
   * an anonymous visitor, replays the lead's stored events with it in time order, so the lead's
   * state is a function of its set of events whatever the order of arrival (PRODUCT §2.12).
   * Outgoing events are published after the commit.
   */
  async ingest(event: IngestEvent, now: number = Date.now()): Promise<IngestResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const target = await this.resolveTarget(event);
      if ('rejected' in target) return { status: 'rejected', eventId: event.eventId, ...target.rejected };
      const plan = await this.plan(event, target, now);
      if ('throttled' in plan) {
        return { status: 'throttled', eventId: event.eventId, leadId: target.leadId, ...plan.throttled };
      }
      if ('rejected' in plan) {
        if (await this.hasEvent(target.leadId, event.eventId))
          return { status: 'duplicate', eventId: event.eventId, leadId: target.leadId };
        return { status: 'rejected', eventId: event.eventId, ...plan.rejected };
      }
      try {
        await this.doc.send(new TransactWriteCommand(plan.transaction));
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes === null) throw error;
        if (codes[0] === 'ConditionalCheckFailed') {
          await this.republish(target.leadId, event.eventId);
          return { status: 'duplicate', eventId: event.eventId, leadId: target.leadId };
        }
        await sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)));
        continue;
      }
      await this.publish(plan.outgoing);
      return {
        status: 'accepted',
        eventId: event.eventId,
        leadId: target.leadId,
        score: plan.state.reported.score,
        segment: plan.state.reported.segment ?? '',
      };
    }
    throw new LeadStoreConflictError(
      `event ${event.eventId} found its lead contended after ${MAX_ATTEMPTS} attempts`,
    );
  }

  /** Works out which lead item an event updates, following anonymous visitors merged into leads. */
  private async resolveTarget(
    event: IngestEvent,
  ): Promise<ResolvedTarget | { rejected: { reason: string; field: string } }> {
    if (event.email) {
      const leadId = leadIdFor(event.email);
      const item = await this.getLeadItem(leadId);
      return { leadId, kind: 'lead', item };
    }
    if (event.leadId) {
      const item = await this.getLeadItem(event.leadId);
      if (!item) return { rejected: { reason: `unknown leadId "${event.leadId}"`, field: 'leadId' } };
      if (item.mergedInto)
        return { leadId: item.mergedInto, kind: 'lead', item: await this.getLeadItem(item.mergedInto) };
      return { leadId: event.leadId, kind: item.kind, item };
    }
    if (event.anonymousId) {
      const anonId = anonymousLeadIdFor(event.anonymousId);
      const item = await this.getLeadItem(anonId);
      if (item?.mergedInto)
        return { leadId: item.mergedInto, kind: 'lead', item: await this.getLeadItem(item.mergedInto) };
      return { leadId: anonId, kind: 'anonymous', item };
    }
    return { rejected: { reason: 'one of email, leadId or anonymousId is required', field: 'email' } };
  }

  /** The anonymous visitor a lead event merges, if it brings one not merged yet and there is room. */
  private async visitorToMerge(event: IngestEvent, target: ResolvedTarget) {
    if (target.kind !== 'lead' || !event.anonymousId) return undefined;
    const merged = target.item?.anonymousIds ?? [];
    if (merged.includes(event.anonymousId) || merged.length >= MAX_MERGED_VISITORS) return undefined;
    const visitor = await this.getLeadItem(anonymousLeadIdFor(event.anonymousId));
    if (visitor?.mergedInto) return undefined; // merged already (into this lead or another)
    return { anonymousId: event.anonymousId, version: visitor?.version, hasEvents: visitor !== undefined };
  }

  /** Computes the new state and the transaction that stores it (pure apart from replay reads). */
  private async plan(
    event: IngestEvent,
    target: ResolvedTarget,
    now: number,
  ): Promise<
    Plan | { rejected: { reason: string; field: string } } | { throttled: { reason: string; field: string } }
  > {
    const { config } = this.options;
    const model = this.model;
    const stored: LeadState = target.item ? stateOf(target.item) : newLeadState(target.leadId, model);
    const formRate = anonymousFormRate(event, target.item, now);
    if (formRate && formRate.count > FORM_POSTS_PER_LEAD_PER_HOUR) {
      return {
        throttled: {
          reason: `at most ${FORM_POSTS_PER_LEAD_PER_HOUR} form posts per lead per hour; try again later`,
          field: 'email',
        },
      };
    }
    const scoring = toScoringEvent({
      ...event,
      ...(event.email ? { profile: { ...event.profile, email: normaliseEmail(event.email) } } : {}),
    });
    if (scoring.profile && !scoring.spam) {
      const issue = profileBudgetIssues(stored.profile, scoring.profile)[0];
      if (issue) return { rejected: { reason: issue.message, field: issue.field } };
    }
    const version = (target.item?.version ?? 0) + 1;
    const visitor = await this.visitorToMerge(event, target);
    const anonymousIds = [...(target.item?.anonymousIds ?? [])];
    if (visitor?.hasEvents) anonymousIds.push(visitor.anonymousId);

    // In order: one fold step. Late, or bringing a visitor's history: replay every stored event.
    const folded =
      visitor?.hasEvents || (isLate(stored, scoring) && !scoring.spam)
        ? replay(stored, [...(await this.scoringEventsOf(target.leadId, anonymousIds)), scoring], model)
        : foldEvent(stored, scoring, model);
    const observed = observe(folded, model, now);
    const state = observed.state;
    const route = target.kind === 'lead' ? routeFor(state.profile, config) : null;
    const outgoing =
      target.kind === 'lead' && !scoring.spam
        ? outgoingEvents({
            state,
            changes: observed.changes,
            model,
            config,
            version,
            route,
            now,
            cause: event.type,
          })
        : [];

    const eventItem: EventItem = {
      ...eventKey(target.leadId, event.eventId),
      eventId: event.eventId,
      type: event.type,
      occurredAt: event.occurredAt,
      attributes: { ...event.attributes },
      ...(scoring.profile ? { profile: { ...scoring.profile } } : {}),
      ...(event.trusted ? { trusted: true as const } : {}),
      ...(event.spam ? { spam: true as const } : {}),
      receivedAt: new Date(now).toISOString(),
      expiresAt: Math.floor((event.occurredAt + config.retention.eventDays * DAY_MS) / 1000),
      emitted: outgoing,
    };
    const transactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: { TableName: this.tableName, Item: eventItem, ConditionExpression: 'attribute_not_exists(pk)' },
      },
    ];
    // A spam submission is kept as a marked event and changes nothing else: not the lead, not
    // its visitors (a bot that knows an email cannot hijack or disqualify the lead).
    if (!scoring.spam) {
      const leadItem = toLeadItem({
        state,
        kind: target.kind,
        version,
        route,
        nextChangeAt: nextChangeAt(state, model, now),
        createdAt: target.item?.createdAt ?? new Date(now).toISOString(),
        now,
        anonymousIds,
        ...(formRate ? { formRate } : target.item?.formRate ? { formRate: target.item.formRate } : {}),
      });
      transactItems.push({
        Put: {
          TableName: this.tableName,
          Item: leadItem,
          ...(target.item
            ? {
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': target.item.version },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      });
    }
    if (visitor && !scoring.spam) {
      // The visitor record now points at the lead: later anonymous events go straight to it.
      transactItems.push({
        Update: {
          TableName: this.tableName,
          Key: leadKey(anonymousLeadIdFor(visitor.anonymousId)),
          UpdateExpression:
            'SET mergedInto = :lead, version = if_not_exists(version, :zero) + :one, kind = :anon REMOVE gsi2pk, gsi2sk',
          ConditionExpression: visitor.version === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues: {
            ':lead': target.leadId,
            ':zero': 0,
            ':one': 1,
            ':anon': 'anonymous',
            ...(visitor.version === undefined ? {} : { ':v': visitor.version }),
          },
        },
      });
    }
    return { state, outgoing, transaction: { TransactItems: transactItems } };
  }

  /** True when the lead already stored this event id. */
  private async hasEvent(leadId: string, eventId: string): Promise<boolean> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: eventKey(leadId, eventId),
        ProjectionExpression: 'pk',
      }),
    );
    return Item !== undefined;
  }

  /**
   * Every stored event of a lead as the engine reads it: its own and those of the anonymous
   * visitors merged into it, read page by page (PRODUCT §3.5: a merge carries every event).
   */
  async scoringEventsOf(leadId: string, anonymousIds: readonly string[]): Promise<ScoringEvent[]> {
    const partitions = [leadId, ...anonymousIds.map(anonymousLeadIdFor)];
    const events: ScoringEvent[] = [];
    for (const partition of partitions) {
      for (const item of await this.listEvents(partition)) events.push(toScoringEvent(item));
    }
    return events;
  }

  /** A lead's stored events, oldest first (for replay, merge and explanation). */
  async listEvents(leadId: string): Promise<EventItem[]> {
    const events: EventItem[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
          ExpressionAttributeValues: { ':pk': leadKey(leadId).pk, ':evt': EVENT_SK_PREFIX },
          ExclusiveStartKey: cursor,
        }),
      );
      events.push(...((page.Items ?? []) as EventItem[]));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return events.sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : 1));
  }

  /** A duplicate delivery may follow a crash between commit and publish: publish again. */
  private async republish(leadId: string, eventId: string): Promise<void> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: eventKey(leadId, eventId) }),
    );
    const emitted = (Item as EventItem | undefined)?.emitted ?? [];
    if (emitted.length > 0) await this.publish(emitted);
  }

  /**
   * Publishes outgoing events; what still fails after retries is kept in the table as outbox
   * items (never dropped) and re-driven by {@link redriveOutbox}.
   */
  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { failed } = await this.publishShared(events);
    for (const { event, error } of failed) {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: 'OUTBOX',
            sk: `${event.detail.time}#${event.detail.id}`,
            event,
            error,
            keptAt: new Date().toISOString(),
          },
        }),
      );
    }
    if (failed.length > 0) this.options.onPublishFailure?.(failed.length);
  }

  /** Publishes the events kept in the outbox and removes those that went out. */
  async redriveOutbox(): Promise<{ published: number; remaining: number }> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'OUTBOX' },
      }),
    );
    let published = 0;
    let remaining = 0;
    for (const item of Items) {
      const { failed } = await publishEvents(this.options.eventBridge, [item.event as OutgoingEvent], {
        busName: this.options.busName,
        source: sourceFor(this.options.config.client),
      });
      if (failed.length > 0) {
        remaining++;
        continue;
      }
      published++;
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [{ Delete: { TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } } }],
        }),
      );
    }
    return { published, remaining };
  }
}

interface ResolvedTarget {
  leadId: string;
  kind: 'lead' | 'anonymous';
  item: LeadItem | undefined;
}

interface Plan {
  state: LeadState;
  outgoing: OutgoingEvent[];
  transaction: TransactWriteCommandInput;
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
