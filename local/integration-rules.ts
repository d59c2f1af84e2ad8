/**
 * The client file's integrations on the local bus (issue 15), as the CDK deploys them: one rule
 * per integration with its pattern; an API destination target (HubSpot, Salesforce, HTTP APIs)
 * delivered over HTTP by `api-destination.ts`, or, for a signed webhook, the `notify-webhook`
 * handler invoked with what the deployed rule's input transformer sends it. Both come from
 * `integrationTargets()`, the objects `cdk/constructs/integrations.ts` deploys.
 */
import type { ClientConfig } from '#shared/config/schema.ts';
import type { BusEnvelope } from '#shared/events/contracts.ts';
import { applyInputTransformer } from '#shared/integrations/input-transformer.ts';
import type { IntegrationSecretReader } from '#shared/integrations/secrets.ts';
import { integrationTargets, type SignedWebhookTarget } from '#shared/integrations/targets.ts';
import { apiDestinationTarget } from './api-destination.ts';
import type { BusRule } from './event-bus.ts';
import type { EventPattern } from './pattern.ts';

/** The local stand-in for Secrets Manager: `<data dir>/secrets.json`, `{ "<name>": {...} }`. */
export const LOCAL_SECRETS_FILE = 'secrets.json';

export interface IntegrationRulesOptions {
  busName: string;
  readSecret: IntegrationSecretReader;
  /** Invokes the `notify-webhook` handler with a webhook rule's transformed input. */
  invokeWebhook: (input: unknown) => Promise<void>;
  fetch?: typeof fetch;
}

const ruleArn = (busName: string, ruleName: string, envelope: BusEnvelope) =>
  `arn:aws:events:${envelope.region}:${envelope.account}:rule/${busName}/${ruleName}`;

function webhookTarget(target: SignedWebhookTarget, options: IntegrationRulesOptions) {
  return {
    name: 'notify-webhook',
    async invoke(envelope: BusEnvelope) {
      const input = applyInputTransformer(target.input, envelope, {
        ruleName: target.resourceName,
        ruleArn: ruleArn(options.busName, target.resourceName, envelope),
      });
      await options.invokeWebhook(JSON.parse(input));
    },
  };
}

/** One bus rule per integration of the client file, in file order. */
export function integrationRules(config: ClientConfig, options: IntegrationRulesOptions): BusRule[] {
  return integrationTargets(config).map((target) => ({
    name: target.resourceName,
    // Client-file content filters are checked against EventBridge's rules by `addRule`.
    pattern: target.pattern as unknown as EventPattern,
    targets: [
      target.kind === 'apiDestination'
        ? apiDestinationTarget(target, {
            readSecret: options.readSecret,
            busName: options.busName,
            fetch: options.fetch,
          })
        : webhookTarget(target, options),
    ],
  }));
}
