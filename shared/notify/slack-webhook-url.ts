import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { ChosenRoute } from '#shared/scoring/routing.ts';
import { isLocalRun, type NotifierEnv } from './env.ts';

/** Where the webhook URL of a route comes from, or undefined when nothing is configured. */
export type WebhookUrlResolver = (route: ChosenRoute) => Promise<string | undefined>;

/** No Slack webhook is configured for a route in a deployed stack: the message cannot go out. */
export class SlackNotConfiguredError extends Error {
  override name = 'SlackNotConfiguredError';
}

/** A webhook secret that does not hold a URL. Never includes the secret's value. */
export class SlackWebhookSecretError extends Error {
  override name = 'SlackWebhookSecretError';
}

const webhookUrl = z.url({ protocol: /^https?$/ });
const secretJson = z.object({ url: webhookUrl }).or(z.object({ webhookUrl: webhookUrl }));

/** The secret holds the URL itself, or JSON `{ "url": ... }` / `{ "webhookUrl": ... }`. */
export function webhookUrlFromSecret(secretId: string, value: unknown): string {
  const text =
    typeof value === 'string'
      ? value.trim()
      : value instanceof Uint8Array
        ? new TextDecoder().decode(value).trim()
        : '';
  if (text) {
    const plain = webhookUrl.safeParse(text);
    if (plain.success) return plain.data;
    try {
      const json = secretJson.safeParse(JSON.parse(text));
      if (json.success) return 'url' in json.data ? json.data.url : json.data.webhookUrl;
    } catch {
      // not JSON: reported below
    }
  }
  throw new SlackWebhookSecretError(
    `Secret ${secretId} does not hold a Slack webhook URL (a URL string or JSON {"url": ...}); ` +
      'set it with `aws secretsmanager put-secret-value`',
  );
}

export interface WebhookResolverOptions {
  /** Seconds a fetched secret is cached. Default 300. */
  maxAgeSeconds?: number;
  /** Reads a secret (default: Powertools `getSecret`, Secrets Manager). */
  readSecret?: (secretId: string, maxAgeSeconds: number) => Promise<unknown>;
}

const readFromSecretsManager = (secretId: string, maxAge: number) => getSecret(secretId, { maxAge });

/**
 * Locally the URL is `LEADSCORE_SLACK_WEBHOOK_URL` (or none: outbox only). Deployed it is a
 * Secrets Manager secret: the route's `slackWebhookSecret`, else `SLACK_WEBHOOK_SECRET_ID`,
 * else `notifications.slack.webhookSecretName`; cached for `maxAgeSeconds` across invocations.
 */
export function webhookUrlResolver(
  env: NotifierEnv,
  config: ClientConfig,
  options: WebhookResolverOptions = {},
): WebhookUrlResolver {
  if (isLocalRun(env)) return async () => env.LEADSCORE_SLACK_WEBHOOK_URL;
  const readSecret = options.readSecret ?? readFromSecretsManager;
  const maxAge = options.maxAgeSeconds ?? 300;
  return async (route) => {
    const secretId =
      route.slackWebhookSecret ?? env.SLACK_WEBHOOK_SECRET_ID ?? config.notifications.slack.webhookSecretName;
    if (!secretId) {
      throw new SlackNotConfiguredError(
        `No Slack webhook secret for route ${route.ruleId} (set SLACK_WEBHOOK_SECRET_ID or slackWebhookSecret)`,
      );
    }
    return webhookUrlFromSecret(secretId, await readSecret(secretId, maxAge));
  };
}
