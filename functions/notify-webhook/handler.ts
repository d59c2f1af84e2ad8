/**
 * Signed webhook notifier (issue 15): target of the rule of each `webhook` integration of the
 * client file. EventBridge cannot compute an HMAC, so this function renders the integration's
 * payload, signs it (`Leadscore-Signature`) and posts it once per event and integration.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { documentClient, dynamoClient } from '#shared/clients/aws.ts';
import { runtimeClientConfig } from '#shared/config/runtime.ts';
import { localSecretReader, secretsManagerReader } from '#shared/integrations/secrets.ts';
import { observability } from '#shared/logging.ts';
import { NotificationDedupe } from '#shared/notify/dedupe.ts';
import { notificationLogger } from '#shared/notify/delivery-log.ts';
import { isLocalRun, parseNotifierEnv } from '#shared/notify/env.ts';
import { reportNotifications } from '#shared/notify/reporting.ts';
import { createWebhookNotifier } from '#shared/notify/webhook-notifier.ts';

const env = parseNotifierEnv();
const config = runtimeClientConfig();
const { logger, metrics } = observability(process.env.POWERTOOLS_SERVICE_NAME ?? 'notify-webhook');
metrics.setDefaultDimensions({ channel: 'webhook' });

const notify = createWebhookNotifier({
  config,
  dedupe: new NotificationDedupe({ tableName: env.TABLE_NAME, channel: 'webhook', client: dynamoClient() }),
  readSecret:
    isLocalRun(env) && env.LEADSCORE_SECRETS_FILE
      ? localSecretReader(env.LEADSCORE_SECRETS_FILE)
      : secretsManagerReader(),
  outboxDir: env.LEADSCORE_OUTBOX_DIR,
  logDelivery: notificationLogger(documentClient(), env.TABLE_NAME, 'webhook', config),
});

export const handler = middy(reportNotifications('webhook', notify, { logger, metrics }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
