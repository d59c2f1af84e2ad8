import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { resourceName } from '#cdk/names.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { functionSpec } from '#shared/manifest.ts';
import { DOMAIN_LIST_PACKAGES, LeadscoreFunction } from './leadscore-function.ts';

/** Properties of {@link RescoreJob}. */
export interface RescoreJobProps {
  readonly config: ClientConfig;
  readonly table: dynamodb.ITable;
  readonly bus: events.IEventBus;
  readonly functionsDir?: string;
}

/** Segments a rescore runs at once (the Map's concurrency): the table's write budget decides the rest. */
const MAX_CONCURRENT_SEGMENTS = 40;

/**
 * The deployed rescore (PRODUCT §6.5) for tables a laptop cannot go through: a Step Functions
 * state machine started with `{ "segments": 16, "maxWcuPerSecond"?: 400, "notify"?: false }`
 * maps over the scan segments `0..segments-1` and, for each, invokes the rescore function
 * (`functions/rescore`, the use case `leadscore rescore` runs) until the segment reports
 * `finished`: each invocation stops a minute before its timeout, and the checkpoints (per model
 * version and segment) carry the segment on. Safe to start twice: a finished segment's next
 * invocation finds nothing left, and unchanged leads are never written.
 */
export class RescoreJob extends Construct {
  readonly function: LeadscoreFunction;
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: RescoreJobProps) {
    super(scope, id);
    const { config } = props;
    this.function = new LeadscoreFunction(this, 'Function', {
      config,
      spec: functionSpec('rescore'),
      functionsDir: props.functionsDir,
      runtimeDataPackages: DOMAIN_LIST_PACKAGES,
    })
      .bindTable(props.table)
      .bindBus(props.bus);

    const step = new tasks.LambdaInvoke(this, 'RescoreSegment', {
      lambdaFunction: this.function,
      comment: 'One invocation: the segment from its checkpoint until finished or out of time',
      payload: sfn.TaskInput.fromObject({
        'segments.$': '$.segments',
        'segment.$': '$.segment',
        'maxWcuPerSecond.$': '$.maxWcuPerSecond',
        'notify.$': '$.notify',
      }),
      resultSelector: { 'result.$': '$.Payload' },
      resultPath: '$.step',
      retryOnServiceExceptions: true,
    });
    // A bad input names its field and is not retried; anything else (a throttle, a timeout) is.
    step.addRetry({ errors: ['RescoreJobInputError'], maxAttempts: 0 });
    step.addRetry({
      errors: ['States.ALL'],
      interval: Duration.seconds(10),
      backoffRate: 2,
      maxAttempts: 4,
    });
    const finished = new sfn.Choice(this, 'SegmentFinished')
      .when(sfn.Condition.booleanEquals('$.step.result.finished', true), new sfn.Succeed(this, 'SegmentDone'))
      .otherwise(step);
    const perSegment = step.next(finished);

    const segments = new sfn.Map(this, 'Segments', {
      comment: 'Every scan segment of the lead table, in parallel',
      maxConcurrency: MAX_CONCURRENT_SEGMENTS,
      itemsPath: sfn.JsonPath.stringAt('$.segmentList'),
      itemSelector: {
        'segments.$': '$.input.segments',
        'segment.$': '$$.Map.Item.Value',
        'maxWcuPerSecond.$': '$.input.maxWcuPerSecond',
        'notify.$': '$.input.notify',
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    segments.itemProcessor(perSegment);

    // Defaults the operator may leave out, then the list of segments to map over.
    const defaults = new sfn.Pass(this, 'Defaults', {
      parameters: {
        input: sfn.JsonPath.jsonMerge(
          sfn.JsonPath.objectAt('$.defaults'),
          sfn.JsonPath.objectAt('$$.Execution.Input'),
        ),
      },
    });
    const start = new sfn.Pass(this, 'Start', {
      comment: 'The write budget is shared by all segments (each takes its share)',
      parameters: { defaults: { segments: 8, maxWcuPerSecond: 1000, notify: false } },
    });
    const list = new sfn.Pass(this, 'SegmentList', {
      parameters: {
        'input.$': '$.input',
        'segmentList.$': 'States.ArrayRange(0, States.MathAdd($.input.segments, -1), 1)',
      },
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${resourceName(config.client, 'rescore')}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: resourceName(config.client, 'rescore'),
      comment: `leadscore ${config.client}: rescore every lead under the deployed model version`,
      definitionBody: sfn.DefinitionBody.fromChainable(start.next(defaults).next(list).next(segments)),
      timeout: Duration.hours(24),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    const functionArn = Stack.of(this).getLogicalId(this.function.node.defaultChild as lambda.CfnFunction);
    Validations.of(this.stateMachine.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${functionArn}.Arn>:*]`,
        reason:
          'The Lambda task grant covers the rescore function and its versions (<arn>:*): the state machine invokes only that function.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and the CloudWatch Logs delivery actions of Step Functions logging have no resource-level permissions: AWS requires "*".',
      },
    );
  }
}
