/**
 * AWS SDK v3 middlewares for fault tests. Both are deterministic given a seed (default 1).
 *
 * - injectDynamoThrottling: fails ~rate of DynamoDB request *attempts* with a throttling error before
 *   they reach the server. It sits in the finalizeRequest step with low priority, i.e. inside the SDK's
 *   retry loop, so the standard retry strategy retries it (and our code must cope when retries run out).
 * - injectPutEventsFailures: short-circuits PutEvents (there is no local EventBridge) and answers with a
 *   partial failure: ~rate of entries get `ErrorCode: 'InternalFailure'`, the others an EventId and are
 *   recorded in `delivered`.
 */
import { ProvisionedThroughputExceededException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import type {
  EventBridgeClient,
  PutEventsCommandInput,
  PutEventsCommandOutput,
  PutEventsRequestEntry,
  PutEventsResultEntry,
  ServiceInputTypes,
  ServiceOutputTypes,
} from '@aws-sdk/client-eventbridge';
import type {
  FinalizeRequestMiddleware,
  InitializeMiddleware,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';

/** mulberry32: small, fast, deterministic PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let seq = 0;
const nextName = (base: string) => `${base}${++seq}`;

export interface DynamoThrottlingOptions {
  /** Fraction of request attempts to fail, 0..1. */
  rate: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Error to raise. Default `ProvisionedThroughputExceededException`. */
  errorName?: 'ProvisionedThroughputExceededException' | 'ThrottlingException';
  /** Only these operations (e.g. `['PutItem', 'Query']`, without the `Command` suffix). Default: all. */
  operations?: readonly string[];
}

export interface DynamoThrottlingHandle {
  /** Number of attempts failed so far, per operation. */
  injected(): Record<string, number>;
  /** Total attempts failed so far. */
  injectedTotal(): number;
  /** Removes the middleware. */
  remove(): void;
}

/** For a DynamoDBClient or DynamoDBDocumentClient (they share one middleware stack). */
export function injectDynamoThrottling<Input extends object, Output extends MetadataBearer>(
  client: { middlewareStack: MiddlewareStack<Input, Output> },
  options: DynamoThrottlingOptions,
): DynamoThrottlingHandle {
  const random = seededRandom(options.seed ?? 1);
  const counts = new Map<string, number>();
  const operations = options.operations ? new Set(options.operations) : undefined;
  const name = nextName('leadscoreInjectDynamoThrottling');
  let requestSeq = 0;

  const middleware: FinalizeRequestMiddleware<Input, Output> = (next, context) => async (args) => {
    const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    if ((!operations || operations.has(operation)) && random() < options.rate) {
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      const $metadata = { httpStatusCode: 400, requestId: `injected-throttle-${++requestSeq}` };
      const message = `Injected throttling for ${operation} (test fault injection)`;
      const error =
        options.errorName === 'ThrottlingException'
          ? new ThrottlingException({ message, $metadata })
          : new ProvisionedThroughputExceededException({ message, $metadata });
      Object.assign(error, { $retryable: { throttling: true } });
      throw error;
    }
    return next(args);
  };
  client.middlewareStack.add(middleware, { step: 'finalizeRequest', priority: 'low', name });

  return {
    injected: () => Object.fromEntries(counts),
    injectedTotal: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    remove: () => {
      client.middlewareStack.remove(name);
    },
  };
}

export interface PutEventsFailureOptions {
  /** Fraction of entries to fail with `InternalFailure`, 0..1. */
  rate: number;
  /** PRNG seed. Default 1. */
  seed?: number;
}

export interface PutEventsFailureHandle {
  /** Entries that were "delivered" (got an EventId), in delivery order. */
  delivered: PutEventsRequestEntry[];
  /** Entries that were answered with an error, in order. */
  failed: PutEventsRequestEntry[];
  /** Number of PutEvents calls seen. */
  calls(): number;
  /** Removes the middleware. */
  remove(): void;
}

/** PutEvents accepts at most 10 entries per call. */
const MAX_PUT_EVENTS_ENTRIES = 10;

export function injectPutEventsFailures(
  client: EventBridgeClient,
  options: PutEventsFailureOptions,
): PutEventsFailureHandle {
  const random = seededRandom(options.seed ?? 1);
  const delivered: PutEventsRequestEntry[] = [];
  const failed: PutEventsRequestEntry[] = [];
  const name = nextName('leadscoreInjectPutEventsFailures');
  let calls = 0;
  let eventSeq = 0;

  const middleware: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      if (context.commandName !== 'PutEventsCommand') return next(args);
      calls++;
      const entries = (args.input as PutEventsCommandInput).Entries ?? [];
      if (entries.length === 0 || entries.length > MAX_PUT_EVENTS_ENTRIES) {
        // Same validation as the real API.
        throw Object.assign(
          new Error(
            `1 validation error detected: Value at 'entries' failed to satisfy constraint: ` +
              `Member must have length between 1 and ${MAX_PUT_EVENTS_ENTRIES} (got ${entries.length})`,
          ),
          { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } },
        );
      }
      const results: PutEventsResultEntry[] = entries.map((entry) => {
        if (random() < options.rate) {
          failed.push(entry);
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'Injected failure (test fault injection)' };
        }
        delivered.push(structuredClone(entry));
        return { EventId: `injected-event-${++eventSeq}` };
      });
      const output: PutEventsCommandOutput = {
        FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length,
        Entries: results,
        $metadata: { httpStatusCode: 200, requestId: `injected-put-events-${calls}`, attempts: 1 },
      };
      return { output, response: undefined };
    };
  client.middlewareStack.add(middleware, { step: 'initialize', priority: 'high', name });

  return {
    delivered,
    failed,
    calls: () => calls,
    remove: () => {
      client.middlewareStack.remove(name);
    },
  };
}

export interface PutEventsOutageHandle {
  /** Every PutEvents request fails as a whole (EventBridge unavailable). */
  down(): void;
  /** About `rate` of the entries are refused (`InternalFailure`); the others go through. */
  flaky(rate: number, seed?: number): void;
  /** Everything goes through. */
  up(): void;
  /** Requests failed whole, entries refused, so far. */
  injected(): { requests: number; entries: number };
  remove(): void;
}

/**
 * An EventBridge outage on a client that publishes to a real (local) bus: while `down`, every
 * PutEvents throws a 503 before it is sent; while `flaky`, refused entries are answered with
 * `InternalFailure` and only the others are sent on; `up` passes everything through.
 */
export function injectPutEventsOutage(client: EventBridgeClient): PutEventsOutageHandle {
  const name = nextName('leadscoreInjectPutEventsOutage');
  let mode: 'down' | 'flaky' | 'up' = 'up';
  let random = seededRandom(1);
  let rate = 0;
  let requests = 0;
  let entries = 0;

  const middleware: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      if (context.commandName !== 'PutEventsCommand' || mode === 'up') return next(args);
      if (mode === 'down') {
        requests++;
        throw Object.assign(new Error('Service unavailable (test fault injection)'), {
          name: 'ServiceUnavailableException',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
        });
      }
      const input = args.input as PutEventsCommandInput;
      const all = input.Entries ?? [];
      const refused = all.map(() => random() < rate);
      const sent = all.filter((_, i) => !refused[i]);
      let answers: PutEventsResultEntry[] = [];
      if (sent.length > 0) {
        const result = await next({ ...args, input: { ...input, Entries: sent } });
        answers = [...((result.output as PutEventsCommandOutput).Entries ?? [])];
      }
      const results = all.map((): PutEventsResultEntry => {
        if (refused.shift()) {
          entries++;
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'Injected failure (test fault injection)' };
        }
        return answers.shift() ?? { ErrorCode: 'InternalFailure', ErrorMessage: 'no answer' };
      });
      const output: PutEventsCommandOutput = {
        FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length,
        Entries: results,
        $metadata: { httpStatusCode: 200 },
      };
      return { output, response: undefined };
    };
  client.middlewareStack.add(middleware, { step: 'initialize', priority: 'high', name });

  return {
    down: () => {
      mode = 'down';
    },
    flaky: (nextRate, seed = 1) => {
      mode = 'flaky';
      rate = nextRate;
      random = seededRandom(seed);
    },
    up: () => {
      mode = 'up';
    },
    injected: () => ({ requests, entries }),
    remove: () => {
      client.middlewareStack.remove(name);
    },
  };
}
