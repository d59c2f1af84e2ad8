/**
 * Where the notifiers' own records live in the lead table, apart from everything else, so that
 * IAM can confine each notifier to them with `dynamodb:LeadingKeys` (which can name partition keys
 * only): the dedupe records of a channel in `NOTIFY#<channel>`, and the delivery log of a lead in
 * `NOTE#<leadId>` (not in the lead's own partition, whose lead item a notifier must never write).
 */

/** Partition key of a channel's dedupe records: `NOTIFY#slack`, `NOTIFY#email`, `NOTIFY#webhook`. */
export const dedupePartitionKey = (channel: string): string => `NOTIFY#${channel}`;

/** Prefix of the partitions holding leads' delivery logs. */
export const NOTIFICATION_LOG_PK_PREFIX = 'NOTE#';

/** The key of one delivery-log item: `NOTE#<leadId>` / `<channel>#<notification id>`. */
export const notificationLogKey = (leadId: string, channel: string, notificationId: string) => ({
  pk: `${NOTIFICATION_LOG_PK_PREFIX}${leadId}`,
  sk: `${channel}#${notificationId}`,
});

/**
 * The partition keys a notifier of `channel` may read and write (IAM `ForAllValues:StringLike`
 * patterns of `dynamodb:LeadingKeys`): its dedupe partition and the leads' delivery logs.
 */
export const notifierLeadingKeys = (channel: string): string[] => [
  dedupePartitionKey(channel),
  `${NOTIFICATION_LOG_PK_PREFIX}*`,
];
