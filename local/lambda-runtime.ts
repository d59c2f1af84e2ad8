/**
 * The slice of the Lambda runtime the local product needs: a Lambda-like `context`, a timeout, and
 * loading a `functions/<name>/handler.ts` module. The handlers run unchanged, in this process, so a
 * handler that works locally is the one that is deployed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

/** A Lambda handler as `functions/<name>/handler.ts` exports it (middy handlers included). */
export type LambdaHandler<E = never, R = unknown> = (event: E, context: Context) => Promise<R> | R;

/** A loaded handler module: it must export `handler`. */
export interface HandlerModule {
  handler: LambdaHandler<never>;
}

/** How one function is run: its name (as deployed) and its timeout. */
export interface FunctionSettings {
  /** e.g. `leadscore-example-forms`. */
  functionName: string;
  /** Lambda timeout. Default 30 s. */
  timeoutMs?: number;
  /** Reported in the context only. Default 1024. */
  memoryLimitInMB?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const LOCAL_REGION = 'us-east-1';
const LOCAL_ACCOUNT = '000000000000';

/** The handler did not finish within the function's timeout (Lambda's "Task timed out"). */
export class LambdaTimeoutError extends Error {
  constructor(functionName: string, timeoutMs: number) {
    super(`${functionName}: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

/** A handler module that does not exist or does not export `handler`. */
export class HandlerModuleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HandlerModuleError';
  }
}

/**
 * A Lambda-like context. Middy and Powertools read `getRemainingTimeInMillis`, `functionName` and
 * `awsRequestId` from it, so they behave locally as they do deployed.
 */
export function createLambdaContext(settings: FunctionSettings, startedAt = Date.now()): Context {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = startedAt + timeoutMs;
  const awsRequestId = randomUUID();
  const day = new Date(startedAt).toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = () => {
    throw new Error('Callback-style context methods are not supported: return a Promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: settings.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${settings.functionName}`,
    memoryLimitInMB: String(settings.memoryLimitInMB ?? 1024),
    awsRequestId,
    logGroupName: `/aws/lambda/${settings.functionName}`,
    logStreamName: `${day}/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * Invokes a handler as Lambda would: a fresh context per invocation and a timeout. Rejects with
 * the handler's error, or with {@link LambdaTimeoutError} when it runs past its timeout.
 */
export async function invokeHandler<R = unknown>(
  handler: LambdaHandler<never>,
  event: unknown,
  settings: FunctionSettings,
): Promise<R> {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const context = createLambdaContext(settings);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(settings.functionName, timeoutMs)), timeoutMs);
  });
  try {
    const run = Promise.resolve().then(() => handler(event as never, context));
    return (await Promise.race([run, timedOut])) as R;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Imports a handler module by file path. A dynamic import keeps callers compiling while a handler
 * is still being written, and the errors say which file is missing or malformed.
 */
export async function loadHandlerModule(file: string): Promise<HandlerModule> {
  if (!existsSync(file)) {
    throw new HandlerModuleError(`Handler module ${file} does not exist`);
  }
  let loaded: unknown;
  try {
    loaded = await import(pathToFileURL(file).href);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HandlerModuleError(`Handler module ${file} failed to load: ${reason}`, { cause: error });
  }
  const handler = (loaded as { handler?: unknown }).handler;
  if (typeof handler !== 'function') {
    throw new HandlerModuleError(`Handler module ${file} does not export a 'handler' function`);
  }
  return { handler: handler as LambdaHandler<never> };
}
