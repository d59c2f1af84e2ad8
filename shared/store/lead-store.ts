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
import { applyEvent, newLeadState } from '#shared/scoring/engine.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import type { LeadState, Profile, RuleContribution, ScoreChanges } from '#shared/scoring/types.ts';
import { anonymousLeadIdFor, leadIdFor } from './identity.ts';
import { EVENT_SK_PREFIX, eventKey, type LeadItem, leadKey, stateOf, toLeadItem } from './lead-item.ts';
import { outgoingEvents } from './outgoing.ts';

const DAY_MS = 86_400_000;
/** Most anonymous events merged into a lead at once (a transaction holds at most 100 items). */
export const MERGE_LIMIT = 95;
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
}

export type IngestResult =
  | { status: 'accepted'; eventId: string; leadId: string; score: number; segment: string }
  | { status: 'duplicate'; eventId: string; leadId: string }
  | { status: 'rejected'; eventId: string; reason: string; field: string };

/** The stored form of an event (raw event kept for replay, explanation and audits). */
export interface EventItem {
  pk: string;
  sk: string;
  eventId: string;
  type: string;
  occurredAt: number;
  attributes: Record<string, unknown>;
  profile?: Profile;
  receivedAt: string;
  expiresAt: number;
  awarded: readonly RuleContribution[];
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
   * already stored for the lead. Outgoing events are published after the commit.
   */
  async ingest(event: IngestEvent, now: number = Date.now()): Promise<IngestResult> {
    const skipCopies = new Set<string>();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const target = await this.resolveTarget(event);
      if ('rejected' in target) return { status: 'rejected', eventId: event.eventId, ...target.rejected };
      const plan = await this.plan(event, target, now, skipCopies);
      try {
        await this.doc.send(new TransactWriteCommand(plan.transaction));
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes === null) throw error;
        if (codes[0] === 'ConditionalCheckFailed') {
          await this.republish(target.leadId, event.eventId);
          return { status: 'duplicate', eventId: event.eventId, leadId: target.leadId };
        }
        const failedCopy = codes.findIndex(
          (c, i) => i >= plan.firstCopyIndex && c === 'ConditionalCheckFailed',
        );
        // An anonymous event already stored under the lead: merge the rest without it.
        if (failedCopy >= 0) skipCopies.add(plan.copyIds[failedCopy - plan.firstCopyIndex] ?? '');
        await sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)));
        continue;
      }
      await this.publish(plan.outgoing);
      return {
        status: 'accepted',
        eventId: event.eventId,
        leadId: target.leadId,
        score: plan.state.score,
        segment: plan.state.segment ?? 'cold',
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
      return { leadId, kind: 'lead', item, anonymousId: event.anonymousId };
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

  /** Computes the new state and the transaction that stores it (pure apart from merge reads). */
  private async plan(
    event: IngestEvent,
    target: ResolvedTarget,
    now: number,
    skipCopies: ReadonlySet<string>,
  ): Promise<Plan> {
    const { config } = this.options;
    const model = this.model;
    let state: LeadState = target.item ? stateOf(target.item) : newLeadState(target.leadId, model);
    const version = (target.item?.version ?? 0) + 1;
    const anonymousIds = new Set(target.item?.anonymousIds ?? []);
    const transactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
    const copyIds: string[] = [];

    const merge =
      target.kind === 'lead' && event.anonymousId && !anonymousIds.has(event.anonymousId)
        ? await this.loadAnonymous(event.anonymousId, target.leadId)
        : undefined;

    // Anonymous history first, at its own times, then the event itself.
    let changes: ScoreChanges | undefined;
    const copies: EventItem[] = [];
    if (merge) {
      for (const anonEvent of merge.events) {
        if (skipCopies.has(anonEvent.eventId)) continue;
        const applied = applyEvent(state, toScoringEvent(anonEvent), model);
        state = applied.state;
        changes = mergeChanges(changes, applied.changes);
        copies.push({
          ...anonEvent,
          ...eventKey(target.leadId, anonEvent.eventId),
          awarded: applied.awarded,
          emitted: [],
        });
        copyIds.push(anonEvent.eventId);
      }
    }
    const applied = applyEvent(state, toScoringEvent({ ...event, eventId: event.eventId }), model);
    state = applied.state;
    changes = mergeChanges(changes, applied.changes);

    const route = target.kind === 'lead' ? routeFor(state.profile, config) : null;
    const outgoing =
      target.kind === 'lead'
        ? outgoingEvents({ state, changes, model, config, version, route, now, cause: event.type })
        : [];
    if (event.anonymousId && target.kind === 'lead') anonymousIds.add(event.anonymousId);

    const eventItem: EventItem = {
      ...eventKey(target.leadId, event.eventId),
      eventId: event.eventId,
      type: event.type,
      occurredAt: event.occurredAt,
      attributes: { ...event.attributes },
      ...(event.profile ? { profile: { ...event.profile } } : {}),
      receivedAt: new Date(now).toISOString(),
      expiresAt: Math.floor((event.occurredAt + config.retention.eventDays * DAY_MS) / 1000),
      awarded: applied.awarded,
      emitted: outgoing,
    };
    transactItems.push({
      Put: { TableName: this.tableName, Item: eventItem, ConditionExpression: 'attribute_not_exists(pk)' },
    });
    const leadItem = toLeadItem({
      state,
      kind: target.kind,
      version,
      route,
      nextChangeAt: nextChangeAt(state, model, Math.max(now, state.updatedAt)),
      createdAt: target.item?.createdAt ?? new Date(now).toISOString(),
      now,
      anonymousIds: [...anonymousIds],
    });
    transactItems.push({
      Put: {
        TableName: this.tableName,
        Item: leadItem,
        ...(target.item
          ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': target.item.version } }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    });
    if (
      event.anonymousId &&
      target.kind === 'lead' &&
      !target.item?.anonymousIds?.includes(event.anonymousId)
    ) {
      // The visitor record now points at the lead: later anonymous events go straight to it.
      transactItems.push({
        Update: {
          TableName: this.tableName,
          Key: leadKey(anonymousLeadIdFor(event.anonymousId)),
          UpdateExpression:
            'SET mergedInto = :lead, version = if_not_exists(version, :zero) + :one, kind = :anon REMOVE gsi2pk, gsi2sk',
          ConditionExpression: merge?.version === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues: {
            ':lead': target.leadId,
            ':zero': 0,
            ':one': 1,
            ':anon': 'anonymous',
            ...(merge?.version === undefined ? {} : { ':v': merge.version }),
          },
        },
      });
    }
    const firstCopyIndex = transactItems.length;
    for (const copy of copies) {
      transactItems.push({
        Put: { TableName: this.tableName, Item: copy, ConditionExpression: 'attribute_not_exists(pk)' },
      });
    }
    return { state, outgoing, transaction: { TransactItems: transactItems }, firstCopyIndex, copyIds };
  }

  /** The anonymous visitor's stored events (most recent MERGE_LIMIT), oldest first. */
  private async loadAnonymous(anonymousId: string, leadId: string) {
    const anonId = anonymousLeadIdFor(anonymousId);
    const item = await this.getLeadItem(anonId);
    if (!item) return { version: undefined, events: [] as EventItem[] };
    if (item.mergedInto && item.mergedInto !== leadId)
      return { version: item.version, events: [] as EventItem[] };
    if (item.mergedInto === leadId) return { version: item.version, events: [] as EventItem[] };
    const events = await this.listEvents(anonId);
    return { version: item.version, events: events.slice(-MERGE_LIMIT) };
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
  anonymousId?: string | undefined;
}

interface Plan {
  state: LeadState;
  outgoing: OutgoingEvent[];
  transaction: TransactWriteCommandInput;
  firstCopyIndex: number;
  copyIds: string[];
}

function toScoringEvent(
  event: Pick<IngestEvent, 'eventId' | 'type' | 'occurredAt' | 'attributes' | 'profile'>,
) {
  return {
    id: event.eventId,
    type: event.type,
    occurredAt: event.occurredAt,
    attributes: event.attributes,
    ...(event.profile ? { profile: event.profile } : {}),
  };
}

/** Combines the changes of several applications into one before/after view. */
function mergeChanges(first: ScoreChanges | undefined, next: ScoreChanges): ScoreChanges {
  if (!first) return next;
  const from = first.segmentChange ? first.segmentChange.from : (next.segmentChange?.from ?? null);
  const to = next.segmentChange?.to ?? first.segmentChange?.to;
  return {
    scoreBefore: first.scoreBefore,
    scoreAfter: next.scoreAfter,
    segmentChange: to !== undefined && to !== from ? { from, to } : null,
    gradeChange: next.gradeChange ?? first.gradeChange,
    thresholdCrossings: [...first.thresholdCrossings, ...next.thresholdCrossings],
    newlyDisqualified: next.newlyDisqualified ?? first.newlyDisqualified,
  };
}
