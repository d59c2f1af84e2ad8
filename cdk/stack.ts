import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { ClientConfig } from '#shared/config/schema.ts';
import { Api } from './constructs/api.ts';
import { Decay } from './constructs/decay.ts';
import { Integrations } from './constructs/integrations.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Notifications } from './constructs/notifications.ts';
import { Outbox } from './constructs/outbox.ts';
import { RescoreJob } from './constructs/rescore-job.ts';
import { Storage } from './constructs/storage.ts';
import { resourceName } from './names.ts';

/** Properties of a {@link LeadscoreStack}. */
export interface LeadscoreStackProps extends StackProps {
  /** The validated client configuration (`loadClientConfig`): the model and the stack's settings. */
  readonly config: ClientConfig;
  /** Folder holding `<function>/handler.ts` (default the repository's `functions/`). */
  readonly functionsDir?: string;
}

/**
 * One client's whole product on AWS (PRODUCT §1, §7.2), read top to bottom like the diagram:
 * the lead table and the client's event bus; the HTTP API whose functions score and publish; the
 * rules that fan scored events out to Slack and email; the daily decay; and the alarms on all
 * of it. The client configuration is bundled into every function.
 */
export class LeadscoreStack extends Stack {
  readonly storage: Storage;
  readonly bus: events.EventBus;
  readonly api: Api;
  readonly notifications: Notifications;
  /** The client file's integrations: CRM sync and signed webhooks (issue 15). */
  readonly integrations: Integrations;
  readonly outbox: Outbox;
  readonly decay: Decay;
  /** The deployed rescore: a state machine over the table's scan segments (PRODUCT §6.5). */
  readonly rescore: RescoreJob;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: LeadscoreStackProps) {
    const { config, functionsDir } = props;
    super(scope, id, { description: `leadscore: lead scoring for ${config.displayName}`, ...props });
    Tags.of(this).add('leadscore:client', config.client);

    this.storage = new Storage(this, 'Storage', { client: config.client });
    const table = this.storage.table;
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: resourceName(config.client),
      description: `leadscore ${config.client}: Lead Scored, Threshold Crossed, Segment Changed, Disqualified`,
    });
    const bus = this.bus;

    this.api = new Api(this, 'Api', { config, table, bus, functionsDir });
    this.notifications = new Notifications(this, 'Notifications', {
      config,
      table,
      bus,
      leadUrlBase: config.notifications.leadUrlBase ?? this.api.httpApi.apiEndpoint,
      leadLinkSecret: this.api.leadLinkSecret,
      functionsDir,
    });
    this.integrations = new Integrations(this, 'Integrations', { config, table, bus, functionsDir });
    this.decay = new Decay(this, 'Decay', { config, table, bus, functionsDir });
    this.outbox = new Outbox(this, 'Outbox', { config, table, bus, functionsDir });
    this.rescore = new RescoreJob(this, 'Rescore', { config, table, bus, functionsDir });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      client: config.client,
      httpApi: this.api.httpApi,
      httpFunctions: this.api.functions,
      alarmEmails: config.alarms.email,
      otherAlarms: [this.outbox.iteratorAgeAlarm],
      functions: [
        ...this.api.functions,
        ...this.notifications.functions,
        ...this.integrations.functions,
        this.decay.function,
        this.outbox.function,
        this.rescore.function,
      ],
      deadLetterQueues: [
        ...this.notifications.deadLetterQueues,
        ...this.integrations.deadLetterQueues,
        this.decay.deadLetterQueue,
        this.outbox.deadLetterQueue,
      ],
    });

    this.outputs();
  }

  private outputs(): void {
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out('ApiUrl', this.api.url, 'Base URL of the forms, events and leads API');
    out('EventBusName', this.bus.eventBusName, 'The client’s EventBridge bus (lead events in and out)');
    out('TableName', this.storage.table.tableName, 'The lead table');
    out(
      'RescoreStateMachineArn',
      this.rescore.stateMachine.stateMachineArn,
      'Rescore every lead under the deployed model: start an execution with {"segments": 16}',
    );
    out('ApiKeySecretArn', this.api.apiKeySecret.secretArn, 'Secret holding the x-api-key value');
    const slack = this.notifications.defaultSlackSecretName;
    if (slack) out('SlackWebhookSecretName', slack, 'Secret to put the Slack incoming webhook URL in');
    const identity = this.notifications.emailIdentity;
    if (identity) out('EmailIdentity', identity.emailIdentityName, 'SES identity to verify (DNS records)');
  }
}
