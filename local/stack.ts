/**
 * The whole product on one machine (PRODUCT §7.1): DynamoDB Local, the local event bus with the
 * stack's notification rules, the decay schedule and the local HTTP API, wired to the same handler
 * modules that are deployed. `scripts/start.ts` is its command-line face; tests can start it too.
 *
 * The functions read their environment when their module loads, so the environment contract is
 * put into `process.env` before any handler is imported: one local stack per process.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type BusEnvelope, notificationPatterns } from '#shared/events/contracts.ts';
import { ensureTable, tableNameFor } from '#shared/store/table-definition.ts';
import { resolveApiKey } from './api-key.ts';
import { type DynamoDbLocalInstance, localDynamoClientConfig, startDynamoDbLocal } from './dynamodb-local.ts';
import { type BusTarget, type DeliveryReport, LocalEventBus, type RetryPolicy } from './event-bus.ts';
import { applyFunctionEnvironment, localFunctionEnvironment } from './function-env.ts';
import { type AccessLogEntry, type HttpApiServer, type HttpRoute, startHttpApi } from './http-api.ts';
import { type HandlerModule, invokeHandler, loadHandlerModule } from './lambda-runtime.ts';
import { type LocalSchedule, startSchedule } from './scheduler.ts';

/** The Lambda functions of the stack, by folder name under `functions/`. */
export const LOCAL_FUNCTIONS = ['forms', 'events', 'leads', 'decay', 'notify-slack', 'notify-email'] as const;
export type LocalFunctionName = (typeof LOCAL_FUNCTIONS)[number];

/**
 * The HTTP API's routes and the function behind each; keep in step with the CDK API construct.
 * `OPTIONS` on forms lets the forms function answer CORS preflights with each form's origins.
 */
export const LOCAL_ROUTES: ReadonlyArray<{ routeKey: string; fn: LocalFunctionName }> = [
  { routeKey: 'POST /v1/forms/{formId}', fn: 'forms' },
  { routeKey: 'OPTIONS /v1/forms/{formId}', fn: 'forms' },
  { routeKey: 'POST /v1/events', fn: 'events' },
  { routeKey: 'GET /v1/leads', fn: 'leads' },
  { routeKey: 'GET /v1/leads/{leadId}', fn: 'leads' },
];

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const HTTP_TIMEOUT_MS = 29_000;
const NOTIFIER_TIMEOUT_MS = 30_000;
const DECAY_TIMEOUT_MS = 15 * 60_000;
const STOP_ORDER = ['http', 'scheduler', 'eventBus', 'dynamodb'] as const;

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
  schedule: LocalSchedule;
  /** Runs the decay job now, as the schedule would. */
  runDecay(now?: Date): Promise<void>;
  /** Stops HTTP, schedule, bus (after in-flight deliveries, briefly) and DynamoDB Local. */
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

const handlerFile = (functionsDir: string, name: LocalFunctionName) => join(functionsDir, name, 'handler.ts');

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
async function loadFunctions(functionsDir: string): Promise<Record<LocalFunctionName, HandlerModule>> {
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
  ) as Record<LocalFunctionName, HandlerModule>;
}

/** The event an EventBridge schedule rule sends to the decay function. */
function scheduledEvent(client: string, time: Date): BusEnvelope<Record<string, never>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: `${time.toISOString().slice(0, 19)}Z`,
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:000000000000:rule/leadscore-${client}-decay`],
    detail: {},
  };
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
  const state: Record<'dynamodb' | 'eventBus' | 'scheduler' | 'http', ComponentState> = {
    dynamodb: 'starting',
    eventBus: 'starting',
    scheduler: 'starting',
    http: 'starting',
  };
  const allOk = () => Object.values(state).every((s) => s === 'ok');
  const modules: Partial<Record<LocalFunctionName, HandlerModule>> = {};
  const moduleOf = (fn: LocalFunctionName): HandlerModule => {
    const module = modules[fn];
    if (!module) throw new LocalStackError(`Function ${fn} is not loaded yet`);
    return module;
  };

  // Stopped in this order: no new requests, no new runs, deliveries drained, then the database.
  const cleanups: Partial<Record<keyof typeof state, () => Promise<void>>> = {};
  const stopAll = async () => {
    for (const key of STOP_ORDER) state[key] = 'stopping';
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
      timeoutMs: HTTP_TIMEOUT_MS,
      handler: () => moduleOf(fn),
    }));
    // The port first: if it is taken, say so before waiting for Java.
    const http: HttpApiServer = await timed('HTTP API listening', onStep, () =>
      startHttpApi({
        port: options.port,
        routes,
        siteDir: options.siteDir ?? join(REPO_ROOT, 'scripts', 'site'),
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
        leadUrlBase: http.url,
        inherited: options.env ?? process.env,
      }),
    );

    Object.assign(modules, await timed('functions loaded', onStep, () => loadFunctions(functionsDir)));

    const notifierTarget = (fn: 'notify-slack' | 'notify-email'): BusTarget => ({
      name: fn,
      invoke: async (envelope) => {
        await invokeHandler(moduleOf(fn).handler, envelope, {
          functionName: functionName(fn),
          timeoutMs: NOTIFIER_TIMEOUT_MS,
        });
      },
    });
    const targets: BusTarget[] = [];
    if (config.notifications.slack.enabled) targets.push(notifierTarget('notify-slack'));
    if (config.notifications.email.enabled) targets.push(notifierTarget('notify-email'));
    const patterns = notificationPatterns(client, config.notifications.notifyOn);
    bus.addRule({
      name: `leadscore-${client}-threshold-crossed`,
      pattern: patterns.thresholdCrossed,
      targets,
    });
    bus.addRule({ name: `leadscore-${client}-segment-changed`, pattern: patterns.segmentChanged, targets });
    state.eventBus = 'ok';

    const runDecay = async (now: Date = new Date()) => {
      await invokeHandler(moduleOf('decay').handler, scheduledEvent(client, now), {
        functionName: functionName('decay'),
        timeoutMs: DECAY_TIMEOUT_MS,
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

    let stopping: Promise<void> | undefined;
    return {
      urls: {
        page: `${http.url}/`,
        leads: `${http.url}/leads.html`,
        api: `${http.url}/v1`,
        health: `${http.url}/health`,
      },
      apiKey: apiKey.apiKey,
      apiKeySource: apiKey.source,
      dynamoEndpoint,
      eventBridgeEndpoint,
      tableName,
      bus,
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
