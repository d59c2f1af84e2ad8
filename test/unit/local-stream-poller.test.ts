import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type _Record,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GivenUpBatch, type StreamPoller, startStreamPoller } from '#local/stream-poller.ts';

/*
 * The local stand-in for Lambda's stream event source mapping, over an in-memory stream that
 * answers DescribeStream, GetShardIterator and GetRecords as DynamoDB Streams does: shards
 * followed parent first, the partial batch response applied, bisection, give-up, checkpoints.
 */

const STREAM_ARN =
  'arn:aws:dynamodb:ddblocal:000000000000:table/leadscore-test/stream/2026-11-25T00:00:00.000';

interface FakeShard {
  id: string;
  parent?: string;
  closed: boolean;
  records: _Record[];
}

let sequence = 0;
const record = (pk: string, created = new Date()): _Record => {
  sequence += 1;
  return {
    eventID: `e${sequence}`,
    eventName: 'MODIFY',
    dynamodb: {
      ApproximateCreationDateTime: created,
      Keys: { pk: { S: pk }, sk: { S: 'LEAD' } },
      NewImage: { pk: { S: pk }, sk: { S: 'LEAD' }, outbox: { B: new Uint8Array([1, 2, 3]) } },
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_IMAGE',
    },
  };
};

/** An in-memory DynamoDB stream: iterators are `<shard>|<index of the next record>`. */
function fakeStream(shards: FakeShard[]) {
  const find = (id: string) => {
    const shard = shards.find((s) => s.id === id);
    if (!shard) throw Object.assign(new Error(`no shard ${id}`), { name: 'ResourceNotFoundException' });
    return shard;
  };
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof DescribeStreamCommand) {
      const listed: Shard[] = shards.map((s) => ({
        ShardId: s.id,
        ...(s.parent ? { ParentShardId: s.parent } : {}),
        SequenceNumberRange: {
          StartingSequenceNumber: s.records[0]?.dynamodb?.SequenceNumber,
          ...(s.closed ? { EndingSequenceNumber: s.records.at(-1)?.dynamodb?.SequenceNumber } : {}),
        },
      }));
      return { StreamDescription: { StreamArn: STREAM_ARN, StreamStatus: 'ENABLED', Shards: listed } };
    }
    if (command instanceof GetShardIteratorCommand) {
      const { ShardId, ShardIteratorType, SequenceNumber } = command.input;
      const shard = find(ShardId as string);
      const index =
        ShardIteratorType === 'TRIM_HORIZON'
          ? 0
          : shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === SequenceNumber) + 1;
      return { ShardIterator: `${shard.id}|${index}` };
    }
    if (command instanceof GetRecordsCommand) {
      const [id, at] = (command.input.ShardIterator as string).split('|');
      const shard = find(id as string);
      const from = Number(at);
      const page = shard.records.slice(from, from + (command.input.Limit ?? 1000));
      const next = from + page.length;
      const atEnd = shard.closed && next >= shard.records.length;
      return { Records: page, ...(atEnd ? {} : { NextShardIterator: `${shard.id}|${next}` }) };
    }
    throw new Error(`unexpected command ${String(command)}`);
  };
  return { send } as unknown as Parameters<typeof startStreamPoller>[0]['streams'];
}

const seqs = (event: DynamoDBStreamEvent) => event.Records.map((r) => Number(r.dynamodb?.SequenceNumber));

let dir: string;
let poller: StreamPoller | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadscore-poller-'));
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
  await rm(dir, { recursive: true, force: true });
});

function start(
  streams: ReturnType<typeof fakeStream>,
  invoke: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>,
  extra: Partial<Parameters<typeof startStreamPoller>[0]> = {},
) {
  return startStreamPoller({
    streams,
    streamArn: STREAM_ARN,
    invoke,
    checkpointFile: join(dir, 'stream-checkpoints.json'),
    pollIntervalMs: 5,
    discoverIntervalMs: 20,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
}

describe('Local stream poller', () => {
  it('It should read a closed shard to its end before its child, each record once and in order', async () => {
    const parent: FakeShard = {
      id: 'shard-1',
      closed: true,
      records: [record('a'), record('b'), record('a')],
    };
    const child: FakeShard = {
      id: 'shard-2',
      parent: 'shard-1',
      closed: false,
      records: [record('a'), record('c')],
    };
    const seen: number[] = [];
    poller = await start(fakeStream([child, parent]), async (event) => {
      seen.push(...seqs(event));
      return { batchItemFailures: [] };
    });

    await poller.whenIdle();

    expect(seen).toEqual(
      [...parent.records, ...child.records].map((r) => Number(r.dynamodb?.SequenceNumber)),
    );
    const saved = JSON.parse(await readFile(join(dir, 'stream-checkpoints.json'), 'utf8'));
    expect(saved).toEqual({
      streamArn: STREAM_ARN,
      shards: {
        'shard-1': { sequenceNumber: parent.records[2]?.dynamodb?.SequenceNumber, finished: true },
        'shard-2': { sequenceNumber: child.records[1]?.dynamodb?.SequenceNumber },
      },
    });
  });

  it('It should resume after the last checkpointed record when started again', async () => {
    const shard: FakeShard = { id: 'shard-1', closed: false, records: [record('a'), record('b')] };
    const streams = fakeStream([shard]);
    const seen: number[] = [];
    const invoke = async (event: DynamoDBStreamEvent) => {
      seen.push(...seqs(event));
      return undefined;
    };
    poller = await start(streams, invoke);
    await poller.whenIdle();
    await poller.stop();
    shard.records.push(record('c'));

    poller = await start(streams, invoke);
    await poller.whenIdle();

    expect(seen).toEqual(shard.records.map((r) => Number(r.dynamodb?.SequenceNumber)));
  });

  it('It should get a new iterator after the checkpoint when GetRecords says trimmed (a DynamoDB Local quirk)', async () => {
    const shard: FakeShard = { id: 'shard-1', closed: false, records: [record('a'), record('b')] };
    const stream = fakeStream([shard]);
    let refusals = 0;
    const quirky = {
      send: async (command: unknown) => {
        if (command instanceof GetRecordsCommand && refusals < 2) {
          refusals += 1;
          throw Object.assign(new Error('The operation attempted to read past the oldest stream record'), {
            name: 'TrimmedDataAccessException',
          });
        }
        return stream.send(command as never);
      },
    } as unknown as typeof stream;
    const seen: number[] = [];
    poller = await start(quirky, async (event) => {
      seen.push(...seqs(event));
      return undefined;
    });

    await poller.whenIdle();

    expect(refusals).toBe(2);
    expect(seen).toEqual(shard.records.map((r) => Number(r.dynamodb?.SequenceNumber)));
  });

  it('It should keep the records before the first failed one and retry from it', async () => {
    const shard: FakeShard = {
      id: 'shard-1',
      closed: false,
      records: [record('a'), record('b'), record('c')],
    };
    const failing = shard.records[1]?.dynamodb?.SequenceNumber as string;
    const batches: number[][] = [];
    poller = await start(fakeStream([shard]), async (event) => {
      batches.push(seqs(event));
      const fail = batches.length <= 2 && event.Records.some((r) => r.dynamodb?.SequenceNumber === failing);
      return { batchItemFailures: fail ? [{ itemIdentifier: failing }] : [] };
    });

    await poller.whenIdle();

    const [a, b, c] = shard.records.map((r) => Number(r.dynamodb?.SequenceNumber));
    expect(batches).toEqual([
      [a, b, c],
      [b, c],
      [b, c],
    ]);
  });

  it('It should split a batch in two when the consumer throws, and give up a record after its retries', async () => {
    const shard: FakeShard = {
      id: 'shard-1',
      closed: false,
      records: [record('a'), record('b'), record('c'), record('d')],
    };
    const poison = Number(shard.records[1]?.dynamodb?.SequenceNumber);
    const batches: number[][] = [];
    const givenUp: GivenUpBatch[] = [];
    poller = await start(
      fakeStream([shard]),
      async (event) => {
        batches.push(seqs(event));
        if (seqs(event).includes(poison)) throw new Error('poison');
        return undefined;
      },
      { retryAttempts: 2, onGiveUp: async (batch) => void givenUp.push(batch) },
    );

    await poller.whenIdle();

    const [a, b, c, d] = shard.records.map((r) => Number(r.dynamodb?.SequenceNumber));
    expect(batches).toEqual([[a, b, c, d], [a, b], [a], [b, c, d], [b, c], [b], [c, d]]);
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]).toMatchObject({ reason: 'retryAttempts', shardId: 'shard-1', error: 'Error: poison' });
    expect(givenUp[0]?.records.map((r) => Number(r.dynamodb?.SequenceNumber))).toEqual([b]);
  });

  it('It should give up a failing batch whose first record is older than the maximum record age', async () => {
    const old = new Date(Date.now() - 60_000);
    const shard: FakeShard = { id: 'shard-1', closed: false, records: [record('a', old), record('b')] };
    const givenUp: GivenUpBatch[] = [];
    poller = await start(
      fakeStream([shard]),
      async (event) => ({
        batchItemFailures: event.Records.slice(0, 1).map((r) => ({
          itemIdentifier: r.dynamodb?.SequenceNumber as string,
        })),
      }),
      { maxRecordAgeMs: 30_000, onGiveUp: async (batch) => void givenUp.push(batch) },
    );

    await poller.whenIdle();

    expect(givenUp.map((g) => g.reason)).toEqual(['maxRecordAge']);
    expect(givenUp[0]?.records[0]?.dynamodb?.SequenceNumber).toBe(shard.records[0]?.dynamodb?.SequenceNumber);
  });

  it('It should send only the records the filter matches, in the JSON Lambda sends (binary as base64)', async () => {
    const eventItem = record('a');
    if (eventItem.dynamodb?.Keys) eventItem.dynamodb.Keys.sk = { S: 'EVT#1' };
    const lead = record('b');
    const sent: DynamoDBStreamEvent[] = [];
    poller = await start(
      fakeStream([{ id: 'shard-1', closed: false, records: [eventItem, lead] }]),
      async (event) => {
        sent.push(event);
        return undefined;
      },
      { filter: { dynamodb: { Keys: { sk: { S: ['LEAD'] } } } } },
    );

    await poller.whenIdle();

    expect(sent).toHaveLength(1);
    expect(sent[0]?.Records).toEqual([
      expect.objectContaining({
        eventName: 'MODIFY',
        eventSource: 'aws:dynamodb',
        eventSourceARN: STREAM_ARN,
        dynamodb: expect.objectContaining({
          SequenceNumber: lead.dynamodb?.SequenceNumber,
          NewImage: { pk: { S: 'b' }, sk: { S: 'LEAD' }, outbox: { B: 'AQID' } },
          ApproximateCreationDateTime: Math.floor(
            (lead.dynamodb?.ApproximateCreationDateTime ?? new Date()).getTime() / 1000,
          ),
        }),
      }),
    ]);
  });
});
