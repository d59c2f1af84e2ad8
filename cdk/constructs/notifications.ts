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
import { type FunctionWith, functionsTriggeredBy, type NotificationPatternName } from '#shared/manifest.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { constructIdOf, LeadscoreFunction } from './leadscore-function.ts';

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
 * Notifications (PRODUCT §4.2-4.4): an EventBridge rule on the client's bus per pattern of
 * `notificationPatterns()` (the very objects the local event bus applies), targeting the
 * manifest's `bus` functions of the enabled channels that subscribe to it (the Slack and the
 * email notifier). Nothing is dropped silently: a target EventBridge cannot invoke lands in the
 * delivery DLQ after its retries, and an invocation that fails after Lambda's async retries
 * lands in that notifier's failure DLQ.
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
    const notifiers = functionsTriggeredBy('bus').filter(
      (spec) => config.notifications[spec.trigger.channel].enabled,
    );
    for (const spec of notifiers) {
      const fn = this.notifier(props, spec);
      if (spec.trigger.channel === 'slack') {
        // The webhook secrets (default and per route), readable by the Slack notifier only.
        const { defaultName, all } = slackSecretNames(config);
        for (const name of all) this.slackSecrets.push(this.slackSecret(name));
        this.defaultSlackSecret = this.slackSecrets[all.indexOf(defaultName)];
        this.defaultSlackSecretName = defaultName;
        for (const secret of this.slackSecrets) fn.bindSecret(secret);
        if (this.defaultSlackSecret)
          fn.addEnvironment('SLACK_WEBHOOK_SECRET_ID', this.defaultSlackSecret.secretArn);
      } else {
        // The sender's SES identity, which only the email notifier may send from.
        this.emailIdentity = new ses.EmailIdentity(this, 'EmailIdentity', {
          identity: ses.Identity.domain(emailIdentityName(config)),
        });
        this.emailIdentity.grant(fn, 'ses:SendEmail');
      }
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
    this.rules = (Object.keys(patterns) as NotificationPatternName[]).flatMap((name) => {
      const targets = this.functions.filter((fn) => this.subscriptions.get(fn)?.includes(name));
      if (targets.length === 0) return [];
      const id = `${name.charAt(0).toUpperCase()}${name.slice(1)}Rule`;
      const part = `notify-${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
      return [this.rule(id, part, patterns[name], targets, props, deliveryDlq)];
    });
  }

  /** The patterns each notifier's manifest entry subscribes it to. */
  private readonly subscriptions = new Map<LeadscoreFunction, readonly NotificationPatternName[]>();

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

  private notifier(props: NotificationsProps, spec: FunctionWith<'bus'>): LeadscoreFunction {
    const { name } = spec;
    const failures = this.dlq(
      `${name}Failures`,
      `${name}-failures`,
      `${name} invocations that failed after Lambda's retries`,
    );
    const fn = new LeadscoreFunction(this, constructIdOf(name), {
      config: props.config,
      spec,
      functionsDir: props.functionsDir,
      onFailure: new SqsDestination(failures),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      environment: { LEAD_URL_BASE: props.leadUrlBase },
    }).bindTable(props.table);
    this.functions.push(fn);
    this.subscriptions.set(fn, spec.trigger.patterns);
    return fn;
  }

  private rule(
    id: string,
    part: string,
    pattern: ContractPattern,
    targetFunctions: readonly LeadscoreFunction[],
    props: NotificationsProps,
    deliveryDlq: DeadLetterQueue,
  ): events.Rule {
    return new events.Rule(this, id, {
      ruleName: resourceName(props.config.client, part),
      description: `leadscore ${props.config.client}: ${pattern['detail-type'].join(', ')} -> notifiers`,
      eventBus: props.bus,
      eventPattern: toEventPattern(pattern),
      targets: targetFunctions.map(
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
