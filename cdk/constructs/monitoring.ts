import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { resourceName } from '#cdk/names.ts';
import { HANDLED_FAILURE_METRIC, METRICS_NAMESPACE } from '#shared/http/handled-failures.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import type { LeadscoreFunction } from './leadscore-function.ts';

/** Properties of {@link Monitoring}. */
export interface MonitoringProps {
  readonly client: string;
  readonly functions: readonly LeadscoreFunction[];
  /** The HTTP API's functions: their handled 500s are counted apart (they do not throw). */
  readonly httpFunctions: readonly LeadscoreFunction[];
  readonly deadLetterQueues: readonly DeadLetterQueue[];
  /** Alarms built elsewhere (the relay's iterator age) that should reach the same people. */
  readonly otherAlarms?: readonly cloudwatch.Alarm[];
  readonly httpApi: apigwv2.IHttpApi;
  /** `alarms.email` of the client file: subscribed to the alarm topic. */
  readonly alarmEmails: readonly string[];
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms an operator acts on, all sent to one SNS topic (`leadscore-<client>-alarms`, email
 * subscribers from `alarms.email`; add Chatbot or a pager to it): a function that throws, a
 * dead-letter queue that holds anything at all (a notification or a decay run that did not
 * happen, PRODUCT §4.4), the API answering 5xx (whatever the cause: a handled failure, a
 * throttled or crashed integration), and a handled failure of an HTTP function (a 500 the error
 * middleware answered after catching the error: Lambda's `Errors` never sees it).
 *
 * The topic is encrypted with a key of its own (rotated yearly) whose policy lets CloudWatch
 * publish, which the AWS-managed SNS key does not.
 */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { client } = props;
    this.topic = this.alarmTopic(client, props.alarmEmails);

    for (const fn of props.functions) {
      this.alarm(`${fn.shortName}Errors`, {
        alarmName: resourceName(client, `${fn.shortName}-errors`),
        alarmDescription: `${fn.shortName} threw at least one error in five minutes`,
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
    for (const fn of props.httpFunctions) {
      this.alarm(`${fn.shortName}HandledFailures`, {
        alarmName: resourceName(client, `${fn.shortName}-handled-failures`),
        alarmDescription: `${fn.shortName} answered 500 after catching an error (see its log for the cause)`,
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: HANDLED_FAILURE_METRIC,
          dimensionsMap: { service: fn.shortName, client },
          period: FIVE_MINUTES,
          statistic: cloudwatch.Stats.SUM,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
    this.alarm('Api5xx', {
      alarmName: resourceName(client, 'api-5xx'),
      alarmDescription: 'The HTTP API answered at least one 5xx in five minutes',
      metric: props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    for (const queue of props.deadLetterQueues) {
      this.alarm(`${queue.shortName}Depth`, {
        alarmName: resourceName(client, `${queue.shortName}-not-empty`),
        alarmDescription: `${queue.shortName} holds messages: inspect and redrive them`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    for (const alarm of props.otherAlarms ?? []) this.notify(alarm);
  }

  private alarm(id: string, props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'>): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    this.alarms.push(alarm);
    this.notify(alarm);
  }

  /** The topic is told when the alarm fires and when it clears. */
  private notify(alarm: cloudwatch.Alarm): void {
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }

  private alarmTopic(client: string, emails: readonly string[]): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the leadscore ${client} alarm topic; CloudWatch alarms may publish with it`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: resourceName(client, 'alarms'),
      displayName: `leadscore ${client} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    for (const email of emails) topic.addSubscription(new EmailSubscription(email));
    return topic;
  }
}
