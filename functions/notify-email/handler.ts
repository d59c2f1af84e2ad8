/**
 * Email notifier (PRODUCT §4.2–§4.4): target of the EventBridge rules for upward threshold
 * crossings and notifying segment changes. Mails the routed recipients once per event, through
 * SES v2 deployed and SMTP (`LEADSCORE_SMTP_URL`) locally.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { documentClient, dynamoClient } from '#shared/clients/aws.ts';
import { runtimeClientConfig } from '#shared/config/runtime.ts';
import { observability } from '#shared/logging.ts';
import { NotificationDedupe } from '#shared/notify/dedupe.ts';
import { notificationLogger } from '#shared/notify/delivery-log.ts';
import { createEmailNotifier } from '#shared/notify/email-notifier.ts';
import { emailTransportFor } from '#shared/notify/email-transport.ts';
import { leadUrlBase, parseNotifierEnv } from '#shared/notify/env.ts';
import { reportNotifications } from '#shared/notify/reporting.ts';
import { configuredLeadLinkKeyLoader } from '#shared/runtime/lead-link-secret.ts';

const env = parseNotifierEnv();
const config = runtimeClientConfig();
const { logger, metrics } = observability(process.env.POWERTOOLS_SERVICE_NAME ?? 'notify-email');
metrics.setDefaultDimensions({ channel: 'email' });

const notify = createEmailNotifier({
  config,
  leadUrlBase: leadUrlBase(env, config),
  leadLinkKey: configuredLeadLinkKeyLoader(),
  dedupe: new NotificationDedupe({ tableName: env.TABLE_NAME, channel: 'email', client: dynamoClient() }),
  transport: emailTransportFor(env),
  outboxDir: env.LEADSCORE_OUTBOX_DIR,
  logDelivery: notificationLogger(documentClient(), env.TABLE_NAME, 'email', config),
});

export const handler = middy(reportNotifications('email', notify, { logger, metrics }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
