import type { NotifyChannel } from './outbox.ts';

/**
 * What a notifier did with one event (a delivery still in progress elsewhere is not an outcome:
 * it throws `NotificationInProgressError`, so that it is retried):
 * - `sent`: delivered now (to Slack / the mail server and/or the local outbox);
 * - `duplicate`: this event was delivered before on this channel (or by another invocation
 *   this one waited for); nothing sent again;
 * - `disabled`: the channel is off in the client configuration;
 * - `no-recipients`: the route names nobody to mail;
 * - `not-configured`: a local run with neither a real target nor an outbox.
 */
export type NotificationStatus = 'sent' | 'duplicate' | 'disabled' | 'no-recipients' | 'not-configured';

/** Where a delivered notification went. */
export type DeliveryTarget = 'webhook' | 'ses' | 'smtp' | 'outbox';

export interface NotificationOutcome {
  channel: NotifyChannel;
  status: NotificationStatus;
  /** The event's `detail.id`: the dedupe key. */
  eventId: string;
  leadId: string;
  /** The routing rule used (`default` when none matched). */
  ruleId?: string;
  /** Set when `status` is `sent` or `duplicate`. */
  delivered?: DeliveryTarget[];
  /** Slack: the routed channel. */
  slackChannel?: string;
  /** Email: the recipients, masked (`j***@acme.com`): outcomes are logged. */
  recipients?: string[];
  /** Webhook: the integration id of the client file. */
  integration?: string;
}

/** What the dedupe record keeps of a delivery (JSON), handed back to duplicates. */
export type DeliveryReceipt = {
  delivered: DeliveryTarget[];
  sentAt: string;
};
