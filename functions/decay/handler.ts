import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { observability } from '#shared/logging.ts';
import { baseEnvSchema, parseEnv } from '#shared/runtime/env.ts';
import { storeFromEnv } from '#shared/runtime/store.ts';

/** The daily decay (EventBridge Scheduler), PRODUCT §5. Input `{ "now": ISO }` runs it for that time. */
const env = parseEnv(baseEnvSchema);
const { logger, metrics } = observability('decay');
const store = storeFromEnv(env);
const inputSchema = z.object({ now: z.iso.datetime({ offset: true }).optional() }).loose();
/** Stop with this much time left so the run checkpoints cleanly; the rest stays due. */
const SAFETY_MS = 30_000;

const lambdaHandler = async (input: unknown, context: Context) => {
  const parsed = inputSchema.safeParse(input ?? {});
  const now = parsed.success && parsed.data.now ? Date.parse(parsed.data.now) : Date.now();
  const report = await store.decay(now, {
    keepGoing: () => context.getRemainingTimeInMillis() > SAFETY_MS,
  });
  metrics.addMetric('DecayLeadsChanged', MetricUnit.Count, report.changed.length);
  metrics.addMetric('DecayItemsRead', MetricUnit.Count, report.itemsRead);
  metrics.addMetric('DecayLeadsFailed', MetricUnit.Count, report.failed.length);
  for (const failure of report.failed) logger.error('lead not decayed (retried next run)', failure);
  logger.info('decay run', {
    now: report.now,
    days: report.days.length,
    itemsRead: report.itemsRead,
    itemsWritten: report.itemsWritten,
    changed: report.changed.length,
    complete: report.complete,
  });
  return { ...report, changed: report.changed.length, failed: report.failed.length };
};

export const handler = middy<unknown, unknown>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(lambdaHandler);
