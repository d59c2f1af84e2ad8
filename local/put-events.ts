/**
 * The EventBridge `PutEvents` API as the local bus speaks it: request parsing, EventBridge's
 * validation (at most 10 entries, 256 KB per request, Detail a JSON object, no `aws.` sources) and
 * the envelope a rule target receives. Pure functions, so the bus and its tests share them and the
 * real `@aws-sdk/client-eventbridge` client sees the answers it would get from AWS.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { BusEnvelope } from '#shared/events/contracts.ts';

/** One `PutEvents` entry, as the SDK sends it (`Time` arrives as epoch seconds over the wire). */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  /** JSON text of an object. */
  Detail?: string;
  EventBusName?: string;
  Time?: Date | number | string;
  Resources?: string[];
  TraceHeader?: string;
}

/** Per entry: the event id, or why the entry was rejected. */
export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** A request EventBridge rejects as a whole (HTTP 400, `__type` = `type`). */
export class PutEventsRequestError extends Error {
  constructor(
    readonly type: 'ValidationException' | 'SerializationException' | 'UnknownOperationException',
    message: string,
  ) {
    super(message);
    this.name = 'PutEventsRequestError';
  }
}

/** EventBridge's limits for one `PutEvents` call. */
export const PUT_EVENTS_LIMITS = { maxEntries: 10, maxRequestBytes: 256 * 1024 } as const;

const entrySchema = z.object({
  Source: z.string().optional(),
  DetailType: z.string().optional(),
  Detail: z.string().optional(),
  EventBusName: z.string().optional(),
  Time: z.union([z.number(), z.string(), z.date()]).optional(),
  Resources: z.array(z.string()).optional(),
  TraceHeader: z.string().optional(),
});

const requestSchema = z.object({
  Entries: z.array(entrySchema),
  EndpointId: z.string().optional(),
});

/**
 * Validates a `PutEvents` request body (already JSON-parsed) and returns its entries.
 * @throws PutEventsRequestError for what EventBridge rejects as a whole.
 */
export function parsePutEventsRequest(body: unknown): PutEventsEntry[] {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'request';
    throw new PutEventsRequestError('SerializationException', `${where}: ${issue?.message ?? 'invalid'}`);
  }
  checkRequestLimits(parsed.data.Entries);
  return parsed.data.Entries;
}

/** The per-request limits EventBridge checks before looking at single entries. */
export function checkRequestLimits(entries: readonly PutEventsEntry[]): void {
  if (entries.length < 1 || entries.length > PUT_EVENTS_LIMITS.maxEntries) {
    throw new PutEventsRequestError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: ` +
        `Member must have length between 1 and ${PUT_EVENTS_LIMITS.maxEntries}`,
    );
  }
  const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (total > PUT_EVENTS_LIMITS.maxRequestBytes) {
    throw new PutEventsRequestError(
      'ValidationException',
      `Total size of the entries in the request is over the limit (${total} > ${PUT_EVENTS_LIMITS.maxRequestBytes} bytes).`,
    );
  }
}

const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));

/** Entry size as EventBridge computes it ("Calculating PutEvents event entry size"). */
export function entrySize(entry: PutEventsEntry): number {
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

function toDate(time: PutEventsEntry['Time'], now: Date): Date | undefined {
  if (time === undefined) return now;
  const date =
    time instanceof Date ? time : typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** EventBridge writes envelope times to the second: `2026-11-25T12:00:00Z`. */
export function envelopeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const failure = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });
const missing = (name: string) =>
  failure('InvalidArgument', `Parameter ${name} is not valid. Reason: ${name} is a required argument.`);

/** Where the envelope is delivered: the bus it names and the account and region it lives in. */
export interface BusIdentity {
  name: string;
  arn: string;
  account: string;
  region: string;
}

/**
 * Checks one entry as EventBridge does and builds its envelope, or says why it is rejected.
 * An entry for another bus is rejected: locally only the stack's bus exists.
 */
export function toEnvelope(
  entry: PutEventsEntry,
  bus: BusIdentity,
  now: Date = new Date(),
): { envelope: BusEnvelope<Record<string, unknown>> } | { ErrorCode: string; ErrorMessage: string } {
  const busName = entry.EventBusName ?? 'default';
  if (busName !== bus.name && busName !== bus.arn) {
    return failure('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
  }
  if (!entry.Source) return missing('Source');
  if (entry.Source.startsWith('aws.')) {
    return failure('NotAuthorizedForSourceException', 'Not authorized for the source.');
  }
  if (!entry.DetailType) return missing('DetailType');
  if (entry.Detail === undefined) return missing('Detail');
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return failure('MalformedDetail', 'Detail is malformed.');
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return failure('MalformedDetail', 'Detail is malformed.');
  }
  const time = toDate(entry.Time, now);
  if (time === undefined) return failure('InvalidArgument', 'Parameter Time is not valid.');
  return {
    envelope: {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: bus.account,
      time: envelopeTime(time),
      region: bus.region,
      resources: [...(entry.Resources ?? [])],
      detail: detail as Record<string, unknown>,
    },
  };
}
