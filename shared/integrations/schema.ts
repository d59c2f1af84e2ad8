import * as z from 'zod';
import { DETAIL_TYPES } from '#shared/events/contracts.ts';
import { compilePathParameters, compileTemplate, TemplateError } from './template.ts';

/**
 * The `integrations:` list of a client file (issue 15): where leadscore's lead events go besides
 * Slack and email. Each entry is one EventBridge rule on the client's bus; its target is an API
 * destination (HubSpot, Salesforce, any HTTP API) or, for a signed generic webhook, the
 * `notify-webhook` function (EventBridge cannot compute an HMAC). Secrets are never in the file:
 * an entry names its Secrets Manager secret, whose JSON shape depends on the auth kind.
 */

const integrationId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,16}$/, 'integration ids are lower-case slugs (a-z, 0-9, -) of 1-17 characters')
  .describe(
    'Stable id: names the rule, API destination, connection and DLQ (leadscore-<client>-sync-<id>, 64 characters at most).',
  );

const detailTypeList = z
  .array(z.enum(Object.values(DETAIL_TYPES) as [string, ...string[]]))
  .min(1)
  .describe('Detail types the integration receives, e.g. [Lead Scored].');

/** A leaf of a content filter: a value or an operator object (`{prefix: ...}`, `{numeric: [...]}`). */
const patternLeaf = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.record(z.string(), z.unknown()),
]);
const patternValues = z
  .array(patternLeaf)
  .min(1)
  .describe('Values the field may have, or operator objects ({prefix: ...}, {numeric: [...]}).');

/**
 * The events of an integration, as an EventBridge pattern over the lead events (the same pattern
 * objects as the notification rules, `notificationPatterns()`): `detail-type` and, optionally,
 * content filters on top-level `detail` fields. The source
 * is always the client's own (`leadscore.<client>`), so a client file never names it.
 */
const integrationEventsSchema = z
  .object({
    'detail-type': detailTypeList,
    detail: z
      .record(z.string(), patternValues)
      .optional()
      .describe('Content filters on the event detail, e.g. { newSegment: [hot] } or { direction: [up] }.'),
  })
  .strict()
  .describe('Which lead events this integration receives (an EventBridge pattern without its source).');

const secretName = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name (letters, digits, / _ + = . @ -)')
  .describe('Name of the Secrets Manager secret holding the credentials (JSON; never in this file).');

const httpsOrLocalUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const rateLimitPerSecond = z
  .number()
  .int()
  .min(1)
  .max(300)
  .default(10)
  .describe('Most requests per second to this destination (EventBridge invocation rate limit).');

const retrySchema = z
  .object({
    attempts: z
      .number()
      .int()
      .min(0)
      .max(185)
      .default(8)
      .describe('Retries after the first attempt (429, 5xx and timeouts; other 4xx are not retried).'),
    maxEventAgeSeconds: z
      .number()
      .int()
      .min(60)
      .max(86_400)
      .default(86_400)
      .describe('How long EventBridge keeps retrying an event before dead-lettering it.'),
  })
  .strict()
  .default({ attempts: 8, maxEventAgeSeconds: 86_400 })
  .describe('Retry policy of the rule target; what is given up lands in the integration’s DLQ.');

/** A payload template: any JSON with `{{path}}` placeholders over the event (see template.ts). */
const bodyTemplate = z
  .json()
  .describe(
    'Payload template: JSON whose strings may hold {{detail.<field>}} (or {{id}}, {{time}}, {{detail-type}}) placeholders; a string that is only a placeholder keeps the value’s JSON type.',
  );

const common = {
  id: integrationId,
  events: integrationEventsSchema,
  secret: secretName,
  retry: retrySchema,
};

/** What an API destination adds to the common fields. */
const destination = { ...common, rateLimitPerSecond };

/** The lead values a CRM preset can write, by the names the client maps to its own fields. */
export const CRM_VALUES = {
  score: 'detail.newScore',
  segment: 'detail.newSegment',
  grade: 'detail.grade',
  lifecycle: 'detail.lifecycle',
  modelVersion: 'detail.modelVersion',
  scoredAt: 'detail.time',
} as const;

export type CrmValue = keyof typeof CRM_VALUES;

const crmFieldMap = (what: string) =>
  z
    .partialRecord(
      z.enum(Object.keys(CRM_VALUES) as [CrmValue, ...CrmValue[]]),
      z.string().min(1).describe(`The ${what} this lead value is written to.`),
    )
    .refine((map) => Object.keys(map).length > 0, { message: 'map at least one value to a field' })
    .describe(
      `The ${what} each lead value is written to: score, segment, grade, lifecycle, modelVersion, scoredAt.`,
    );

/** HubSpot preset: the lead values of `properties` written to the contact with the lead's email. */
const hubspotIntegrationSchema = z
  .object({
    type: z.literal('hubspot').describe('HubSpot CRM v3: update the contact with the lead’s email.'),
    ...destination,
    secret: secretName.describe(
      'Secret JSON {"apiKey": "Bearer <private app token>"}: sent as the Authorization header.',
    ),
    baseUrl: httpsOrLocalUrl.default('https://api.hubapi.com').describe('HubSpot API base URL.'),
    properties: crmFieldMap('HubSpot contact property'),
  })
  .strict();

/** Salesforce preset: the lead values of `fields` written to the Lead holding the lead's id or email. */
const salesforceIntegrationSchema = z
  .object({
    type: z.literal('salesforce').describe('Salesforce REST: update a Lead found by an external id field.'),
    ...destination,
    secret: secretName.describe(
      'Secret JSON {"clientId": ..., "clientSecret": ...} of a connected app with the client credentials flow.',
    ),
    instanceUrl: httpsOrLocalUrl.describe('My Domain URL, e.g. https://acme.my.salesforce.com.'),
    tokenUrl: httpsOrLocalUrl
      .optional()
      .describe('OAuth token endpoint (default <instanceUrl>/services/oauth2/token).'),
    apiVersion: z
      .string()
      .regex(/^v\d{2,3}\.0$/, 'a REST API version such as v62.0')
      .default('v62.0')
      .describe('REST API version; v61.0 or later (updateOnly).'),
    externalIdField: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a Salesforce field API name')
      .describe('External ID field of Lead that holds the leadscore value below, e.g. Leadscore_Id__c.'),
    externalIdFrom: z
      .enum(['leadId', 'email'])
      .default('leadId')
      .describe('Which lead value the external id field holds.'),
    createMissing: z
      .boolean()
      .default(false)
      .describe('Upsert: create the Lead when none has the external id (default: update only).'),
    fields: crmFieldMap('Lead field (API name)'),
  })
  .strict();

const authSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('apiKey'),
        header: z.string().min(1).describe('Header the key is sent in, e.g. X-Api-Key or Authorization.'),
      })
      .strict()
      .describe('API key in a header; secret JSON {"apiKey": ...}.'),
    z
      .object({ kind: z.literal('basic') })
      .strict()
      .describe('HTTP Basic; secret JSON {"username", "password"}.'),
    z
      .object({
        kind: z.literal('oauthClientCredentials'),
        tokenUrl: httpsOrLocalUrl.describe('OAuth 2.0 token endpoint.'),
        scope: z.string().optional().describe('Scope requested with the token.'),
      })
      .strict()
      .describe('OAuth 2.0 client credentials; secret JSON {"clientId", "clientSecret"}.'),
  ])
  .describe('How the API destination authenticates.');

/** Any HTTP API through an API destination: the client writes the request and its body template. */
const httpIntegrationSchema = z
  .object({
    type: z.literal('http').describe('Any HTTP API, through an EventBridge API destination.'),
    ...destination,
    url: httpsOrLocalUrl.describe('Endpoint; each * is replaced by the matching pathParameters entry.'),
    method: z.enum(['POST', 'PUT', 'PATCH']).default('POST').describe('HTTP method.'),
    pathParameters: z
      .array(z.string())
      .default([])
      .describe('One {{path}} placeholder per * in the URL, e.g. ["{{detail.leadId}}"].'),
    query: z
      .record(z.string(), z.string().describe('The parameter’s value.'))
      .default({})
      .describe('Fixed query string parameters.'),
    headers: z
      .record(z.string(), z.string().describe('The header’s value.'))
      .default({})
      .describe('Fixed request headers (not secrets).'),
    auth: authSchema,
    body: bodyTemplate,
  })
  .strict();

/** A generic webhook, signed by `notify-webhook` (EventBridge cannot compute an HMAC). */
const webhookIntegrationSchema = z
  .object({
    type: z
      .literal('webhook')
      .describe('Generic webhook signed with HMAC-SHA256 (Leadscore-Signature header), by notify-webhook.'),
    ...common,
    secret: secretName.describe('Secret JSON {"signingSecret": ...} shared with the receiver.'),
    url: httpsOrLocalUrl.describe('Receiver URL (POST).'),
    body: bodyTemplate
      .optional()
      .describe('Payload template (default {"type", "id", "time", "lead": the whole detail}).'),
  })
  .strict();

/** One integration, told apart by `type`. */
const integrationSchema = z.discriminatedUnion('type', [
  hubspotIntegrationSchema,
  salesforceIntegrationSchema,
  httpIntegrationSchema,
  webhookIntegrationSchema,
]);

/**
 * Checks zod cannot express per field: unique ids, templates that compile (placeholders naming
 * real event fields, no text EventBridge would misread), one path parameter per `*` of a URL.
 */
function checkIntegrations(list: readonly z.infer<typeof integrationSchema>[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  list.forEach((integration, index) => {
    if (seen.has(integration.id)) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'id'],
        message: `duplicate integration id "${integration.id}"`,
      });
    }
    seen.add(integration.id);
    const report = (field: string, error: unknown) => {
      if (!(error instanceof TemplateError)) throw error;
      ctx.addIssue({ code: 'custom', path: [index, field, ...error.path], message: error.message });
    };
    if (integration.type === 'http' || integration.type === 'webhook') {
      try {
        if (integration.body !== undefined) compileTemplate(integration.body);
      } catch (error) {
        report('body', error);
      }
    }
    if (integration.type === 'http') {
      try {
        compilePathParameters(integration.pathParameters);
      } catch (error) {
        report('pathParameters', error);
      }
      const stars = integration.url.split('*').length - 1;
      if (stars !== integration.pathParameters.length) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'pathParameters'],
          message: `the url has ${stars} * but ${integration.pathParameters.length} path parameter(s) are given`,
        });
      }
    }
  });
}

/** The `integrations:` list of a client file (`clientConfigSchema.integrations`). */
export const integrationsSchema = z
  .array(integrationSchema)
  .default([])
  .superRefine(checkIntegrations)
  .describe('Outbound integrations: CRM sync (HubSpot, Salesforce), HTTP APIs and signed webhooks.');

export type Integration = z.infer<typeof integrationSchema>;
export type HubspotIntegration = z.infer<typeof hubspotIntegrationSchema>;
export type SalesforceIntegration = z.infer<typeof salesforceIntegrationSchema>;
export type HttpIntegration = z.infer<typeof httpIntegrationSchema>;
export type WebhookIntegration = z.infer<typeof webhookIntegrationSchema>;
export type IntegrationAuth = z.infer<typeof authSchema>;
