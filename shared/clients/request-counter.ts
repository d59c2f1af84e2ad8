/**
 * Counts AWS SDK v3 requests per client and operation (used by benchmarks: DynamoDB requests per event).
 *
 * What is counted: every attempt that goes over the wire. The middleware sits in the `deserialize`
 * step with low priority, i.e. innermost, after `retryMiddleware` and request signing (finalizeRequest
 * step) and right before the HTTP handler. So SDK retries are counted once per attempt, while requests
 * short-circuited by earlier middlewares (e.g. faults injected by test/support/fault-injection.ts) are
 * not. Operation keys are the command name without the `Command` suffix (`PutItem`, `Query`, ...).
 *
 * Works for any SDK v3 client, including a DynamoDBDocumentClient (it shares its base client's stack;
 * document commands are counted under the underlying operation, e.g. `PutItem`).
 */
import type {
  DeserializeMiddleware,
  InitializeMiddleware,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';

export interface RequestCounter {
  /** Total requests sent since creation / last reset. */
  total(): number;
  /** Requests per operation, e.g. `{ PutItem: 3, Query: 1 }`. */
  byOperation(): Record<string, number>;
  reset(): void;
  /** Removes the middleware from the client. */
  detach(): void;
}

let counterSeq = 0;

export function countRequests<Input extends object, Output extends MetadataBearer>(client: {
  middlewareStack: MiddlewareStack<Input, Output>;
}): RequestCounter {
  const counts = new Map<string, number>();
  const name = `leadscoreRequestCounter${++counterSeq}`;

  const middleware: DeserializeMiddleware<Input, Output> = (next, context) => async (args) => {
    const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    return next(args);
  };
  client.middlewareStack.add(middleware, { step: 'deserialize', priority: 'low', name });

  return {
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    byOperation: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
    detach: () => {
      client.middlewareStack.remove(name);
    },
  };
}

/** Reads counted by {@link countReads}. */
export interface ReadCounts {
  /** Read requests sent (Query, Scan, GetItem, BatchGetItem). */
  readonly requests: number;
  /** Items read: Query/Scan `ScannedCount`, items a GetItem/BatchGetItem returned. */
  readonly items: number;
  /** Read capacity units consumed, as DynamoDB reports them (`ConsumedCapacity`). */
  readonly capacityUnits: number;
}

export interface ReadCounter {
  counts(): ReadCounts;
  reset(): void;
  detach(): void;
}

const READ_OPERATIONS = new Set(['Query', 'Scan', 'GetItem', 'BatchGetItem']);

interface ReadOutput {
  ScannedCount?: number;
  Item?: unknown;
  Responses?: Record<string, unknown[]>;
  ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
}

/**
 * Counts the reads of a DynamoDB client (or a DynamoDBDocumentClient built on it): requests,
 * items read and the read capacity DynamoDB reports, asking for it (`ReturnConsumedCapacity:
 * TOTAL`) on every read that does not. For tests and benchmarks that bound what a call reads.
 */
export function countReads<Input extends object, Output extends MetadataBearer>(client: {
  middlewareStack: MiddlewareStack<Input, Output>;
}): ReadCounter {
  let totals = { requests: 0, items: 0, capacityUnits: 0 };
  const name = `leadscoreReadCounter${++counterSeq}`;
  const middleware: InitializeMiddleware<Input, Output> = (next, context) => async (args) => {
    const operation = (context.commandName ?? '').replace(/Command$/, '');
    if (!READ_OPERATIONS.has(operation)) return next(args);
    const input = args.input as { ReturnConsumedCapacity?: string };
    const result = await next({
      ...args,
      input: { ...args.input, ReturnConsumedCapacity: input.ReturnConsumedCapacity ?? 'TOTAL' },
    });
    const output = result.output as ReadOutput;
    const items =
      operation === 'GetItem'
        ? output.Item === undefined
          ? 0
          : 1
        : operation === 'BatchGetItem'
          ? Object.values(output.Responses ?? {}).reduce((n, list) => n + list.length, 0)
          : (output.ScannedCount ?? 0);
    const consumed = [output.ConsumedCapacity ?? []].flat();
    totals = {
      requests: totals.requests + 1,
      items: totals.items + items,
      capacityUnits: totals.capacityUnits + consumed.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0),
    };
    return result;
  };
  client.middlewareStack.add(middleware, { step: 'initialize', priority: 'low', name });
  return {
    counts: () => ({ ...totals }),
    reset: () => {
      totals = { requests: 0, items: 0, capacityUnits: 0 };
    },
    detach: () => {
      client.middlewareStack.remove(name);
    },
  };
}
