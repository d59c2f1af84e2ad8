import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { formatIssues } from '#shared/config/issues.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type BusEnvelope, DETAIL_TYPES, detailSchemas } from '#shared/events/contracts.ts';
import { applyInputTransformer } from '#shared/integrations/input-transformer.ts';
import { type IntegrationSecretReader, secretField } from '#shared/integrations/secrets.ts';
import { integrationTargets, type SignedWebhookTarget } from '#shared/integrations/targets.ts';
import type { NotificationDedupe } from './dedupe.ts';
import { MalformedEnvelopeError } from './envelope.ts';
import { writeOutboxFile } from './outbox.ts';
import type { DeliveryReceipt, DeliveryTarget, NotificationOutcome } from './outcome.ts';
import { type PostOptions, postSignedWebhook, type SignedPost } from './webhook-post.ts';

export interface WebhookNotifierDeps {
  config: ClientConfig;
  dedupe: Pick<NotificationDedupe, 'once'>;
  /** Reads a webhook's signing secret (`{"signingSecret": ...}`). */
  readSecret: IntegrationSecretReader;
  /** Local outbox directory (`LEADSCORE_OUTBOX_DIR`): a copy of each body sent. */
  outboxDir?: string;
  /** Records the delivery in the lead's log, which an erasure reads (see SlackNotifierDeps). */
  logDelivery?: (leadId: string, notificationId: string) => Promise<void>;
  /** Posts the signed request (default {@link postSignedWebhook}). */
  post?: (post: SignedPost, options?: PostOptions) => Promise<number>;
}

export type WebhookNotifier = (event: unknown, context?: Context) => Promise<NotificationOutcome>;

const detailTypes = Object.values(DETAIL_TYPES) as [string, ...string[]];

/** What a webhook rule sends the function: its input transformer wraps the whole event. */
const invocationSchema = z.object({
  integration: z.string().min(1),
  event: z.object({
    version: z.string(),
    id: z.string().min(1),
    'detail-type': z.enum(detailTypes),
    source: z.string().startsWith('leadscore.'),
    time: z.string(),
    account: z.string(),
    region: z.string(),
    resources: z.array(z.string()),
    detail: z.unknown(),
  }),
});

function parseInvocation(event: unknown): {
  integration: string;
  envelope: BusEnvelope<{ id: string; leadId: string }>;
} {
  const parsed = invocationSchema.safeParse(event);
  if (!parsed.success) throw new MalformedEnvelopeError(formatIssues(parsed.error), { cause: parsed.error });
  const { integration, event: envelope } = parsed.data;
  const schema = detailSchemas[envelope['detail-type'] as keyof typeof detailSchemas];
  const detail = schema.safeParse(envelope.detail);
  if (!detail.success) {
    throw new MalformedEnvelopeError(
      formatIssues(detail.error).map((issue) => `event.detail.${issue}`),
      { cause: detail.error },
    );
  }
  return { integration, envelope: { ...envelope, version: '0', detail: detail.data } };
}

/**
 * The signed generic webhook notifier (issue 15), on the same skeleton as the Slack and email
 * notifiers: validate the delivery, find its integration in the client file, render the body
 * with the integration's input transformer (the template the client wrote), and post it signed
 * at most once per event and integration (see {@link NotificationDedupe}): a redelivered event
 * is not posted again, and a retried post carries the same `Leadscore-Event-Id`.
 */
export function createWebhookNotifier(deps: WebhookNotifierDeps): WebhookNotifier {
  const webhooks = new Map(
    integrationTargets(deps.config)
      .filter((target): target is SignedWebhookTarget => target.kind === 'signedWebhook')
      .map((target) => [target.id, target]),
  );
  const post = deps.post ?? postSignedWebhook;
  return async (event, context) => {
    const { integration, envelope } = parseInvocation(event);
    const target = webhooks.get(integration);
    if (!target) {
      throw new MalformedEnvelopeError([
        `integration: no webhook integration "${integration}" in the client file`,
      ]);
    }
    const { detail } = envelope;
    // One delivery per event and webhook: two webhooks may receive the same event.
    const deliveryId = `${integration}#${detail.id}`;
    const base = { channel: 'webhook', eventId: deliveryId, leadId: detail.leadId, integration } as const;
    const body = applyInputTransformer(target.body, envelope, { ruleName: target.resourceName, ruleArn: '' });

    const outcome = await deps.dedupe.once<DeliveryReceipt>(
      deliveryId,
      async () => {
        const secret = await deps.readSecret(target.secretName);
        await post({
          url: target.url,
          body,
          signingSecret: secretField(target.secretName, secret, 'signingSecret'),
          eventId: detail.id,
          eventType: envelope['detail-type'],
        });
        const delivered: DeliveryTarget[] = ['webhook'];
        if (deps.outboxDir) {
          await writeOutboxFile(deps.outboxDir, 'webhook', deliveryId, `${body}\n`);
          delivered.push('outbox');
        }
        return { delivered, sentAt: new Date().toISOString() };
      },
      context,
    );
    await deps.logDelivery?.(detail.leadId, deliveryId);
    return {
      ...base,
      status: outcome.status === 'delivered' ? 'sent' : 'duplicate',
      delivered: outcome.receipt.delivered,
    };
  };
}
