/**
 * The function manifest: every Lambda function of a stack, what triggers it and what it may do.
 * The one list both sides read: `cdk/` builds the functions, routes and grants from it, and the
 * local stack (`local/stack.ts`) its handlers, routes, rules and timeouts. A contract, like
 * `shared/events/contracts.ts`: no AWS or CDK import here.
 *
 * Adding a route: add its key to a function's `http` trigger. Adding a function: add an entry
 * whose `name` is its folder under `functions/` (holding `handler.ts`).
 */
import { CONSOLE_ASSET_FILES } from '#shared/api/console-files.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { notificationPatterns } from '#shared/events/contracts.ts';

/** An HTTP API route key, as API Gateway writes it: `<METHOD> <path>`, `{name}` for a path parameter. */
export type RouteKey = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`;

/**
 * A route of the HTTP API. `apiKey` routes are checked by the handler against the stack's API key
 * secret (HTTP APIs have no native API keys), which the function is then granted; a `public` route
 * says why it may be called by anyone (the cdk-nag acknowledgement of an API without authorizer).
 */
export type HttpRouteSpec =
  | { readonly key: RouteKey; readonly auth: 'apiKey' }
  | {
      readonly key: RouteKey;
      readonly auth: 'public';
      readonly publicReason: string;
    }
  /**
   * Opened in a browser from a Slack message or an email: no API key, a short-lived HMAC-signed
   * link (`shared/http/lead-link.ts`) checked by the handler, whose function is granted the
   * stack's link secret.
   */
  | { readonly key: RouteKey; readonly auth: 'signedLink' };

/** A rule pattern of `notificationPatterns()`: the same objects on the CDK rules and the local bus. */
export type NotificationPatternName = keyof ReturnType<typeof notificationPatterns>;

/** What invokes a function. */
export type FunctionTrigger =
  /** API Gateway HTTP API (payload v2), one or more routes. */
  | { readonly kind: 'http'; readonly routes: readonly HttpRouteSpec[] }
  /** A schedule from the client's `schedule.<name>` cron and time zone. */
  | { readonly kind: 'schedule'; readonly schedule: keyof ClientConfig['schedule'] }
  /**
   * Rules on the client's bus, one per pattern; the function is a target of each while the
   * client's `notifications.<channel>` is enabled.
   */
  | {
      readonly kind: 'bus';
      readonly channel: 'slack' | 'email';
      readonly patterns: readonly NotificationPatternName[];
    }
  /**
   * A rule on the client's bus per `integrations` entry of this type in the client file, with
   * that entry's pattern; the function is deployed only for a client that has one (issue 15).
   */
  | { readonly kind: 'integration'; readonly type: 'webhook' }
  /** The lead table's DynamoDB stream. */
  | { readonly kind: 'stream'; readonly stream: 'leadTable' }
  /**
   * A step of a job's state machine, started by the operator (deployed). Locally the CLI runs
   * the same use case (`leadscore rescore`), so the local stack has nothing to emulate.
   */
  | { readonly kind: 'job'; readonly job: 'rescore' };

export type TriggerKind = FunctionTrigger['kind'];

/**
 * How a function may use the lead table, as its code does (the CDK grants exactly this,
 * `shared/store/table-access.ts`):
 * - `read`: get, batch-get and query items, and query `byRank` and `byAccount` (the read API);
 * - `readLead`: get one lead item (the lead page behind a signed link);
 * - `ingest`: get, query, put and update items of the base table, no index, no delete (forms,
 *   events, outcomes: a lead and its events, written in one transaction);
 * - `decay`: as `ingest`, plus querying `byDueDay` (the leads due today);
 * - `erase`: get, query and delete items, batch deletes (erasure, PRODUCT §6.1);
 * - `readWrite`: every item action and every index (bulk jobs);
 * - `idempotency`: get, put, update and delete only the notifier's own records (its dedupe
 *   partition `NOTIFY#<channel>` and the leads' delivery logs `NOTE#<leadId>`), enforced with
 *   `dynamodb:LeadingKeys` (PRODUCT §4.4).
 */
export type TableAccess = 'read' | 'readLead' | 'ingest' | 'decay' | 'erase' | 'readWrite' | 'idempotency';

/**
 * How a function may use the client's bus: `publish` puts events on it; `name` only tells the
 * function its name (code that builds the shared lead store but never publishes).
 */
export type BusAccess = 'publish' | 'name';

export interface FunctionSpec {
  /** The folder under `functions/` holding `handler.ts`; the deployed name is `leadscore-<client>-<name>`. */
  readonly name: string;
  readonly description: string;
  readonly trigger: FunctionTrigger;
  /** Lambda's timeout, which the local stack enforces too. */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Access to the lead table; absent: none. */
  readonly table?: TableAccess;
  /** Access to the client's bus; absent: none. */
  readonly bus?: BusAccess;
  /**
   * Repository files the function reads at run time (paths relative to the repository), shipped
   * beside its bundle under the same paths (the console's pages and scripts).
   */
  readonly assets?: readonly string[];
}

const CONSOLE_PUBLIC_REASON =
  'The sales console is static files (HTML, CSS, scripts, ECharts) with no data in them; every data request the console makes goes to an API-key route with the key the user pastes.';

/** The thank-you page plain form posts are redirected to (the demo form's `redirectUrl`). */
export const THANKS_ROUTE = 'GET /thanks.html';

const THANKS_PUBLIC_REASON =
  'The thank-you page that plain HTML form posts land on: a static page with the client’s name and no data, throttled like every route.';

const FORMS_PUBLIC_REASON =
  'Form posts come from the public internet by design (PRODUCT §3.1); abuse is bounded by per-route throttling, a 64 KiB body limit, the honeypot and per-form origin checks in the handler.';

/** Every function of a stack, in the order they are built. */
export const FUNCTIONS = [
  {
    name: 'forms',
    description: 'Public form posts: validate, score, store, publish (POST /v1/forms/{formId})',
    trigger: {
      kind: 'http',
      routes: [
        {
          key: 'POST /v1/forms/{formId}',
          auth: 'public',
          publicReason: FORMS_PUBLIC_REASON,
        },
      ],
    },
    timeoutSeconds: 10,
    memoryMb: 512,
    table: 'ingest',
    bus: 'name',
  },
  {
    name: 'events',
    description: 'Engagement events, one or a batch of 500 (POST /v1/events, x-api-key)',
    trigger: { kind: 'http', routes: [{ key: 'POST /v1/events', auth: 'apiKey' }] },
    timeoutSeconds: 29,
    memoryMb: 1024,
    table: 'ingest',
    bus: 'name',
  },
  {
    name: 'leads',
    description:
      'Ranked leads, one lead with its explanation and score history, an account (GET /v1/leads, x-api-key)',
    trigger: {
      kind: 'http',
      routes: [
        { key: 'GET /v1/leads', auth: 'apiKey' },
        { key: 'GET /v1/leads/{leadId}', auth: 'apiKey' },
        { key: 'GET /v1/leads/{leadId}/history', auth: 'apiKey' },
        { key: 'GET /v1/accounts/{domain}', auth: 'apiKey' },
      ],
    },
    timeoutSeconds: 10,
    memoryMb: 512,
    table: 'read',
    bus: 'name',
  },
  {
    name: 'outcomes',
    description: 'Outcomes from sales: sql, converted, lost, disqualified (POST /v1/leads/{leadId}/outcome)',
    trigger: { kind: 'http', routes: [{ key: 'POST /v1/leads/{leadId}/outcome', auth: 'apiKey' }] },
    timeoutSeconds: 10,
    memoryMb: 512,
    table: 'ingest',
    bus: 'name',
  },
  {
    name: 'erase',
    description: 'Erases a lead, its events, outcomes and notification records (DELETE /v1/leads/{leadId})',
    trigger: { kind: 'http', routes: [{ key: 'DELETE /v1/leads/{leadId}', auth: 'apiKey' }] },
    timeoutSeconds: 29,
    memoryMb: 512,
    table: 'erase',
    bus: 'name',
  },
  {
    name: 'console',
    description: 'The sales console: its static pages, scripts and ECharts, no data (GET /console/{asset})',
    trigger: {
      kind: 'http',
      routes: [
        { key: 'GET /console', auth: 'public', publicReason: CONSOLE_PUBLIC_REASON },
        { key: 'GET /console/{asset}', auth: 'public', publicReason: CONSOLE_PUBLIC_REASON },
      ],
    },
    timeoutSeconds: 5,
    memoryMb: 256,
    assets: CONSOLE_ASSET_FILES,
  },
  {
    name: 'lead-page',
    description:
      'Thank-you page of form posts and the lead page behind signed links in messages (no API key)',
    trigger: {
      kind: 'http',
      routes: [
        { key: THANKS_ROUTE, auth: 'public', publicReason: THANKS_PUBLIC_REASON },
        { key: 'GET /v1/leads/{leadId}/view', auth: 'signedLink' },
      ],
    },
    timeoutSeconds: 10,
    memoryMb: 512,
    table: 'readLead',
    bus: 'name',
  },
  {
    name: 'decay',
    description: 'Daily decay: stores current scores of due leads, emits segment and threshold events',
    trigger: { kind: 'schedule', schedule: 'decay' },
    timeoutSeconds: 600,
    memoryMb: 1024,
    table: 'decay',
    bus: 'name',
  },
  {
    name: 'notify-slack',
    description: 'Slack Block Kit message for a lead that became sales-ready',
    trigger: { kind: 'bus', channel: 'slack', patterns: ['thresholdCrossed', 'segmentChanged'] },
    timeoutSeconds: 30,
    memoryMb: 256,
    table: 'idempotency',
  },
  {
    name: 'notify-email',
    description: 'Email (SES v2) to the owner of a lead that became sales-ready',
    trigger: { kind: 'bus', channel: 'email', patterns: ['thresholdCrossed', 'segmentChanged'] },
    timeoutSeconds: 30,
    memoryMb: 256,
    table: 'idempotency',
  },
  {
    name: 'notify-webhook',
    description: 'Signed webhook (HMAC-SHA256) of a lead event to a webhook integration of the client',
    trigger: { kind: 'integration', type: 'webhook' },
    timeoutSeconds: 30,
    memoryMb: 256,
    table: 'idempotency',
  },
  {
    name: 'outbox-relay',
    description: 'Outbox relay: puts the events each lead write stored on the client bus (DynamoDB stream)',
    trigger: { kind: 'stream', stream: 'leadTable' },
    timeoutSeconds: 30,
    memoryMb: 512,
    bus: 'publish',
  },
  {
    name: 'rescore',
    description:
      'Rescore job step: one scan segment refolded under the deployed model, checkpointed (Step Functions)',
    trigger: { kind: 'job', job: 'rescore' },
    timeoutSeconds: 900,
    memoryMb: 1769,
    table: 'readWrite',
    bus: 'name',
  },
] as const satisfies readonly FunctionSpec[];

export type FunctionName = (typeof FUNCTIONS)[number]['name'];

/** A function's entry, narrowed to one kind of trigger. */
export type FunctionWith<K extends TriggerKind> = FunctionSpec & {
  readonly name: FunctionName;
  readonly trigger: Extract<FunctionTrigger, { kind: K }>;
};

/** The functions one kind of trigger invokes, in manifest order. */
export function functionsTriggeredBy<K extends TriggerKind>(kind: K): FunctionWith<K>[] {
  return (FUNCTIONS as readonly FunctionSpec[]).filter(
    (spec): spec is FunctionWith<K> => spec.trigger.kind === kind,
  );
}

/** One function's entry; throws on a name not in the manifest. */
export function functionSpec(name: FunctionName): FunctionSpec & { readonly name: FunctionName } {
  const spec = FUNCTIONS.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`no function "${name}" in the manifest`);
  return spec;
}

/** The function that runs on the client's `schedule.<name>`; throws when none does. */
export function scheduledFunction(schedule: keyof ClientConfig['schedule']): FunctionWith<'schedule'> {
  const spec = functionsTriggeredBy('schedule').find((candidate) => candidate.trigger.schedule === schedule);
  if (!spec) throw new Error(`no function in the manifest runs on schedule.${schedule}`);
  return spec;
}

/** Every HTTP route with the function behind it, in manifest order. */
export function httpRoutes(): (HttpRouteSpec & { readonly fn: FunctionName })[] {
  return functionsTriggeredBy('http').flatMap((spec) =>
    spec.trigger.routes.map((route) => ({ ...route, fn: spec.name })),
  );
}
