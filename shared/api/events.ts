import * as z from 'zod';
import type { IngestEvent, IngestResult } from '#shared/app/ingest.ts';
import type { Leadscore } from '#shared/app/leadscore.ts';
import { ValidationError } from '#shared/http/errors.ts';
import { zodFieldIssues } from '#shared/http/middleware.ts';
import { contentEventId } from '#shared/store/identity.ts';
import { isReservedFieldName } from './field-names.ts';

/** Most events in one POST /v1/events (PRODUCT §3.2). */
export const MAX_BATCH = 500;
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/**
 * Numbers the store can keep as sent: the SDK marshaller refuses integers beyond ±2^53 and
 * DynamoDB magnitudes below 1e-130, so such values are a 400 here rather than a failed write.
 */
const storableNumber = z
  .number()
  .finite()
  .refine((n) => Math.abs(n) <= Number.MAX_SAFE_INTEGER, 'at most ±9007199254740991')
  .refine((n) => n === 0 || Math.abs(n) >= 1e-130, 'too close to zero (under 1e-130)');

const attributeValue = z.union([z.string().max(2048), storableNumber, z.boolean(), z.null()]);

/** One incoming engagement event (PRODUCT §3.2, vocabulary §3.6). */
export const incomingEventSchema = z
  .object({
    eventId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\w.:@/-]+$/, 'letters, digits and . : @ / - _ only')
      .optional()
      .describe('Idempotency key: the same id for the same lead is stored and counted once.'),
    email: z.email().max(254).optional(),
    leadId: z
      .string()
      .regex(/^(ld|an)_[\w-]{22}$/, 'not a leadscore lead id')
      .optional(),
    anonymousId: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('Tracking cookie id of an anonymous visitor.'),
    type: z
      .string()
      .max(64)
      .regex(/^[a-z][a-z0-9_]*$/, 'event types are snake_case'),
    occurredAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('ISO 8601; defaults to the time of receipt.'),
    attributes: z
      .record(
        z
          .string()
          .min(1)
          .max(64)
          .refine((k) => !isReservedFieldName(k), 'reserved attribute name'),
        attributeValue,
      )
      .refine((a) => Object.keys(a).length <= 50, 'at most 50 attributes')
      .default({}),
  })
  .strict()
  .refine((e) => e.email !== undefined || e.leadId !== undefined || e.anonymousId !== undefined, {
    message: 'one of email, leadId or anonymousId is required',
    path: ['email'],
  });

export type IncomingEvent = z.infer<typeof incomingEventSchema>;

export type EventResult =
  | (IngestResult & { index: number })
  | {
      index: number;
      status: 'rejected';
      eventId?: string;
      reason: string;
      fields: { field: string; message: string }[];
    }
  | { index: number; status: 'failed'; eventId: string; reason: string };

/** Accepts one event object, an array, or `{ events: [...] }`; anything else is a 400. */
export function eventsOf(body: unknown): { single: boolean; items: unknown[] } {
  if (Array.isArray(body)) return checkSize({ single: false, items: body });
  if (body !== null && typeof body === 'object') {
    const events = (body as { events?: unknown }).events;
    if (events !== undefined) {
      if (!Array.isArray(events))
        throw new ValidationError([{ field: 'events', message: 'expected an array of events' }]);
      return checkSize({ single: false, items: events });
    }
    return { single: true, items: [body] };
  }
  throw new ValidationError([{ field: 'body', message: 'expected an event object or an array of events' }]);
}

function checkSize(batch: { single: boolean; items: unknown[] }) {
  if (batch.items.length === 0)
    throw new ValidationError([{ field: 'events', message: 'the batch is empty' }]);
  if (batch.items.length > MAX_BATCH) {
    throw new ValidationError([
      { field: 'events', message: `at most ${MAX_BATCH} events per request, got ${batch.items.length}` },
    ]);
  }
  return batch;
}

/** Validates one event; the result is an IngestEvent or a rejection naming the fields. */
export function validateEvent(
  raw: unknown,
  index: number,
  now: number,
  retentionDays: number,
  prefix: string,
): { event: IngestEvent } | { rejected: EventResult } {
  const parsed = incomingEventSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = zodFieldIssues(parsed.error, prefix);
    const eventId =
      typeof (raw as { eventId?: unknown })?.eventId === 'string'
        ? (raw as { eventId: string }).eventId
        : undefined;
    return {
      rejected: {
        index,
        status: 'rejected',
        ...(eventId ? { eventId } : {}),
        reason: fields.map((f) => `${f.field}: ${f.message}`).join('; '),
        fields,
      },
    };
  }
  const e = parsed.data;
  const occurredAt = e.occurredAt ? Date.parse(e.occurredAt) : now;
  const timeProblem =
    occurredAt > now + FUTURE_TOLERANCE_MS
      ? 'is in the future'
      : occurredAt < now - retentionDays * DAY_MS
        ? `is older than the ${retentionDays}-day retention`
        : undefined;
  if (timeProblem) {
    const field = `${prefix}${prefix ? '.' : ''}occurredAt`;
    return {
      rejected: {
        index,
        status: 'rejected',
        ...(e.eventId ? { eventId: e.eventId } : {}),
        reason: `${field} ${timeProblem}`,
        fields: [{ field, message: timeProblem }],
      },
    };
  }
  const eventId =
    e.eventId ??
    contentEventId({
      email: e.email?.toLowerCase(),
      leadId: e.leadId,
      anonymousId: e.anonymousId,
      type: e.type,
      occurredAt: e.occurredAt ?? null,
      attributes: e.attributes,
      receivedAt: e.occurredAt ? null : now,
    });
  return {
    event: {
      eventId,
      ...(e.email ? { email: e.email } : {}),
      ...(e.leadId ? { leadId: e.leadId } : {}),
      ...(e.anonymousId ? { anonymousId: e.anonymousId } : {}),
      type: e.type,
      occurredAt,
      attributes: e.attributes,
      trusted: true,
    },
  };
}

/** Events with the same key belong to one lead (or visitor): ingested in order, one at a time. */
export const identityKey = (e: IngestEvent) => e.email?.toLowerCase() ?? e.leadId ?? `anon:${e.anonymousId}`;

/**
 * Ingests a batch: events of one lead in order (no self-contention), different leads in
 * parallel (bounded). One bad event never fails the others.
 */
export async function ingestBatch(
  store: Leadscore,
  raws: unknown[],
  now: number,
  single: boolean,
  onFailure: (error: unknown, event: IngestEvent) => void = () => {},
  concurrency = 8,
): Promise<EventResult[]> {
  const results: EventResult[] = new Array(raws.length);
  const groups = new Map<string, { index: number; event: IngestEvent }[]>();
  raws.forEach((raw, index) => {
    const validated = validateEvent(
      raw,
      index,
      now,
      store.config.retention.eventDays,
      single ? '' : `events[${index}]`,
    );
    if ('rejected' in validated) {
      results[index] = validated.rejected;
      return;
    }
    const key = identityKey(validated.event);
    const group = groups.get(key) ?? [];
    group.push({ index, event: validated.event });
    groups.set(key, group);
  });
  const queue = [...groups.values()];
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const { index, event } of group) {
        try {
          results[index] = { ...(await store.ingest(event, now)), index };
        } catch (error) {
          // Not stored: the caller is told to retry this event (idempotent by its id).
          onFailure(error, event);
          results[index] = {
            index,
            status: 'failed',
            eventId: event.eventId,
            reason: 'temporarily unavailable; retry',
          };
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return results;
}
