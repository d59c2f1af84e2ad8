import { sourceFor } from '#shared/events/contracts.ts';
import {
  CRM_VALUES,
  type CrmValue,
  type HttpIntegration,
  type HubspotIntegration,
  type Integration,
  type IntegrationAuth,
  type SalesforceIntegration,
  type WebhookIntegration,
} from './schema.ts';
import { compilePathParameters, compileTemplate, type InputTransformer } from './template.ts';

/**
 * Every integration of a client file, resolved to what one EventBridge rule target needs: the
 * presets (HubSpot, Salesforce) expanded to their endpoint, method, auth and payload template,
 * every template compiled to an input transformer. The CDK construct (`cdk/constructs/integrations.ts`)
 * deploys these objects and the local bus (`local/integration-targets.ts`) delivers them: one
 * source of truth for the rule pattern, the request and the payload.
 */

/** An EventBridge pattern on the client's bus (the shape of `notificationPatterns()`). */
export interface IntegrationPattern {
  readonly source: string[];
  readonly 'detail-type': string[];
  readonly detail?: Record<string, unknown>;
}

interface TargetBase {
  readonly id: string;
  /** `leadscore-<client>-sync-<id>`: the rule, connection, API destination (and `-dlq`). */
  readonly resourceName: string;
  readonly pattern: IntegrationPattern;
  readonly secretName: string;
  readonly retry: { readonly attempts: number; readonly maxEventAgeSeconds: number };
}

/** A rule target that is an EventBridge API destination (no Lambda in the path). */
export interface ApiDestinationTarget extends TargetBase {
  readonly kind: 'apiDestination';
  readonly type: 'hubspot' | 'salesforce' | 'http';
  /** The endpoint; each `*` is replaced by the value of the matching path parameter. */
  readonly endpoint: string;
  readonly method: 'POST' | 'PUT' | 'PATCH';
  /** JSONPaths over the original event, one per `*` of the endpoint. */
  readonly pathParameters: readonly string[];
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly auth: IntegrationAuth;
  readonly rateLimitPerSecond: number;
  /** The request body. */
  readonly input: InputTransformer;
}

/** A rule target that is the `notify-webhook` function, which signs and posts the body. */
export interface SignedWebhookTarget extends TargetBase {
  readonly kind: 'signedWebhook';
  readonly url: string;
  /** The request body, rendered by the function from the event. */
  readonly body: InputTransformer;
  /** What the rule sends the function: the integration id and the whole event. */
  readonly input: InputTransformer;
}

export type IntegrationTarget = ApiDestinationTarget | SignedWebhookTarget;

/** The default body of a signed webhook: the event's type, id and time, and the whole detail. */
const DEFAULT_WEBHOOK_BODY = {
  type: '{{detail-type}}',
  id: '{{detail.id}}',
  time: '{{detail.time}}',
  lead: '{{detail}}',
};

/** Only leads with an email: a contact is found by it (anonymous visitors have none). */
const WITH_EMAIL = [{ wildcard: '*@*' }];

function patternOf(client: string, integration: Integration, requireEmail: boolean): IntegrationPattern {
  const detail = { ...(requireEmail ? { email: WITH_EMAIL } : {}), ...integration.events.detail };
  return {
    source: [sourceFor(client)],
    'detail-type': integration.events['detail-type'],
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}

const placeholderOf = (value: CrmValue, asString: boolean) =>
  `{{${CRM_VALUES[value]}${asString ? ' | string' : ''}}}`;

function fieldTemplate(map: Partial<Record<CrmValue, string>>, asString: boolean): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map).map(([value, field]) => [field, placeholderOf(value as CrmValue, asString)]),
  );
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * HubSpot CRM v3, update a contact by email: `PATCH /crm/v3/objects/contacts/{email}?idProperty=email`
 * with a `SimplePublicObjectInput` (`{"properties": {name: string}}`: every value a string).
 */
function hubspot(base: TargetBase, integration: HubspotIntegration): ApiDestinationTarget {
  return {
    ...base,
    kind: 'apiDestination',
    type: 'hubspot',
    endpoint: `${trimSlash(integration.baseUrl)}/crm/v3/objects/contacts/*`,
    method: 'PATCH',
    pathParameters: ['$.detail.email'],
    query: { idProperty: 'email' },
    headers: { 'Content-Type': 'application/json' },
    auth: { kind: 'apiKey', header: 'Authorization' },
    rateLimitPerSecond: integration.rateLimitPerSecond,
    input: compileTemplate({ properties: fieldTemplate(integration.properties, true) }),
  };
}

/**
 * Salesforce REST, a Lead by external id: `PATCH /services/data/vXX.X/sobjects/Lead/<field>/<value>`
 * with the sObject's fields (`?updateOnly=true` unless `createMissing`, API v61.0+), authorized by
 * the OAuth 2.0 client credentials flow of a connected app.
 */
function salesforce(base: TargetBase, integration: SalesforceIntegration): ApiDestinationTarget {
  const instance = trimSlash(integration.instanceUrl);
  return {
    ...base,
    kind: 'apiDestination',
    type: 'salesforce',
    endpoint: `${instance}/services/data/${integration.apiVersion}/sobjects/Lead/${integration.externalIdField}/*`,
    method: 'PATCH',
    pathParameters: [`$.detail.${integration.externalIdFrom}`],
    query: integration.createMissing ? {} : { updateOnly: 'true' },
    headers: { 'Content-Type': 'application/json' },
    auth: {
      kind: 'oauthClientCredentials',
      tokenUrl: integration.tokenUrl ?? `${instance}/services/oauth2/token`,
    },
    rateLimitPerSecond: integration.rateLimitPerSecond,
    input: compileTemplate(fieldTemplate(integration.fields, false)),
  };
}

function http(base: TargetBase, integration: HttpIntegration): ApiDestinationTarget {
  return {
    ...base,
    kind: 'apiDestination',
    type: 'http',
    endpoint: integration.url,
    method: integration.method,
    pathParameters: compilePathParameters(integration.pathParameters),
    query: integration.query,
    headers: { 'Content-Type': 'application/json', ...integration.headers },
    auth: integration.auth,
    rateLimitPerSecond: integration.rateLimitPerSecond,
    input: compileTemplate(integration.body),
  };
}

function webhook(base: TargetBase, integration: WebhookIntegration): SignedWebhookTarget {
  return {
    ...base,
    kind: 'signedWebhook',
    url: integration.url,
    body: compileTemplate(integration.body ?? DEFAULT_WEBHOOK_BODY),
    input: {
      inputPathsMap: {},
      inputTemplate: `{"integration":${JSON.stringify(integration.id)},"event":<aws.events.event.json>}`,
    },
  };
}

/** The target of one integration of `client`. */
function integrationTarget(client: string, integration: Integration): IntegrationTarget {
  const requireEmail =
    integration.type === 'hubspot' ||
    (integration.type === 'salesforce' && integration.externalIdFrom === 'email');
  const base: TargetBase = {
    id: integration.id,
    resourceName: `leadscore-${client}-sync-${integration.id}`,
    pattern: patternOf(client, integration, requireEmail),
    secretName: integration.secret,
    retry: integration.retry,
  };
  switch (integration.type) {
    case 'hubspot':
      return hubspot(base, integration);
    case 'salesforce':
      return salesforce(base, integration);
    case 'http':
      return http(base, integration);
    case 'webhook':
      return webhook(base, integration);
  }
}

/** The targets of every integration of a client configuration, in file order. */
export function integrationTargets(config: {
  client: string;
  integrations: readonly Integration[];
}): IntegrationTarget[] {
  return config.integrations.map((integration) => integrationTarget(config.client, integration));
}
