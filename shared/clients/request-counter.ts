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
import type { DeserializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';

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
