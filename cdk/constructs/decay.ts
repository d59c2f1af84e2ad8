import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { toSchedulerCron } from '#cdk/cron.ts';
import { resourceName } from '#cdk/names.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { scheduledRunInput } from '#shared/events/scheduled-input.ts';
import { scheduledFunction } from '#shared/manifest.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { DOMAIN_LIST_PACKAGES, LeadscoreFunction } from './leadscore-function.ts';

/** Properties of {@link Decay}. */
export interface DecayProps {
  readonly config: ClientConfig;
  readonly table: dynamodb.ITable;
  readonly bus: events.IEventBus;
  readonly functionsDir?: string;
}

/**
 * Scheduler's Lambda target, granted `lambda:InvokeFunction` on the function's own ARN only:
 * the stock target also grants every version and alias (`<arn>:*`), which the schedule never
 * invokes.
 */
class InvokeUnqualified extends LambdaInvoke {
  readonly #fn: lambda.IFunction;

  constructor(fn: lambda.IFunction, props: ScheduleTargetBaseProps) {
    super(fn, props);
    this.#fn = fn;
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.#fn.functionArn] }),
    );
  }
}

/**
 * The daily decay job (PRODUCT §5): an EventBridge Scheduler schedule from the client's cron and
 * time zone invokes the decay function (the manifest's function on `schedule.decay`), passing the scheduled time so that a retried or repeated
 * run computes the same day (the job is safe to run twice). An invocation Scheduler cannot make,
 * and a run that fails after Lambda's retries, both land in the decay DLQ.
 */
export class Decay extends Construct {
  readonly function: LeadscoreFunction;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: DecayProps) {
    super(scope, id);
    const { config } = props;
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      client: config.client,
      part: 'decay',
      holds: 'decay runs that could not be started or failed after retries',
    });
    this.function = new LeadscoreFunction(this, 'Function', {
      config,
      spec: scheduledFunction('decay'),
      functionsDir: props.functionsDir,
      runtimeDataPackages: DOMAIN_LIST_PACKAGES,
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    })
      .bindTable(props.table)
      .bindBus(props.bus);

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: resourceName(config.client, 'decay'),
      description: `leadscore ${config.client}: daily decay (${config.schedule.decay.cron} ${config.schedule.decay.timezone})`,
      schedule: scheduler.ScheduleExpression.expression(
        // The schema checked both (shared/config/cron.ts): a loaded config never throws here.
        toSchedulerCron(config.schedule.decay.cron),
        TimeZone.of(config.schedule.decay.timezone),
      ),
      target: new InvokeUnqualified(this.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        // The decay handler runs for `now`: the scheduled time, not the (possibly retried) start.
        input: scheduler.ScheduleTargetInput.fromObject(
          scheduledRunInput(scheduler.ContextAttribute.scheduledTime),
        ),
      }),
    });
  }
}
