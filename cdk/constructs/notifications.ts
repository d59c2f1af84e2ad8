import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { resourceName, secretName } from '#cdk/names.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { notificationPatterns } from '#shared/events/contracts.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { type FunctionName, LeadscoreFunction } from './leadscore-function.ts';

/** Properties of {@link Notifications}. */
export interface NotificationsProps {
  readonly config: ClientConfig;
  readonly table: dynamodb.ITable;
  readonly bus: events.IEventBus;
  /** Base of the lead links in messages: `notifications.leadUrlBase` or the API's URL. */
  readonly leadUrlBase: string;
  readonly functionsDir?: string;
}

/** Value the stack puts in a Slack webhook secret; the operator replaces it after deploying. */
export const SLACK_WEBHOOK_PLACEHOLDER = 'REPLACE_WITH_SLACK_INCOMING_WEBHOOK_URL';

/** A shared-contract pattern (`detail-type`) in the shape the CDK's EventPattern type spells. */
type ContractPattern = ReturnType<typeof notificationPatterns>[keyof ReturnType<typeof notificationPatterns>];
const toEventPattern = (pattern: ContractPattern): events.EventPattern => ({
  source: pattern.source,
  detailType: pattern['detail-type'],
  detail: pattern.detail,
});

/** The Secrets Manager names of the default Slack webhook and of every route's own webhook. */
export function slackSecretNames(config: ClientConfig): { defaultName: string; all: string[] } {
  const defaultName =
    config.notifications.slack.webhookSecretName ?? secretName(config.client, 'slack-webhook');
  const routes = [...config.notifications.routing.rules, config.notifications.routing.default];
  const routeNames = routes.flatMap((route) => (route.slackWebhookSecret ? [route.slackWebhookSecret] : []));
  return { defaultName, all: [...new Set([defaultName, ...routeNames])] };
}

/** The SES identity the notifier sends from: `email.identity`, else the domain of `email.from`. */
export function emailIdentityName(config: ClientConfig): string {
  const { identity, from } = config.notifications.email;
  return identity ?? from.slice(from.lastIndexOf('@') + 1);
}

/**
 * Notifications (PRODUCT §4.2-4.4): two EventBridge rules on the client's bus, whose patterns are
 * the very objects of `notificationPatterns()` (the local event bus applies the same), each
 * targeting the Slack and the email notifier. Nothing is dropped silently: a target EventBridge
 * cannot invoke lands in the delivery DLQ after its retries, and an invocation that fails after
 * Lambda's async retries lands in that notifier's failure DLQ.
 */
export class Notifications extends Construct {
  readonly functions: LeadscoreFunction[] = [];
  readonly deadLetterQueues: DeadLetterQueue[] = [];
  readonly rules: events.Rule[];
  readonly slackSecrets: secretsmanager.Secret[] = [];
  readonly defaultSlackSecret?: secretsmanager.Secret;
  /** Name of the default Slack webhook secret (a literal, for the stack output and the operator). */
  readonly defaultSlackSecretName?: string;
  readonly emailIdentity?: ses.EmailIdentity;
  private readonly client: string;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const { config } = props;
    this.client = config.client;
    if (config.notifications.slack.enabled) {
      const { defaultName, all } = slackSecretNames(config);
      for (const name of all) this.slackSecrets.push(this.slackSecret(name));
      this.defaultSlackSecret = this.slackSecrets[all.indexOf(defaultName)];
      this.defaultSlackSecretName = defaultName;
      const slack = this.notifier(
        props,
        'notify-slack',
        'Slack Block Kit message for a lead that became sales-ready',
      );
      for (const secret of this.slackSecrets) slack.bindSecret(secret);
      if (this.defaultSlackSecret)
        slack.addEnvironment('SLACK_WEBHOOK_SECRET_ID', this.defaultSlackSecret.secretArn);
    }

    if (config.notifications.email.enabled) {
      this.emailIdentity = new ses.EmailIdentity(this, 'EmailIdentity', {
        identity: ses.Identity.domain(emailIdentityName(config)),
      });
      const email = this.notifier(
        props,
        'notify-email',
        'Email (SES v2) to the owner of a lead that became sales-ready',
      );
      this.emailIdentity.grant(email, 'ses:SendEmail');
    }

    // A client with both channels off gets no rules and no delivery queue.
    if (this.functions.length === 0) {
      this.rules = [];
      return;
    }
    const deliveryDlq = this.dlq(
      'DeliveryDlq',
      'notify-delivery',
      'events EventBridge could not deliver to a notifier',
    );
    const patterns = notificationPatterns(config.client, config.notifications.notifyOn);
    this.rules = [
      this.rule(
        'ThresholdCrossedRule',
        'notify-threshold-crossed',
        patterns.thresholdCrossed,
        props,
        deliveryDlq,
      ),
      this.rule('SegmentChangedRule', 'notify-segment-changed', patterns.segmentChanged, props, deliveryDlq),
    ];
  }

  private dlq(id: string, part: string, holds: string): DeadLetterQueue {
    const queue = new DeadLetterQueue(this, id, { client: this.client, part, holds });
    this.deadLetterQueues.push(queue);
    return queue;
  }

  private slackSecret(name: string): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, `SlackWebhook${this.slackSecrets.length}`, {
      secretName: name,
      description:
        'Slack incoming webhook URL: set it with aws secretsmanager put-secret-value after deploying',
      secretStringValue: SecretValue.unsafePlainText(SLACK_WEBHOOK_PLACEHOLDER),
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A Slack incoming webhook URL cannot be rotated by Secrets Manager: Slack issues it, and the operator replaces it by hand when Slack revokes it.',
    });
    return secret;
  }

  private notifier(props: NotificationsProps, name: FunctionName, description: string): LeadscoreFunction {
    const failures = this.dlq(
      `${name}Failures`,
      `${name}-failures`,
      `${name} invocations that failed after Lambda's retries`,
    );
    const fn = new LeadscoreFunction(this, name === 'notify-slack' ? 'NotifySlack' : 'NotifyEmail', {
      config: props.config,
      name,
      description,
      functionsDir: props.functionsDir,
      memorySize: 256,
      timeout: Duration.seconds(30),
      onFailure: new SqsDestination(failures),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      environment: { LEAD_URL_BASE: props.leadUrlBase },
    }).bindTable(props.table, 'idempotency');
    this.functions.push(fn);
    return fn;
  }

  private rule(
    id: string,
    part: string,
    pattern: ContractPattern,
    props: NotificationsProps,
    deliveryDlq: DeadLetterQueue,
  ): events.Rule {
    return new events.Rule(this, id, {
      ruleName: resourceName(props.config.client, part),
      description: `leadscore ${props.config.client}: ${pattern['detail-type'].join(', ')} -> notifiers`,
      eventBus: props.bus,
      eventPattern: toEventPattern(pattern),
      targets: this.functions.map(
        (fn) =>
          new targets.LambdaFunction(fn, {
            deadLetterQueue: deliveryDlq,
            maxEventAge: Duration.hours(6),
            retryAttempts: 10,
          }),
      ),
    });
  }
}
