/**
 * The whole product on one machine (PRODUCT §7.1): DynamoDB Local, the local event bus with the
 * stack's notification rules, the lead table's stream read for the outbox relay, the decay
 * schedule and the local HTTP API, wired to the same handler modules that are deployed. `scripts/start.ts` is its command-line face; tests can start it too.
 *
 * The functions read their environment when their module loads, so the environment contract is
 * put into `process.env` before any handler is imported: one local stack per process.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ClientConfig } from '#shared/config/schema.ts';
import { notificationPatterns } from '#shared/events/contracts.ts';
import { scheduledRunInput, schedulerTimeOf } from '#shared/events/scheduled-input.ts';
import { apiCors } from '#shared/http/cors.ts';
import { localSecretReader } from '#shared/integrations/secrets.ts';
import {
  FUNCTIONS,
  type FunctionName,
  functionSpec,
  functionsTriggeredBy,
  httpRoutes,
  type NotificationPatternName,
  scheduledFunction,
  type TriggerKind,
} from '#shared/manifest.ts';
import { ensureTable, tableNameFor } from '#shared/store/table-definition.ts';
import { resolveApiKey } from './api-key.ts';
import { type DynamoDbLocalInstance, localDynamoClientConfig, startDynamoDbLocal } from './dynamodb-local.ts';
import { type BusTarget, type DeliveryReport, LocalEventBus, type RetryPolicy } from './event-bus.ts';
import { applyFunctionEnvironment, localFunctionEnvironment } from './function-env.ts';
import { type AccessLogEntry, type HttpApiServer, type HttpRoute, startHttpApi } from './http-api.ts';
import { integrationRules, LOCAL_SECRETS_FILE } from './integration-rules.ts';
import { type HandlerModule, invokeHandler, loadHandlerModule } from './lambda-runtime.ts';
import { type LocalSchedule, startSchedule } from './scheduler.ts';
import { removeStackFile, writeStackFile } from './stack-file.ts';
import { type StreamTrigger, startStreamTrigger } from './stream-trigger.ts';

/** The kinds of trigger the local stack emulates: it runs every function of the manifest they invoke. */
const LOCAL_TRIGGERS: ReadonlySet<TriggerKind> = new Set([
  'http',
  'schedule',
  'bus',
  'integration',
  'stream',
]);

/** The functions the local stack runs, by folder name under `functions/`, in manifest order. */
export const LOCAL_FUNCTIONS: readonly FunctionName[] = FUNCTIONS.filter((spec) =>
  LOCAL_TRIGGERS.has(spec.trigger.kind),
).map((spec) => spec.name);

/**
 * Triggers with nothing to emulate: locally the CLI runs the same use case in its own process
 * (`leadscore rescore` for the rescore job's steps).
 */
const RUN_BY_THE_CLI: ReadonlySet<TriggerKind> = new Set(['job']);

/** Functions of the manifest whose trigger the local stack does not emulate (none today). */
const NOT_RUN_LOCALLY: readonly FunctionName[] = FUNCTIONS.filter(
  (spec) => !LOCAL_TRIGGERS.has(spec.trigger.kind) && !RUN_BY_THE_CLI.has(spec.trigger.kind),
).map((spec) => spec.name);

/**
 * The local API's routes and the function behind each: the manifest's routes. Preflights are
 * answered by the local API from the API's CORS configuration (`apiCors`), as API Gateway does.
 */
export const LOCAL_ROUTES: ReadonlyArray<{ routeKey: string; fn: FunctionName }> = httpRoutes().map(
  (route) => ({
    routeKey: route.key,
    fn: route.fn,
  }),
);

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const timeoutMsOf = (fn: FunctionName) => functionSpec(fn).timeoutSeconds * 1000;
/** A function's timeout and memory as its manifest entry gives them to Lambda deployed. */
const settingsOf = (fn: FunctionName) => ({
  timeoutMs: timeoutMsOf(fn),
  memoryLimitInMB: functionSpec(fn).memoryMb,
});
const kebabCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
const STOP_ORDER = ['http', 'scheduler', 'stream', 'eventBus', 'dynamodb'] as const;

export interface LocalStackOptions {
  config: ClientConfig;
  /** The file `config` was loaded from (the functions load it again via LEADSCORE_CONFIG_PATH). */
  configPath: string;
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Holds the DynamoDB files, the API key, the outbox and the dead-letter file. */
  dataDir: string;
  /** DynamoDB Local in memory: nothing survives a restart. */
  inMemory?: boolean;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  dynamoEndpoint?: string;
  /** API key to use instead of the saved or generated one. */
  apiKey?: string;
  /** Default `<repo>/functions`. */
  functionsDir?: string;
  /** Default `<repo>/scripts/site`. */
  siteDir?: string;
  /** The user's environment (Powertools settings, Slack webhook, SMTP URL). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  retry?: RetryPolicy;
  /** A startup step finished. */
  onStep?: (label: string, durationMs: number) => void;
  /** Runtime lines: requests, deliveries, schedule. */
  log?: (line: string) => void;
}

export interface LocalStack {
  urls: { page: string; leads: string; api: string; health: string };
  apiKey: string;
  apiKeySource: 'environment' | 'file' | 'generated';
  dynamoEndpoint: string;
  eventBridgeEndpoint: string;
  tableName: string;
  bus: LocalEventBus;
  /** The lead table's stream poller, the outbox relay's trigger. */
  stream: StreamTrigger;
  schedule: LocalSchedule;
  /** Runs the decay job now, as the schedule would. */
  runDecay(now?: Date): Promise<void>;
  /** Stops HTTP, schedule, stream poller, bus (after in-flight deliveries, briefly) and DynamoDB Local. */
  stop(): Promise<void>;
}

type ComponentState = 'starting' | 'ok' | 'stopping' | 'stopped';

/** A handler module is missing or broken: the message names the file. */
export class LocalStackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalStackError';
  }
}

async function timed<T>(
  label: string,
  onStep: LocalStackOptions['onStep'],
  run: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const result = await run();
  onStep?.(label, performance.now() - started);
  return result;
}

const handlerFile = (functionsDir: string, name: FunctionName) => join(functionsDir, name, 'handler.ts');

/** Fails fast, before anything starts, when handler files are missing (one error naming them all). */
function checkHandlerFiles(functionsDir: string): void {
  const missing = LOCAL_FUNCTIONS.map((name) => handlerFile(functionsDir, name)).filter(
    (file) => !existsSync(file),
  );
  if (missing.length > 0) {
    throw new LocalStackError(
      `Cannot start: ${missing.length} handler module(s) missing:\n  ${missing.join('\n  ')}`,
    );
  }
}

/** Loads every function's handler module; one error listing every missing or broken module. */
async function loadFunctions(functionsDir: string): Promise<Partial<Record<FunctionName, HandlerModule>>> {
  const loaded = await Promise.allSettled(
    LOCAL_FUNCTIONS.map((name) => loadHandlerModule(handlerFile(functionsDir, name))),
  );
  const problems = loaded.flatMap((outcome) =>
    outcome.status === 'rejected' ? [(outcome.reason as Error).message] : [],
  );
  if (problems.length > 0) {
    throw new LocalStackError(`Cannot load the functions:\n  ${problems.join('\n  ')}`);
  }
  return Object.fromEntries(
    LOCAL_FUNCTIONS.map((name, i) => [name, (loaded[i] as PromiseFulfilledResult<HandlerModule>).value]),
  );
}

/** The form the demo page posts to (scripts/site/index.html). */
export const DEMO_FORM_ID = 'demo-request';

/**
 * Why the demo page's form would be refused, if it would: the client has no demo-request form.
 */
export function checkDemoForm(config: ClientConfig): string | undefined {
  const form = config.forms[DEMO_FORM_ID];
  if (!form)
    return `client ${config.client} has no form "${DEMO_FORM_ID}": the demo page's form will be refused`;
  // The demo page is served by the API's own host: its posts are same-origin, whatever the port.
  return undefined;
}

function describeRequest(entry: AccessLogEntry): string {
  const line = `${entry.method} ${entry.path} → ${entry.statusCode} (${Math.round(entry.durationMs)} ms)`;
  if (entry.error === undefined) return line;
  const error =
    entry.error instanceof Error ? (entry.error.stack ?? entry.error.message) : String(entry.error);
  return `${line}\n  ${error.replaceAll('\n', '\n  ')}`;
}

function describeDelivery(report: DeliveryReport, deadLetterFile: string): string {
  const what = `bus: ${report.detailType} → ${report.target}`;
  const reason = report.error instanceof Error ? report.error.message : String(report.error);
  switch (report.outcome) {
    case 'delivered':
      return `${what} delivered (${Math.round(report.durationMs)} ms)`;
    case 'retrying':
      return `${what} failed (attempt ${report.attempt}), retrying: ${reason}`;
    default:
      return `${what} failed ${report.attempt} times, kept in ${deadLetterFile}: ${reason}`;
  }
}

/** Starts the local product; on any failure, stops what it had started and rethrows. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { config, onStep } = options;
  const log = options.log ?? (() => {});
  const client = config.client;
  const dataDir = resolve(options.dataDir);
  const functionName = (fn: string) => `leadscore-${client}-${fn}`;
  const state: Record<'dynamodb' | 'eventBus' | 'stream' | 'scheduler' | 'http', ComponentState> = {
    dynamodb: 'starting',
    eventBus: 'starting',
    stream: 'starting',
    scheduler: 'starting',
    http: 'starting',
  };
  const allOk = () => Object.values(state).every((s) => s === 'ok');
  const modules: Partial<Record<FunctionName, HandlerModule>> = {};
  const moduleOf = (fn: FunctionName): HandlerModule => {
    const module = modules[fn];
    if (!module) throw new LocalStackError(`Function ${fn} is not loaded yet`);
    return module;
  };

  // Stopped in this order: no new requests, no new runs, deliveries drained, then the database.
  const cleanups: Partial<Record<keyof typeof state, () => Promise<void>>> = {};
  let stackFileWritten = false;
  const stopAll = async () => {
    for (const key of STOP_ORDER) state[key] = 'stopping';
    if (stackFileWritten) {
      stackFileWritten = false;
      await removeStackFile(dataDir).catch((error: unknown) => log(`shutdown: stack file: ${String(error)}`));
    }
    for (const key of STOP_ORDER) {
      await cleanups[key]?.().catch((error: unknown) => log(`shutdown: ${key}: ${String(error)}`));
      delete cleanups[key];
      state[key] = 'stopped';
    }
  };

  const functionsDir = options.functionsDir ?? join(REPO_ROOT, 'functions');
  checkHandlerFiles(functionsDir);
  try {
    await mkdir(dataDir, { recursive: true });
    const routes: HttpRoute[] = LOCAL_ROUTES.map(({ routeKey, fn }) => ({
      routeKey,
      functionName: functionName(fn),
      ...settingsOf(fn),
      handler: () => moduleOf(fn),
    }));
    // The port first: if it is taken, say so before waiting for Java.
    const http: HttpApiServer = await timed('HTTP API listening', onStep, () =>
      startHttpApi({
        port: options.port,
        routes,
        siteDir: options.siteDir ?? join(REPO_ROOT, 'scripts', 'site'),
        // The object the CDK gives API Gateway: preflights and CORS headers as deployed.
        cors: apiCors(config),
        health: () => ({ status: allOk() ? 'ok' : 'starting', components: { ...state } }),
        isReady: allOk,
        // API calls and failures; health probes and page assets would drown them.
        onRequest: (entry) => {
          if (entry.routeKey !== undefined || entry.statusCode >= 400) log(describeRequest(entry));
        },
      }),
    );
    cleanups.http = () => http.close();
    const demoFormProblem = checkDemoForm(config);
    if (demoFormProblem) log(`note: ${demoFormProblem}`);

    const apiKey = await resolveApiKey({ fromEnv: options.apiKey, dataDir });

    let dynamo: DynamoDbLocalInstance | undefined;
    const dynamoEndpoint =
      options.dynamoEndpoint ??
      (await timed('DynamoDB Local ready', onStep, async () => {
        dynamo = await startDynamoDbLocal(options.inMemory ? {} : { dataDir: join(dataDir, 'dynamodb') });
        return dynamo.endpoint;
      }));
    if (dynamo) {
      const instance = dynamo;
      cleanups.dynamodb = () => instance.stop();
    }
    const tableName = tableNameFor(client);
    const dynamoClient = new DynamoDBClient(localDynamoClientConfig(dynamoEndpoint));
    try {
      const { created } = await timed(`table ${tableName} ready`, onStep, () =>
        ensureTable(dynamoClient, tableName),
      );
      if (created) log(`created table ${tableName}`);
    } finally {
      dynamoClient.destroy();
    }
    state.dynamodb = 'ok';

    const bus = new LocalEventBus({
      name: `leadscore-${client}`,
      dataDir,
      retry: options.retry,
      onDelivery: (report) => log(describeDelivery(report, bus.deadLetterFile)),
    });
    const eventBridgeEndpoint = await timed('event bus listening', onStep, () => bus.listen());
    cleanups.eventBus = () => bus.close({ drainTimeoutMs: 3_000 });

    applyFunctionEnvironment(
      localFunctionEnvironment({
        client,
        configPath: resolve(options.configPath),
        tableName,
        eventBusName: bus.name,
        dynamoEndpoint,
        eventBridgeEndpoint,
        apiKey: apiKey.apiKey,
        outboxDir: join(dataDir, 'outbox'),
        secretsFile: join(dataDir, LOCAL_SECRETS_FILE),
        leadUrlBase: http.url,
        inherited: options.env ?? process.env,
      }),
    );

    Object.assign(modules, await timed('functions loaded', onStep, () => loadFunctions(functionsDir)));

    const notifierTarget = (fn: FunctionName): BusTarget => ({
      name: fn,
      invoke: async (envelope) => {
        await invokeHandler(moduleOf(fn).handler, envelope, {
          functionName: functionName(fn),
          ...settingsOf(fn),
        });
      },
    });
    const notifiers = functionsTriggeredBy('bus').filter(
      (spec) => config.notifications[spec.trigger.channel].enabled,
    );
    const patterns = notificationPatterns(client, config.notifications.notifyOn);
    for (const name of Object.keys(patterns) as NotificationPatternName[]) {
      bus.addRule({
        name: `leadscore-${client}-${kebabCase(name)}`,
        pattern: patterns[name],
        targets: notifiers
          .filter((spec) => spec.trigger.patterns.includes(name))
          .map((spec) => notifierTarget(spec.name)),
      });
    }
    // The client file's integrations: API destinations over HTTP, signed webhooks via their function.
    const [webhookFn] = functionsTriggeredBy('integration');
    for (const rule of integrationRules(config, {
      busName: bus.name,
      readSecret: localSecretReader(join(dataDir, LOCAL_SECRETS_FILE)),
      invokeWebhook: async (input) => {
        if (!webhookFn) throw new LocalStackError('The manifest has no function for webhook integrations');
        await invokeHandler(moduleOf(webhookFn.name).handler, input, {
          functionName: functionName(webhookFn.name),
          ...settingsOf(webhookFn.name),
        });
      },
    })) {
      bus.addRule(rule);
    }
    state.eventBus = 'ok';

    // The lead table's stream, read as Lambda's event source mapping reads it, invokes the relay.
    const [relay] = functionsTriggeredBy('stream');
    if (!relay) throw new LocalStackError('The manifest has no function on the lead table stream');
    const stream = await timed('stream poller reading', onStep, () =>
      startStreamTrigger({
        dynamoEndpoint,
        tableName,
        dataDir,
        functionName: functionName(relay.name),
        invoke: (event) =>
          invokeHandler(moduleOf(relay.name).handler, event, {
            functionName: functionName(relay.name),
            ...settingsOf(relay.name),
          }),
        delivered: () => bus.whenIdle(),
        log,
      }),
    );
    cleanups.stream = () => stream.stop();
    state.stream = 'ok';
    for (const fn of NOT_RUN_LOCALLY) log(`note: ${fn} is not run locally (its trigger is not emulated)`);

    const decay = scheduledFunction('decay');
    const runDecay = async (now: Date = new Date()) => {
      // What EventBridge Scheduler sends deployed (cdk/constructs/decay.ts): { now: <scheduled time> }.
      await invokeHandler(moduleOf(decay.name).handler, scheduledRunInput(schedulerTimeOf(now)), {
        functionName: functionName(decay.name),
        ...settingsOf(decay.name),
      });
    };
    const schedule = startSchedule({
      name: 'decay',
      cron: config.schedule.decay.cron,
      timezone: config.schedule.decay.timezone,
      job: runDecay,
      log,
    });
    cleanups.scheduler = () => schedule.stop();
    state.scheduler = 'ok';
    state.http = 'ok';

    await writeStackFile(dataDir, {
      client,
      pid: process.pid,
      dynamoEndpoint,
      tableName,
      apiUrl: `${http.url}/v1`,
      startedAt: new Date().toISOString(),
    });
    stackFileWritten = true;
    let stopping: Promise<void> | undefined;
    return {
      urls: {
        page: `${http.url}/`,
        leads: `${http.url}/console`,
        api: `${http.url}/v1`,
        health: `${http.url}/health`,
      },
      apiKey: apiKey.apiKey,
      apiKeySource: apiKey.source,
      dynamoEndpoint,
      eventBridgeEndpoint,
      tableName,
      bus,
      stream,
      schedule,
      runDecay,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
