import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { resourceName } from '#cdk/names.ts';

/** Properties of a {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  readonly client: string;
  /** What the queue is for (`decay`, `notify-slack-failures`): named `leadscore-<client>-<part>-dlq`. */
  readonly part: string;
  /** What lands in this queue, for the acknowledgement and for whoever reads the alarm. */
  readonly holds: string;
}

/**
 * The house dead-letter queue: encrypted at rest (SSE-SQS, which EventBridge, Scheduler and
 * Lambda destinations can all write to without a key policy), TLS-only, and kept 14 days (the
 * SQS maximum) so that a failed notification or decay run can be inspected and redriven rather
 * than silently dropped (PRODUCT §4.4).
 */
export class DeadLetterQueue extends sqs.Queue {
  /** `<part>-dlq`: names the queue's alarm. */
  readonly shortName: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id, {
      queueName: resourceName(props.client, `${props.part}-dlq`),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.shortName = `${props.part}-dlq`;
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter queue (${props.holds}); a DLQ of a DLQ would only move the problem.`,
    });
  }
}
