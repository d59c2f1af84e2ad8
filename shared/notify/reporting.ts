import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { maskEmailsIn } from '#shared/logging.ts';
import { MalformedEnvelopeError } from './envelope.ts';
import type { NotifyChannel } from './outbox.ts';
import type { NotificationOutcome } from './outcome.ts';

/** Metric names of the notifiers (namespace `leadscore`, dimension `channel`). */
export const NOTIFICATION_METRICS = {
  sent: 'NotificationsSent',
  failed: 'NotificationsFailed',
  deduplicated: 'NotificationsDeduplicated',
} as const;

type Notifier = (event: unknown, context?: Context) => Promise<NotificationOutcome>;

/** The event id of a delivery, when it has one, for the error log of a failed delivery. */
function eventIdOf(event: unknown): unknown {
  if (typeof event !== 'object' || event === null) return undefined;
  const detail = (event as { detail?: unknown }).detail;
  return typeof detail === 'object' && detail !== null ? (detail as { id?: unknown }).id : undefined;
}

/** Errors as logged: message and stack with email addresses masked (SMTP errors quote them). */
function loggableError(error: unknown) {
  if (!(error instanceof Error)) return { name: 'NonError', message: maskEmailsIn(String(error)) };
  const permanent = (error as { permanent?: unknown }).permanent;
  return {
    name: error.name,
    message: maskEmailsIn(error.message),
    ...(typeof permanent === 'boolean' ? { permanent } : {}),
    ...(error instanceof MalformedEnvelopeError ? { issues: error.issues } : {}),
    stack: error.stack ? maskEmailsIn(error.stack) : undefined,
  };
}

/**
 * Wraps a notifier core with what operators see: one log line per delivery (the outcome,
 * emails masked), the NotificationsSent / NotificationsFailed / NotificationsDeduplicated
 * metrics, and for a failure an error log with the reason before the error is rethrown, so
 * Lambda retries the delivery and finally keeps it in the dead-letter queue (PRODUCT §4.4).
 */
export function reportNotifications(
  channel: NotifyChannel,
  notify: Notifier,
  { logger, metrics }: { logger: Logger; metrics: Metrics },
): (event: unknown, context: Context) => Promise<NotificationOutcome> {
  return async (event, context) => {
    try {
      const outcome = await notify(event, context);
      if (outcome.status === 'sent') metrics.addMetric(NOTIFICATION_METRICS.sent, MetricUnit.Count, 1);
      if (outcome.status === 'duplicate') {
        metrics.addMetric(NOTIFICATION_METRICS.deduplicated, MetricUnit.Count, 1);
      }
      const level =
        outcome.status === 'not-configured' || outcome.status === 'no-recipients' ? 'warn' : 'info';
      logger[level](`${channel} notification ${outcome.status}`, { notification: outcome });
      return outcome;
    } catch (error) {
      metrics.addMetric(NOTIFICATION_METRICS.failed, MetricUnit.Count, 1);
      const logged = loggableError(error);
      logger.error(`${channel} notification failed: ${logged.message}`, {
        notification: { channel, eventId: eventIdOf(event) },
        reason: logged.message,
        error: logged,
      });
      throw error;
    }
  };
}
