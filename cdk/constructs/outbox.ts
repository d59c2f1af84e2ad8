import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { resourceName } from '#cdk/names.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { OUTBOX_STREAM } from '#shared/events/outbox-stream.ts';
import { functionsTriggeredBy } from '#shared/manifest.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { constructIdOf, LeadscoreFunction } from './leadscore-function.ts';

/** Properties of {@link Outbox}. */
export interface OutboxProps {
  readonly config: ClientConfig;
  /** The lead table, with its stream (`Storage`). */
  readonly table: dynamodb.ITable;
  readonly bus: events.IEventBus;
  readonly functionsDir?: string;
}

/** A relay this late behind the stream delays alerts: five minutes, three times in a row. */
const LATE_AFTER = Duration.minutes(5);

/**
 * The transactional outbox (PRODUCT §4.1): the lead table's stream invokes the outbox relay (the
 * manifest's `stream` function), which puts the events each write stored in its lead item on the
 * client's bus. The event source mapping uses the settings of `shared/events/outbox-stream.ts`,
 * which the local stream poller applies too: only lead items with an outbox invoke it (filter
 * criteria), partial batch responses, bisection on error, and bounded retries (attempts and
 * record age), after which the batch's description (shard, sequence numbers) lands in the
 * relay's dead-letter queue; its records stay in the stream for the rest of its 24 hours.
 *
 * An event source mapping rather than EventBridge Pipes: Pipes cannot deflate the outbox, so it
 * would need this function as an enrichment anyway (plus a role and a pipe to configure), and the
 * local runtime can invoke the same handler module the way Lambda's poller does.
 */
export class Outbox extends Construct {
  readonly function: LeadscoreFunction;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly iteratorAgeAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    const { config } = props;
    const [spec] = functionsTriggeredBy('stream');
    if (!spec) throw new Error('the manifest has no function on the lead table stream');
    this.deadLetterQueue = new DeadLetterQueue(this, 'FailureDlq', {
      client: config.client,
      part: `${spec.name}-failures`,
      holds:
        'descriptions of lead table stream batches the outbox relay gave up on (shard, sequence numbers)',
    });
    this.function = new LeadscoreFunction(this, constructIdOf(spec.name), {
      config,
      spec,
      functionsDir: props.functionsDir,
    }).bindBus(props.bus);
    this.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition[OUTBOX_STREAM.startingPosition],
        batchSize: OUTBOX_STREAM.batchSize,
        bisectBatchOnError: OUTBOX_STREAM.bisectBatchOnError,
        reportBatchItemFailures: OUTBOX_STREAM.reportBatchItemFailures,
        retryAttempts: OUTBOX_STREAM.retryAttempts,
        maxRecordAge: Duration.seconds(OUTBOX_STREAM.maxRecordAgeSeconds),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [lambda.FilterCriteria.filter(OUTBOX_STREAM.filter)],
      }),
    );
    Validations.of(this.function.role ?? this.function).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray (PutTraceSegments, PutTelemetryRecords) and the stream event source mapping (dynamodb:ListStreams, which lists stream ARNs and reads no data) have no resource-level permissions, AWS requires "*". Stream reads (DescribeStream, GetShardIterator, GetRecords) are on the lead table stream only.',
    });

    this.iteratorAgeAlarm = new cloudwatch.Alarm(this, 'IteratorAge', {
      alarmName: resourceName(config.client, `${spec.name}-late`),
      alarmDescription: `${spec.name} is more than ${LATE_AFTER.toMinutes()} minutes behind the lead table stream: events (and alerts) are late`,
      metric: this.function.metric('IteratorAge', {
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: LATE_AFTER.toMilliseconds(),
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
