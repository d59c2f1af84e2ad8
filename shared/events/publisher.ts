import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { OutgoingEvent } from './contracts.ts';

/** PutEvents limits: 10 entries and 256 KiB per request. */
const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;

export interface PublishOptions {
  readonly busName: string;
  readonly source: string;
  /** Attempts per entry, the first included. */
  readonly attempts?: number;
  readonly baseDelayMs?: number;
}

export interface PublishResult {
  readonly published: number;
  /** Entries still failing after every attempt: the caller must keep them (never drop). */
  readonly failed: readonly { readonly event: OutgoingEvent; readonly error: string }[];
}

const entrySize = (e: PutEventsRequestEntry) =>
  Buffer.byteLength(e.Detail ?? '') +
  Buffer.byteLength(e.DetailType ?? '') +
  Buffer.byteLength(e.Source ?? '');

/** Splits entries into PutEvents requests within the entry-count and size limits. */
export function chunkEntries<T extends { entry: PutEventsRequestEntry }>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = entrySize(item.entry);
    if (current.length === MAX_ENTRIES || (current.length > 0 && bytes + size > MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Puts events on the client's bus in batches within PutEvents' limits, retrying only the
 * entries that failed (`FailedEntryCount`) and whole requests that threw, with backoff.
 * Returns what still failed so the caller can keep it in the outbox.
 */
export async function publishEvents(
  client: EventBridgeClient,
  events: readonly OutgoingEvent[],
  options: PublishOptions,
): Promise<PublishResult> {
  const attempts = options.attempts ?? 4;
  const baseDelay = options.baseDelayMs ?? 50;
  let pending = events.map((event) => ({
    event,
    entry: {
      EventBusName: options.busName,
      Source: options.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Time: new Date(event.detail.time),
      Resources: [],
    } satisfies PutEventsRequestEntry,
    error: '',
  }));
  let published = 0;
  for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
    if (attempt > 1) await sleep(baseDelay * 2 ** (attempt - 2) * (0.5 + Math.random()));
    const retry: typeof pending = [];
    // The requests of one attempt go out together: a coalesced batch costs one round trip.
    await Promise.all(
      chunkEntries(pending).map(async (chunk) => {
        try {
          const response = await client.send(new PutEventsCommand({ Entries: chunk.map((c) => c.entry) }));
          chunk.forEach((item, index) => {
            const result = response.Entries?.[index];
            if (result?.EventId && !result.ErrorCode) published++;
            else
              retry.push({
                ...item,
                error: `${result?.ErrorCode ?? 'Unknown'}: ${result?.ErrorMessage ?? 'no result'}`,
              });
          });
        } catch (error) {
          for (const item of chunk) retry.push({ ...item, error: (error as Error).message });
        }
      }),
    );
    pending = retry;
  }
  return { published, failed: pending.map(({ event, error }) => ({ event, error })) };
}

/** Publishes one caller's events; resolves with that caller's own result. */
export type Publish = (events: readonly OutgoingEvent[]) => Promise<PublishResult>;

interface Waiting {
  readonly events: readonly OutgoingEvent[];
  readonly done: (result: PublishResult) => void;
  readonly fail: (error: unknown) => void;
}

/**
 * A {@link publishEvents} shared by concurrent callers in one process: events handed in during the
 * same turn of the event loop go out together (up to 10 entries per PutEvents), so parallel
 * ingestions share requests instead of sending one each, while one alone waits no longer than a
 * `setImmediate`. Each caller still gets back exactly its own failures, after the same retries.
 */
export function coalescingPublisher(client: EventBridgeClient, options: PublishOptions): Publish {
  let waiting: Waiting[] = [];
  const flush = () => {
    const batch = waiting;
    waiting = [];
    publishEvents(
      client,
      batch.flatMap((w) => w.events),
      options,
    ).then(
      (result) => {
        const errors = new Map(result.failed.map((f) => [f.event, f.error]));
        for (const w of batch) {
          const failed = w.events.flatMap((event) => {
            const error = errors.get(event);
            return error === undefined ? [] : [{ event, error }];
          });
          w.done({ published: w.events.length - failed.length, failed });
        }
      },
      (error: unknown) => {
        for (const w of batch) w.fail(error);
      },
    );
  };
  return (events) => {
    if (events.length === 0) return Promise.resolve({ published: 0, failed: [] });
    return new Promise<PublishResult>((done, fail) => {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ events, done, fail });
    });
  };
}
