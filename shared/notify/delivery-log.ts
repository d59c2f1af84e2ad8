import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClientConfig } from '#shared/config/schema.ts';
import { LeadRepository } from '#shared/store/lead-repository.ts';
import type { NotifyChannel } from './outbox.ts';

const DAY_S = 86_400;

/**
 * A notifier's delivery log: one item per notification in the lead's partition, kept as long
 * as the lead's events (so `GET /v1/leads/{id}` could show it and an erasure finds it).
 */
export function notificationLogger(
  doc: DynamoDBDocumentClient,
  tableName: string,
  channel: NotifyChannel,
  config: ClientConfig,
) {
  const repo = new LeadRepository(doc, tableName);
  return (leadId: string, notificationId: string) => {
    const now = Date.now();
    const expiresAt = Math.floor(now / 1000) + config.retention.eventDays * DAY_S;
    return repo.logNotification(leadId, channel, notificationId, new Date(now).toISOString(), expiresAt);
  };
}
