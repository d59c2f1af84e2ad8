import type { Context } from 'aws-lambda';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { NotificationDedupe } from './dedupe.ts';
import { parseNotificationEnvelope } from './envelope.ts';
import { writeOutboxFile } from './outbox.ts';
import type { DeliveryReceipt, DeliveryTarget, NotificationOutcome } from './outcome.ts';
import { routeForDetail } from './route-for-detail.ts';
import { buildSlackMessage, type SlackMessage } from './slack.ts';
import { postToSlack } from './slack-webhook.ts';
import type { WebhookUrlResolver } from './slack-webhook-url.ts';
import { leadLinkOf } from './summary.ts';

export interface SlackNotifierDeps {
  config: ClientConfig;
  /** Base of lead links (`LEAD_URL_BASE`). */
  leadUrlBase: string;
  /**
   * The signing key of lead links (`leadLinkKeyLoader`): the message links to the lead's page
   * behind a short-lived signed URL that opens in a browser. Without it, the API's lead URL.
   */
  leadLinkKey?: (() => Promise<Buffer>) | undefined;
  dedupe: Pick<NotificationDedupe, 'once'>;
  webhookUrlFor: WebhookUrlResolver;
  /** Local outbox directory (`LEADSCORE_OUTBOX_DIR`), if any. */
  outboxDir?: string;
  /**
   * Records a delivered (or already delivered) notification in the lead's log, which erasing
   * the lead removes with the dedupe records it names (PRODUCT §6.1). Idempotent.
   */
  logDelivery?: (leadId: string, notificationId: string) => Promise<void>;
  /** Posts to a webhook (default: {@link postToSlack} with its retries). */
  post?: (webhookUrl: string, message: SlackMessage) => Promise<unknown>;
}

/** Handles one EventBridge delivery to the Slack notifier; throws when it could not deliver. */
export type SlackNotifier = (event: unknown, context?: Context) => Promise<NotificationOutcome>;

/**
 * The Slack notifier's core (the handler only adds logging and metrics middleware): validate
 * the envelope, route the lead, build the Block Kit message, and post it at most once per
 * event (see {@link NotificationDedupe}) to the route's webhook and, locally, the outbox.
 */
export function createSlackNotifier(deps: SlackNotifierDeps): SlackNotifier {
  const post = deps.post ?? ((url: string, message: SlackMessage) => postToSlack(url, message));
  return async (event, context) => {
    const { detail, detailType } = parseNotificationEnvelope(event);
    // One notification per lead change, even when the change raised several events.
    const notificationId = detail.changeId ?? detail.id;
    const route = routeForDetail(detail, deps.config);
    const base = {
      channel: 'slack',
      eventId: notificationId,
      leadId: detail.leadId,
      ruleId: route.ruleId,
      slackChannel: route.slackChannel,
    } as const;
    if (!deps.config.notifications.slack.enabled) return { ...base, status: 'disabled' };

    const webhookUrl = await deps.webhookUrlFor(route);
    if (!webhookUrl && !deps.outboxDir) return { ...base, status: 'not-configured' };
    const message = buildSlackMessage(detail, detailType, {
      leadUrl: await leadLinkOf(deps, detail.leadId),
      channel: route.slackChannel,
    });

    const outcome = await deps.dedupe.once<DeliveryReceipt>(
      notificationId,
      async () => {
        const delivered: DeliveryTarget[] = [];
        if (webhookUrl) {
          await post(webhookUrl, message);
          delivered.push('webhook');
        }
        if (deps.outboxDir) {
          await writeOutboxFile(
            deps.outboxDir,
            'slack',
            notificationId,
            `${JSON.stringify(message, null, 2)}\n`,
          );
          delivered.push('outbox');
        }
        return { delivered, sentAt: new Date().toISOString() };
      },
      context,
    );
    await deps.logDelivery?.(detail.leadId, notificationId);
    return {
      ...base,
      status: outcome.status === 'delivered' ? 'sent' : 'duplicate',
      delivered: outcome.receipt.delivered,
    };
  };
}
