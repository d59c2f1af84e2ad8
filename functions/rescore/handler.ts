import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { rescoreJobInputSchema, runRescoreJobStep } from '#shared/app/rescore-job.ts';
import { observability } from '#shared/logging.ts';
import { baseEnvSchema, parseEnv } from '#shared/runtime/env.ts';
import { storeFromEnv } from '#shared/runtime/store.ts';

/**
 * The deployed rescore (PRODUCT §6.5), one scan segment per invocation, run by the rescore state
 * machine: input `{ "segments": 8, "segment": 3, "maxWcuPerSecond"?: 400, "notify"?: false }`.
 */
const env = parseEnv(baseEnvSchema);
const { logger, metrics } = observability('rescore');
const app = storeFromEnv(env);
/** Stop with this much time left so the segment checkpoints cleanly; the next invocation goes on. */
const SAFETY_MS = 60_000;

/** A job input the state machine should not retry: it names the field. */
export class RescoreJobInputError extends Error {
  override name = 'RescoreJobInputError';
}

const lambdaHandler = async (input: unknown, context: Context) => {
  const parsed = rescoreJobInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RescoreJobInputError(`${issue.path.join('.') || 'input'}: ${issue.message}`);
  }
  const result = await runRescoreJobStep(
    app,
    parsed.data,
    Date.now(),
    () => context.getRemainingTimeInMillis() > SAFETY_MS,
  );
  metrics.addMetric('RescoreLeadsWritten', MetricUnit.Count, result.rescored);
  metrics.addMetric('RescoreLeadsFailed', MetricUnit.Count, result.failed.length);
  for (const failure of result.failed) logger.error('lead not rescored', failure);
  logger.info('rescore step', { ...result, failed: result.failed.length });
  return result;
};

export const handler = middy<unknown, unknown>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(lambdaHandler);
