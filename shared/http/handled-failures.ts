import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The metric of a request the API answered 500 to after catching the error (a Secrets Manager
 * outage, a DynamoDB failure): the function did not throw, so Lambda's `Errors` metric never
 * counts it, and without this an alarm would not see it. One per such answer, in the `leadscore`
 * namespace, with the function (`service`) and the client as dimensions, so that the clients
 * sharing an account alarm on their own failures only (`cdk/constructs/monitoring.ts`).
 */
export const HANDLED_FAILURE_METRIC = 'HandledFailures';

/** Namespace of the handled-failure metric (the functions' `POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'leadscore';

let metrics: Metrics | undefined;

/** The failure metrics of this function, built on first use from its environment. */
function failureMetrics(): Metrics {
  metrics ??= new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'leadscore',
    defaultDimensions: { client: process.env.CLIENT_NAME ?? 'unknown' },
  });
  return metrics;
}

/**
 * Counts one handled failure and publishes it at once (an EMF line in the function's log), apart
 * from the handler's own metrics, so that it is recorded even when the handler's metrics are not.
 */
export function recordHandledFailure(): void {
  const failures = failureMetrics();
  failures.addMetric(HANDLED_FAILURE_METRIC, MetricUnit.Count, 1);
  failures.publishStoredMetrics();
}
