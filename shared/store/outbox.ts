import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OutgoingEvent } from '#shared/events/contracts.ts';

/**
 * The transactional outbox (PRODUCT §4.1): the write that changes a lead stores the events it
 * emits in the lead item itself, as the attribute `outbox` (deflated JSON of OutgoingEvent[],
 * a DynamoDB binary). A write that emits nothing leaves the attribute out (lead items are
 * written whole), so every stream record of a lead item carries exactly the events of that
 * write. The stream's consumer puts them on the bus; no request waits for EventBridge, and a
 * crash after the write can delay its events but never lose them.
 */
export const OUTBOX_ATTRIBUTE = 'outbox';

export function encodeOutbox(events: readonly OutgoingEvent[]): Uint8Array | undefined {
  if (events.length === 0) return undefined;
  return deflateRawSync(Buffer.from(JSON.stringify(events)));
}

export function decodeOutbox(bytes: Uint8Array): OutgoingEvent[] {
  return JSON.parse(inflateRawSync(bytes).toString('utf8')) as OutgoingEvent[];
}

/**
 * The events a DynamoDB stream record carries: those of a lead item's new image (INSERT or
 * MODIFY) that holds an outbox; none for event items, removals and writes that emitted nothing.
 */
export function outboxOfStreamRecord(record: {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, AttributeValue> };
}): OutgoingEvent[] {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return [];
  const image = record.dynamodb?.NewImage;
  const outbox = image?.[OUTBOX_ATTRIBUTE]?.B;
  if (image?.sk?.S !== 'LEAD' || outbox === undefined) return [];
  return decodeOutbox(outbox);
}
