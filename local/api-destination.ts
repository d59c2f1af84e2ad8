/**
 * An EventBridge API destination, delivered by the local bus (issue 15): the request a deployed
 * rule target with an `events.Connection` and an `events.ApiDestination` sends, built from the
 * same {@link ApiDestinationTarget} the CDK deploys:
 *
 * - the endpoint's `*` replaced by the target's path parameters (JSONPath over the original
 *   event, URL-encoded), its query string parameters and headers added;
 * - the body from the target's input transformer (`applyInputTransformer`, EventBridge's rules);
 * - the connection's authorization from the integration's secret (the local secrets file):
 *   an API key header, HTTP Basic, or an OAuth 2.0 client-credentials token fetched from the
 *   token URL (client id and secret as HTTP Basic, `grant_type=client_credentials`), cached
 *   until it expires and fetched again after a 401;
 * - a 5 s timeout per request, as an API destination has;
 * - retried (by the bus, with backoff, up to the rule target's retry policy) on 429, 5xx, a
 *   timeout or a network error, and on a 401 with OAuth (the token is renewed); any other answer
 *   below 200 or from 300 up is dead-lettered at once.
 */
import type { BusEnvelope } from '#shared/events/contracts.ts';
import { applyInputTransformer, evaluateJsonPath } from '#shared/integrations/input-transformer.ts';
import { type IntegrationSecretReader, secretField } from '#shared/integrations/secrets.ts';
import type { ApiDestinationTarget } from '#shared/integrations/targets.ts';
import { type BusTarget, NonRetryableDeliveryError } from './event-bus.ts';

export interface ApiDestinationOptions {
  readSecret: IntegrationSecretReader;
  /** For the rule ARN of the predefined variables. */
  busName: string;
  fetch?: typeof fetch;
  /** Per request. Default 5 s (EventBridge's API destination timeout). */
  timeoutMs?: number;
}

/** An API destination that answered with a status EventBridge retries. */
export class ApiDestinationError extends Error {
  override name = 'ApiDestinationError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

interface CachedToken {
  value: string;
  expiresAt: number;
}

/** The request URL: `*`s replaced by the path parameters' values, the query string appended. */
export function destinationUrl(target: ApiDestinationTarget, envelope: BusEnvelope): string {
  let index = 0;
  const path = target.endpoint.replace(/\*/g, () => {
    const jsonPath = target.pathParameters[index++] ?? '';
    const value = evaluateJsonPath(envelope, jsonPath);
    if (value === undefined || value === null || typeof value === 'object') {
      throw new NonRetryableDeliveryError(
        `${target.id}: path parameter ${jsonPath} has no value in the event`,
      );
    }
    return encodeURIComponent(String(value));
  });
  const url = new URL(path);
  for (const [name, value] of Object.entries(target.query)) url.searchParams.append(name, value);
  return url.toString();
}

/** The bus target of one API destination. */
export function apiDestinationTarget(
  target: ApiDestinationTarget,
  options: ApiDestinationOptions,
): BusTarget {
  const doFetch = options.fetch ?? fetch;
  const timeout = () => AbortSignal.timeout(options.timeoutMs ?? 5_000);
  let token: CachedToken | undefined;

  const oauthToken = async (): Promise<string> => {
    if (target.auth.kind !== 'oauthClientCredentials') throw new Error('not an OAuth connection');
    if (token && token.expiresAt > Date.now()) return token.value;
    const secret = await options.readSecret(target.secretName);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (target.auth.scope) form.set('scope', target.auth.scope);
    const response = await doFetch(target.auth.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basic(
          secretField(target.secretName, secret, 'clientId'),
          secretField(target.secretName, secret, 'clientSecret'),
        ),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
      signal: timeout(),
    });
    const answer = (await response.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
    };
    if (!response.ok || typeof answer.access_token !== 'string') {
      throw new ApiDestinationError(
        `${target.id}: the token endpoint answered ${response.status}`,
        response.status,
      );
    }
    const lifetimeS = typeof answer.expires_in === 'number' ? answer.expires_in : 3600;
    token = { value: answer.access_token, expiresAt: Date.now() + Math.max(0, lifetimeS - 60) * 1000 };
    return token.value;
  };

  const authorization = async (): Promise<Record<string, string>> => {
    const { auth } = target;
    if (auth.kind === 'oauthClientCredentials') return { authorization: `Bearer ${await oauthToken()}` };
    const secret = await options.readSecret(target.secretName);
    if (auth.kind === 'apiKey') return { [auth.header]: secretField(target.secretName, secret, 'apiKey') };
    return {
      authorization: basic(
        secretField(target.secretName, secret, 'username'),
        secretField(target.secretName, secret, 'password'),
      ),
    };
  };

  return {
    name: target.resourceName,
    attempts: target.retry.attempts + 1,
    async invoke(envelope) {
      const url = destinationUrl(target, envelope);
      const body = applyInputTransformer(target.input, envelope, {
        ruleName: target.resourceName,
        ruleArn: `arn:aws:events:${envelope.region}:${envelope.account}:rule/${options.busName}/${target.resourceName}`,
      });
      const response = await doFetch(url, {
        method: target.method,
        headers: { ...target.headers, ...(await authorization()) },
        body,
        signal: timeout(),
      });
      const snippet = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
      if (response.ok) return;
      const problem =
        `${target.id}: ${target.method} ${new URL(url).host} answered ${response.status} ${snippet}`.trim();
      const oauthRefresh = response.status === 401 && target.auth.kind === 'oauthClientCredentials';
      if (oauthRefresh) token = undefined;
      if (response.status === 429 || response.status >= 500 || oauthRefresh) {
        throw new ApiDestinationError(problem, response.status);
      }
      throw new NonRetryableDeliveryError(`${problem} (not retried)`);
    },
  };
}
