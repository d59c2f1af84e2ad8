import type { Context } from 'aws-lambda';
import type { ClientConfig } from '#shared/config/schema.ts';
import { maskEmail } from '#shared/logging.ts';
import type { NotificationDedupe } from './dedupe.ts';
import { buildEmail, messageIdFor, toRfc822 } from './email.ts';
import type { EmailTransport } from './email-transport.ts';
import { parseNotificationEnvelope } from './envelope.ts';
import { writeOutboxFile } from './outbox.ts';
import type { DeliveryReceipt, DeliveryTarget, NotificationOutcome } from './outcome.ts';
import { emailRecipients, routeForDetail } from './route-for-detail.ts';
import { leadLinkOf } from './summary.ts';

export interface EmailNotifierDeps {
  config: ClientConfig;
  /** Base of lead links (`LEAD_URL_BASE`). */
  leadUrlBase: string;
  /**
   * The signing key of lead links (`leadLinkKeyLoader`): the message links to the lead's page
   * behind a short-lived signed URL that opens in a browser. Without it, the API's lead URL.
   */
  leadLinkKey?: (() => Promise<Buffer>) | undefined;
  dedupe: Pick<NotificationDedupe, 'once'>;
  /** SES deployed, SMTP locally; undefined locally without `LEADSCORE_SMTP_URL` (outbox only). */
  transport?: EmailTransport;
  /** Local outbox directory (`LEADSCORE_OUTBOX_DIR`), if any. */
  outboxDir?: string;
  /** Records the delivery in the lead's log (see SlackNotifierDeps.logDelivery). Idempotent. */
  logDelivery?: (leadId: string, notificationId: string) => Promise<void>;
}

/** Handles one EventBridge delivery to the email notifier; throws when it could not deliver. */
export type EmailNotifier = (event: unknown, context?: Context) => Promise<NotificationOutcome>;

/**
 * The email notifier's core: validate the envelope, route the lead to its recipients, build
 * the email, and send it at most once per event (see {@link NotificationDedupe}) through the
 * transport and, locally, to the outbox as a `.eml`.
 */
export function createEmailNotifier(deps: EmailNotifierDeps): EmailNotifier {
  return async (event, context) => {
    const { detail, detailType } = parseNotificationEnvelope(event);
    // One notification per lead change, even when the change raised several events.
    const notificationId = detail.changeId ?? detail.id;
    const route = routeForDetail(detail, deps.config);
    const base = {
      channel: 'email',
      eventId: notificationId,
      leadId: detail.leadId,
      ruleId: route.ruleId,
    } as const;
    const settings = deps.config.notifications.email;
    if (!settings.enabled) return { ...base, status: 'disabled' };
    const to = emailRecipients(detail, route);
    if (to.length === 0) return { ...base, status: 'no-recipients' };
    if (!deps.transport && !deps.outboxDir) return { ...base, status: 'not-configured' };
    const routed = { ...base, recipients: to.map(maskEmail) };

    const email = buildEmail(detail, detailType, {
      leadUrl: await leadLinkOf(deps, detail.leadId),
      from: settings.from,
      to,
    });
    const messageId = messageIdFor(notificationId, settings.from);

    const outcome = await deps.dedupe.once<DeliveryReceipt>(
      notificationId,
      async () => {
        const delivered: DeliveryTarget[] = [];
        if (deps.transport) {
          await deps.transport.send(email, messageId);
          delivered.push(deps.transport.kind);
        }
        if (deps.outboxDir) {
          await writeOutboxFile(deps.outboxDir, 'email', notificationId, await toRfc822(email, messageId));
          delivered.push('outbox');
        }
        return { delivered, sentAt: new Date().toISOString() };
      },
      context,
    );
    await deps.logDelivery?.(detail.leadId, notificationId);
    return {
      ...routed,
      status: outcome.status === 'delivered' ? 'sent' : 'duplicate',
      delivered: outcome.receipt.delivered,
    };
  };
}
