import { Duration, SecretValue } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ClientConfig } from '#shared/config/schema.ts';
import {
  type ApiDestinationTarget,
  type IntegrationTarget,
  integrationTargets,
  type SignedWebhookTarget,
} from '#shared/integrations/targets.ts';
import type { InputTransformer } from '#shared/integrations/template.ts';
import { functionsTriggeredBy } from '#shared/manifest.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { constructIdOf, LeadscoreFunction } from './leadscore-function.ts';

/** Properties of {@link Integrations}. */
export interface IntegrationsProps {
  readonly config: ClientConfig;
  readonly table: dynamodb.ITable;
  readonly bus: events.IEventBus;
  readonly functionsDir?: string;
}

/** `hubspot-scores` -> `HubspotScores`: construct ids of an integration's resources. */
const pascalCase = (id: string) =>
  id.replace(/(^|-)([a-z0-9])/g, (_match, _dash: string, char: string) => char.toUpperCase());

/** A compiled payload template as a rule target's input transformer, exactly as compiled. */
class CompiledInput extends events.RuleTargetInput {
  constructor(private readonly transformer: InputTransformer) {
    super();
  }

  bind(): events.RuleTargetInputProperties {
    const paths = this.transformer.inputPathsMap;
    return {
      ...(Object.keys(paths).length > 0 ? { inputPathsMap: { ...paths } } : {}),
      inputTemplate: this.transformer.inputTemplate,
    };
  }
}

/** The shared-contract pattern in the shape the CDK's EventPattern type spells. */
const toEventPattern = (target: IntegrationTarget): events.EventPattern => ({
  source: target.pattern.source,
  detailType: target.pattern['detail-type'],
  ...(target.pattern.detail ? { detail: target.pattern.detail } : {}),
});

/** A JSON field of the integration's secret, as a CloudFormation dynamic reference (never a literal). */
const secretField = (target: IntegrationTarget, field: string) =>
  SecretValue.secretsManager(target.secretName, { jsonField: field });

/** The connection's authorization, from the secret the client file names. */
function authorizationOf(target: ApiDestinationTarget): events.Authorization {
  const { auth } = target;
  switch (auth.kind) {
    case 'apiKey':
      return events.Authorization.apiKey(auth.header, secretField(target, 'apiKey'));
    case 'basic':
      return events.Authorization.basic(
        secretField(target, 'username').unsafeUnwrap(),
        secretField(target, 'password'),
      );
    case 'oauthClientCredentials':
      return events.Authorization.oauth({
        authorizationEndpoint: auth.tokenUrl,
        httpMethod: events.HttpMethod.POST,
        clientId: secretField(target, 'clientId').unsafeUnwrap(),
        clientSecret: secretField(target, 'clientSecret'),
        bodyParameters: {
          grant_type: events.HttpParameter.fromString('client_credentials'),
          ...(auth.scope ? { scope: events.HttpParameter.fromString(auth.scope) } : {}),
        },
      });
  }
}

/**
 * The client's outbound integrations (issue 15), one EventBridge rule on the client bus each,
 * with the pattern, payload and retry policy `integrationTargets()` resolves from the client file
 * (the objects the local bus delivers too):
 *
 * - HubSpot, Salesforce and HTTP APIs: an `events.Connection` (its authorization from the
 *   integration's Secrets Manager secret, by dynamic reference) and an `events.ApiDestination`
 *   (endpoint, method, rate limit) as the rule's target, the payload built by the target's input
 *   transformer, path and query parameters on the target. No Lambda in the path.
 * - Signed webhooks: the manifest's `integration` function (`notify-webhook`), built only when the
 *   client has one, granted the webhooks' secrets and its idempotency records, with an SQS
 *   on-failure queue; the rule sends it the integration id and the whole event.
 *
 * Every rule target has its own dead-letter queue (the house DLQ) for what EventBridge gives up
 * after the retry policy; the target role CDK creates may only invoke its API destination.
 */
export class Integrations extends Construct {
  readonly rules: events.Rule[] = [];
  readonly deadLetterQueues: DeadLetterQueue[] = [];
  readonly functions: LeadscoreFunction[] = [];
  readonly apiDestinations: events.ApiDestination[] = [];
  private readonly client: string;

  constructor(scope: Construct, id: string, props: IntegrationsProps) {
    super(scope, id);
    this.client = props.config.client;
    const all = integrationTargets(props.config);
    const webhooks = all.filter((target): target is SignedWebhookTarget => target.kind === 'signedWebhook');
    const webhookFunction = webhooks.length > 0 ? this.webhookFunction(props, webhooks) : undefined;
    for (const target of all) {
      const deadLetterQueue = this.dlq(target);
      const ruleTarget =
        target.kind === 'apiDestination'
          ? this.apiDestinationTarget(target, deadLetterQueue)
          : new targets.LambdaFunction(webhookFunction as LeadscoreFunction, {
              event: new CompiledInput(target.input),
              deadLetterQueue,
              retryAttempts: target.retry.attempts,
              maxEventAge: Duration.seconds(target.retry.maxEventAgeSeconds),
            });
      this.rules.push(
        new events.Rule(this, `${pascalCase(target.id)}Rule`, {
          ruleName: target.resourceName,
          description: `leadscore ${this.client}: ${target.pattern['detail-type'].join(', ')} -> integration ${target.id}`,
          eventBus: props.bus,
          eventPattern: toEventPattern(target),
          targets: [ruleTarget],
        }),
      );
    }
  }

  private dlq(target: IntegrationTarget): DeadLetterQueue {
    const queue = new DeadLetterQueue(this, `${pascalCase(target.id)}Dlq`, {
      client: this.client,
      part: `sync-${target.id}`,
      holds: `events EventBridge could not deliver to integration ${target.id}`,
    });
    this.deadLetterQueues.push(queue);
    return queue;
  }

  private apiDestinationTarget(target: ApiDestinationTarget, deadLetterQueue: DeadLetterQueue) {
    // EventBridge calls HTTPS endpoints only; http:// URLs are for local receivers.
    const urls = [
      target.endpoint,
      ...(target.auth.kind === 'oauthClientCredentials' ? [target.auth.tokenUrl] : []),
    ];
    for (const url of urls.filter((candidate) => !candidate.startsWith('https://'))) {
      throw new Error(`integration ${target.id}: EventBridge needs an https:// URL, not ${url}`);
    }
    const construct = pascalCase(target.id);
    const connection = new events.Connection(this, `${construct}Connection`, {
      connectionName: target.resourceName,
      description: `leadscore ${this.client}: credentials of integration ${target.id} (secret ${target.secretName})`,
      authorization: authorizationOf(target),
    });
    const destination = new events.ApiDestination(this, `${construct}Destination`, {
      apiDestinationName: target.resourceName,
      description: `leadscore ${this.client}: ${target.method} ${new URL(target.endpoint.replaceAll('*', '_')).host} (${target.type})`,
      connection,
      endpoint: target.endpoint,
      httpMethod: events.HttpMethod[target.method],
      rateLimitPerSecond: target.rateLimitPerSecond,
    });
    this.apiDestinations.push(destination);
    return new targets.ApiDestination(destination, {
      event: new CompiledInput(target.input),
      pathParameterValues: [...target.pathParameters],
      ...(Object.keys(target.query).length > 0 ? { queryStringParameters: { ...target.query } } : {}),
      headerParameters: { ...target.headers },
      deadLetterQueue,
      retryAttempts: target.retry.attempts,
      maxEventAge: Duration.seconds(target.retry.maxEventAgeSeconds),
    });
  }

  private webhookFunction(props: IntegrationsProps, webhooks: SignedWebhookTarget[]): LeadscoreFunction {
    const [spec] = functionsTriggeredBy('integration');
    if (!spec) throw new Error('The manifest has no function for webhook integrations');
    const failures = new DeadLetterQueue(this, `${constructIdOf(spec.name)}Failures`, {
      client: this.client,
      part: `${spec.name}-failures`,
      holds: `${spec.name} invocations that failed after Lambda's retries`,
    });
    this.deadLetterQueues.push(failures);
    const fn = new LeadscoreFunction(this, constructIdOf(spec.name), {
      config: props.config,
      spec,
      functionsDir: props.functionsDir,
      onFailure: new SqsDestination(failures),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    }).bindTable(props.table);
    const names = [...new Set(webhooks.map((target) => target.secretName))];
    names.forEach((name, index) => {
      fn.bindSecret(secretsmanager.Secret.fromSecretNameV2(this, `WebhookSecret${index}`, name));
    });
    this.functions.push(fn);
    return fn;
  }
}
