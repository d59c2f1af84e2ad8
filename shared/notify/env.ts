import * as z from 'zod';
import { formatIssues } from '#shared/config/issues.ts';
import type { ClientConfig } from '#shared/config/schema.ts';

/** Unset and empty variables are the same thing. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/**
 * The notifiers' environment (see the project's env contract). Parsed once at cold start, so
 * a misconfigured function fails on its first event naming the variable, not halfway through.
 */
export const notifierEnvSchema = z.object({
  TABLE_NAME: z.string().min(1),
  CLIENT_NAME: optional(z.string()),
  /** Base URL of the API, for links to leads; else `notifications.leadUrlBase` of the config. */
  LEAD_URL_BASE: optional(z.url()),
  /** Deployed: Secrets Manager id of the default Slack webhook URL. */
  SLACK_WEBHOOK_SECRET_ID: optional(z.string()),
  /** Local: a real webhook to post to (optional). */
  LEADSCORE_SLACK_WEBHOOK_URL: optional(z.url()),
  /** Local: an SMTP server to send mail through (optional), `smtp://host:port`. */
  LEADSCORE_SMTP_URL: optional(z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')),
  /** Local: directory of the notifier outbox. */
  LEADSCORE_OUTBOX_DIR: optional(z.string()),
  /** Local: the JSON file of integration secrets (`{ "<secret name>": {...} }`). */
  LEADSCORE_SECRETS_FILE: optional(z.string()),
  /** Local: DynamoDB Local endpoint. */
  LEADSCORE_DYNAMODB_ENDPOINT: optional(z.url()),
});

export type NotifierEnv = z.infer<typeof notifierEnvSchema>;

/** The function's environment is missing or malformed; names the variables, never their values. */
export class EnvError extends Error {
  override name = 'EnvError';
  constructor(readonly issues: string[]) {
    super(`Invalid environment: ${issues.join('; ')}`);
  }
}

/** Parses the notifier environment; throws EnvError naming each bad variable. */
export function parseNotifierEnv(env: NodeJS.ProcessEnv = process.env): NotifierEnv {
  const parsed = notifierEnvSchema.safeParse(env);
  if (!parsed.success) throw new EnvError(formatIssues(parsed.error));
  return parsed.data;
}

/**
 * Local runs (the local stack and tests) set the outbox directory or the DynamoDB Local
 * endpoint. There the notifiers never reach for Secrets Manager or SES: they send only to
 * what `LEADSCORE_SLACK_WEBHOOK_URL` / `LEADSCORE_SMTP_URL` name, and to the outbox.
 */
export function isLocalRun(env: NotifierEnv): boolean {
  return env.LEADSCORE_OUTBOX_DIR !== undefined || env.LEADSCORE_DYNAMODB_ENDPOINT !== undefined;
}

/** Base of lead links: `LEAD_URL_BASE`, else the config's `notifications.leadUrlBase`. */
export function leadUrlBase(env: NotifierEnv, config: ClientConfig): string {
  const base = env.LEAD_URL_BASE ?? config.notifications.leadUrlBase;
  if (!base) throw new EnvError(['LEAD_URL_BASE: required (or set notifications.leadUrlBase in the config)']);
  return base;
}
