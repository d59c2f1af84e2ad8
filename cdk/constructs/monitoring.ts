import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { resourceName } from '#cdk/names.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import type { LeadscoreFunction } from './leadscore-function.ts';

/** Properties of {@link Monitoring}. */
export interface MonitoringProps {
  readonly client: string;
  readonly functions: readonly LeadscoreFunction[];
  readonly deadLetterQueues: readonly DeadLetterQueue[];
}

/**
 * Alarms an operator acts on: a function that throws (any error in five minutes), and a
 * dead-letter queue that holds anything at all, since a message there is a notification or a
 * decay run that did not happen (PRODUCT §4.4). Subscribe to them with alarm actions (SNS,
 * Chatbot) per client: the stack does not assume where an operator wants to be woken up.
 */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    for (const fn of props.functions) {
      const { shortName } = fn;
      this.alarms.push(
        new cloudwatch.Alarm(this, `${shortName}Errors`, {
          alarmName: resourceName(props.client, `${shortName}-errors`),
          alarmDescription: `${shortName} threw at least one error in five minutes`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const queue of props.deadLetterQueues) {
      const { shortName } = queue;
      this.alarms.push(
        new cloudwatch.Alarm(this, `${shortName}Depth`, {
          alarmName: resourceName(props.client, `${shortName}-not-empty`),
          alarmDescription: `${shortName} holds messages: inspect and redrive them`,
          metric: queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}
