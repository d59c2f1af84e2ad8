/**
 * Stream records of lead items carrying an outbox, in the JSON shape Lambda (and the local
 * poller) hands the outbox relay: binary attributes as base64 text.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { OutgoingEvent } from '#shared/events/contracts.ts';
import { encodeOutbox } from '#shared/store/outbox.ts';

let sequence = 0;

/** A stream record of the lead item `LEAD#<leadId>` written with `events` in its outbox. */
export function leadRecord(leadId: string, events: readonly OutgoingEvent[]): DynamoDBRecord {
  sequence += 1;
  const outbox = encodeOutbox(events);
  return {
    eventID: `event-${sequence}`,
    eventName: 'MODIFY',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN:
      'arn:aws:dynamodb:us-east-1:000000000000:table/leadscore-test/stream/2026-11-25T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1_795_000_000,
      Keys: { pk: { S: `LEAD#${leadId}` }, sk: { S: 'LEAD' } },
      NewImage: {
        pk: { S: `LEAD#${leadId}` },
        sk: { S: 'LEAD' },
        ...(outbox ? { outbox: { B: Buffer.from(outbox).toString('base64') } } : {}),
      },
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: 100,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

export const streamEvent = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });
