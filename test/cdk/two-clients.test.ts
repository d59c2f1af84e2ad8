import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_NAME_LIMITS, derivedNames, MAX_CLIENT_NAME_LENGTH } from '#shared/config/aws-names.ts';
import {
  copyOfExample,
  exampleClientText,
  physicalNames,
  type SynthesizedClients,
  synthClients,
} from './support/synth-clients.ts';

/** The longest client name the schema accepts: every name derived from it must still fit. */
const LONG_CLIENT = `second-${'x'.repeat(MAX_CLIENT_NAME_LENGTH - 'second-'.length)}`;

/** AWS's limit for the physical names of a CloudFormation type. */
const LIMIT_BY_TYPE: Readonly<Record<string, number>> = {
  'AWS::Lambda::Function': AWS_NAME_LIMITS['Lambda function'],
  'AWS::Events::Rule': AWS_NAME_LIMITS['EventBridge rule'],
  'AWS::Scheduler::Schedule': AWS_NAME_LIMITS['EventBridge Scheduler schedule'],
  'AWS::Events::EventBus': AWS_NAME_LIMITS['EventBridge bus'],
  'AWS::SQS::Queue': AWS_NAME_LIMITS['SQS queue'],
  'AWS::CloudWatch::Alarm': AWS_NAME_LIMITS['CloudWatch alarm'],
  'AWS::SNS::Topic': AWS_NAME_LIMITS['SNS topic'],
  'AWS::DynamoDB::Table': AWS_NAME_LIMITS['DynamoDB table'],
  'AWS::ApiGatewayV2::Api': AWS_NAME_LIMITS['HTTP API'],
  'AWS::SecretsManager::Secret': AWS_NAME_LIMITS['Secrets Manager secret'],
};

let synth: SynthesizedClients;
const templateOf = (client: string) => {
  const found = synth.stacks.find(({ stack }) => stack.stackName === `Leadscore-${client}`);
  if (!found) throw new Error(`no stack for ${client}`);
  return found.template;
};

beforeAll(() => {
  synth = synthClients({
    example: exampleClientText(),
    // A second client copied from the example: same From domain, whose SES identity the first creates.
    [LONG_CLIENT]: copyOfExample(LONG_CLIENT, (text) =>
      text.replace(', identity: create }', ', identity: existing }'),
    ),
    // A client whose Slack webhook secrets already exist in the account.
    referenced: copyOfExample('referenced', (text) =>
      text
        .replace(
          'slack: { enabled: true }',
          'slack: { enabled: true, webhookSecretName: shared/slack-sales }',
        )
        .replace(
          "slackChannel: '#sales-emea'",
          "slackChannel: '#sales-emea'\n        slackWebhookSecret: shared/slack-emea",
        ),
    ),
  });
}, 300_000);

afterAll(() => synth?.cleanup());

describe('a second client beside the first', () => {
  it('It should share no physical name between the example and a copy of it under another name', () => {
    const first = physicalNames(templateOf('example'));
    const second = physicalNames(templateOf(LONG_CLIENT));
    expect(first.length).toBeGreaterThan(20);
    const firstNames = new Set(first.map((n) => `${n.type} ${n.name}`));
    expect(second.filter((n) => firstNames.has(`${n.type} ${n.name}`))).toEqual([]);
    // Every name carries its client (the SES identity aside, which only the first creates).
    for (const { type, name } of second) expect(`${type} ${name}`).toContain(LONG_CLIENT);
    expect(first.filter((n) => n.type === 'AWS::SES::EmailIdentity').map((n) => n.name)).toEqual([
      'example-analytics.com',
    ]);
  });

  it(`It should fit every physical name of a ${MAX_CLIENT_NAME_LENGTH}-character client within AWS's limits`, () => {
    const names = physicalNames(templateOf(LONG_CLIENT));
    for (const { type, name } of names) {
      const limit = LIMIT_BY_TYPE[type];
      if (limit !== undefined) expect(name.length, `${type} ${name}`).toBeLessThanOrEqual(limit);
    }
    // Every tightly limited name deployed is one the schema's length check derives: what it
    // checks is what is deployed.
    const derived = new Set(derivedNames(LONG_CLIENT).map((d) => d.name));
    const tight = names.filter((n) => (LIMIT_BY_TYPE[n.type] ?? Number.POSITIVE_INFINITY) <= 80);
    expect(tight.length).toBeGreaterThan(10);
    for (const { type, name } of tight) expect(derived, `${type} ${name}`).toContain(name);
  });

  it('It should send from an existing SES identity without creating it, granting SendEmail on it only', () => {
    const template = templateOf(LONG_CLIENT);
    template.resourceCountIs('AWS::SES::EmailIdentity', 0);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        (
          policy as {
            Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } };
          }
        ).Properties.PolicyDocument.Statement,
    );
    const ses = statements.filter((s) => JSON.stringify(s.Action).includes('ses:'));
    expect(ses).toHaveLength(1);
    expect(ses[0]?.Action).toBe('ses:SendEmail');
    expect(JSON.stringify(ses[0]?.Resource)).toContain(':identity/example-analytics.com');
    expect(Object.keys(template.toJSON().Outputs)).not.toContain('EmailIdentity');
  });

  it('It should reference Slack webhook secrets the client file names instead of creating them', () => {
    const template = templateOf('referenced');
    const created = physicalNames(template).filter((n) => n.type === 'AWS::SecretsManager::Secret');
    expect(created.map((n) => n.name).sort()).toEqual([
      'leadscore/referenced/api-key',
      'leadscore/referenced/lead-link-key',
    ]);
    const fn = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: 'leadscore-referenced-notify-slack' },
      }),
    )[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(fn.Properties.Environment.Variables.SLACK_WEBHOOK_SECRET_ID).toBe('shared/slack-sales');
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':secret:shared/slack-sales-??????');
    expect(policies).toContain(':secret:shared/slack-emea-??????');
    expect(template.toJSON().Outputs.SlackWebhookSecretName.Value).toBe('shared/slack-sales');
  });
});
