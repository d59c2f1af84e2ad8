import { Duration, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { notificationRulePart, resourceName, secretName } from '#cdk/names.ts';
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
  /** The secret the notifiers derive the lead links' signing key from (`Api.leadLinkSecret`). */
  readonly leadLinkSecret: secretsmanager.ISecret;
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

/**
 * The Slack webhook secrets: the default one and every route's own. A name the client file
 * gives (`slack.webhookSecretName`, a route's `slackWebhookSecret`) is an existing secret the
 * stack references; without `webhookSecretName` the stack creates `leadscore/<client>/slack-webhook`,
 * named after the client, so that a second client copied from the first never declares the
 * same secret.
 */
export function slackSecretNames(config: ClientConfig): {
  defaultName: string;
  /** Every name, the default first; `created` says whether the stack creates it. */
  all: { name: string; created: boolean }[];
} {
  const given = config.notifications.slack.webhookSecretName;
  const defaultName = given ?? secretName(config.client, 'slack-webhook');
  const routes = [...config.notifications.routing.rules, config.notifications.routing.default];
  const routeNames = routes.flatMap((route) => (route.slackWebhookSecret ? [route.slackWebhookSecret] : []));
  const names = [...new Set([defaultName, ...routeNames])];
  return {
    defaultName,
    all: names.map((name) => ({ name, created: name === defaultName && given === undefined })),
  };
}

/** The SES identity the notifier sends from: `email.identityDomain`, else the domain of `email.from`. */
export function emailIdentityName(config: ClientConfig): string {
  const { identityDomain, from } = config.notifications.email;
  return identityDomain ?? from.slice(from.lastIndexOf('@') + 1);
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
  readonly slackSecrets: secretsmanager.ISecret[] = [];
  readonly defaultSlackSecret?: secretsmanager.ISecret;
  /** Name of the default Slack webhook secret (a literal, for the stack output and the operator). */
  readonly defaultSlackSecretName?: string;
  /** The SES identity the stack creates (`identity: create`); absent for an existing one. */
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
        for (const secret of all) this.slackSecrets.push(this.slackSecret(secret.name, secret.created));
        this.defaultSlackSecret = this.slackSecrets[0];
        this.defaultSlackSecretName = defaultName;
        for (const secret of this.slackSecrets) fn.bindSecret(secret);
        // By name: an imported secret's ARN is partial (`-??????`), which GetSecretValue refuses.
        fn.addEnvironment('SLACK_WEBHOOK_SECRET_ID', defaultName);
      } else {
        this.emailIdentity = this.emailSender(config, fn);
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
      return [this.rule(id, notificationRulePart(name), patterns[name], targets, props, deliveryDlq)];
    });
  }

  /** The patterns each notifier's manifest entry subscribes it to. */
  private readonly subscriptions = new Map<LeadscoreFunction, readonly NotificationPatternName[]>();

  private dlq(id: string, part: string, holds: string): DeadLetterQueue {
    const queue = new DeadLetterQueue(this, id, { client: this.client, part, holds });
    this.deadLetterQueues.push(queue);
    return queue;
  }

  /**
   * The sender's SES identity, which only the email notifier may send from: created with Easy
   * DKIM (`identity: create`), or one already verified in the account (`identity: existing`:
   * a domain verified by hand, or shared by two clients with one From domain), of which the
   * stack only grants `ses:SendEmail`.
   */
  private emailSender(config: ClientConfig, fn: LeadscoreFunction): ses.EmailIdentity | undefined {
    const domain = emailIdentityName(config);
    if (config.notifications.email.identity === 'create') {
      const identity = new ses.EmailIdentity(this, 'EmailIdentity', {
        identity: ses.Identity.domain(domain),
      });
      identity.grant(fn, 'ses:SendEmail');
      return identity;
    }
    const identityArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'identity',
      resourceName: domain,
    });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: [identityArn] }));
    return undefined;
  }

  private slackSecret(name: string, created: boolean): secretsmanager.ISecret {
    const id = `SlackWebhook${this.slackSecrets.length}`;
    if (!created) return secretsmanager.Secret.fromSecretNameV2(this, id, name);
    const secret = new secretsmanager.Secret(this, id, {
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
    })
      .bindTable(props.table)
      .bindSecret(props.leadLinkSecret, 'LEAD_LINK_SECRET_ID');
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
