/**
 * Slack notifier (PRODUCT §4.2–§4.4): target of the EventBridge rules for upward threshold
 * crossings and notifying segment changes. Posts a Block Kit message once per event.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { documentClient, dynamoClient } from '#shared/clients/aws.ts';
import { runtimeClientConfig } from '#shared/config/runtime.ts';
import { observability } from '#shared/logging.ts';
import { NotificationDedupe } from '#shared/notify/dedupe.ts';
import { notificationLogger } from '#shared/notify/delivery-log.ts';
import { leadUrlBase, parseNotifierEnv } from '#shared/notify/env.ts';
import { reportNotifications } from '#shared/notify/reporting.ts';
import { createSlackNotifier } from '#shared/notify/slack-notifier.ts';
import { webhookUrlResolver } from '#shared/notify/slack-webhook-url.ts';
import { configuredLeadLinkKeyLoader } from '#shared/runtime/lead-link-secret.ts';

const env = parseNotifierEnv();
const config = runtimeClientConfig();
const { logger, metrics } = observability(process.env.POWERTOOLS_SERVICE_NAME ?? 'notify-slack');
metrics.setDefaultDimensions({ channel: 'slack' });

const notify = createSlackNotifier({
  config,
  leadUrlBase: leadUrlBase(env, config),
  leadLinkKey: configuredLeadLinkKeyLoader(),
  dedupe: new NotificationDedupe({ tableName: env.TABLE_NAME, channel: 'slack', client: dynamoClient() }),
  webhookUrlFor: webhookUrlResolver(env, config),
  outboxDir: env.LEADSCORE_OUTBOX_DIR,
  logDelivery: notificationLogger(documentClient(), env.TABLE_NAME, 'slack', config),
});

export const handler = middy(reportNotifications('slack', notify, { logger, metrics }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
