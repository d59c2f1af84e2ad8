import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#cdk/build-app.ts';
import { Integrations } from '#cdk/constructs/integrations.ts';
import { validatePattern } from '#local/pattern.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { parseClientConfig } from '#shared/config/parse.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type ApiDestinationTarget, integrationTargets } from '#shared/integrations/targets.ts';

/*
 * The Done-when of issue 15: a client file with a HubSpot preset, a Salesforce preset and a signed
 * webhook (test/fixtures/clients/crm.yaml) synthesizes to rules with API destinations,
 * connections, DLQs and least-privilege roles, cdk-nag clean. Bundling is skipped: none of this
 * depends on the functions' code.
 */
const CLIENTS_DIR = join(import.meta.dirname, '..', 'fixtures', 'clients');

type Props = Record<string, unknown>;
type Resources = Record<string, { Properties: Props }>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

let outdir: string;
let template: Template;
let config: ClientConfig;
let nagErrors: string[];
const resources = (type: string) => template.findResources(type) as Resources;
const logicalIdOf = (type: string, props: Props): string => {
  const [id] = Object.keys(template.findResources(type, { Properties: props }));
  if (!id) throw new Error(`no ${type} with ${JSON.stringify(props)}`);
  return id;
};
const ruleNamed = (name: string) => {
  const rule = Object.values(resources('AWS::Events::Rule')).find((r) => r.Properties.Name === name);
  if (!rule) throw new Error(`no rule ${name}`);
  return rule.Properties;
};
const targetOf = (name: string) => (ruleNamed(name).Targets as Props[])[0] as Props;
const queueArn = (name: string) => ({
  'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', { QueueName: name }), 'Arn'],
});
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
function statementsOfRole(roleId: string): Statement[] {
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'leadscore-integrations-'));
  config = loadClientConfig('crm', CLIENTS_DIR);
  const { stacks } = buildApp({
    client: 'crm',
    clientsDir: CLIENTS_DIR,
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = stacks[0];
  if (!stack) throw new Error('no stack');
  template = Template.fromStack(stack);
  const report = new AwsSolutionsChecks().validateScope(stack);
  nagErrors = report.violations.map(
    (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`,
  );
}, 300_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('Leadscore-crm: integrations', () => {
  it('It should make one rule per integration on the client bus, with the pattern the local bus applies', () => {
    for (const target of integrationTargets(config)) {
      const rule = ruleNamed(target.resourceName);
      expect(rule.EventPattern, target.id).toEqual(target.pattern);
      expect(rule.EventBusName).toEqual({
        Ref: logicalIdOf('AWS::Events::EventBus', { Name: 'leadscore-crm' }),
      });
      expect(validatePattern(target.pattern), target.id).toEqual([]);
    }
    expect(ruleNamed('leadscore-crm-sync-hubspot').EventPattern).toMatchObject({
      'detail-type': ['Lead Scored'],
      detail: { email: [{ wildcard: '*@*' }] },
    });
  });

  it('It should call HubSpot and Salesforce through API destinations with their endpoint, method and rate limit', () => {
    const destinations = Object.values(resources('AWS::Events::ApiDestination')).map((r) => r.Properties);
    expect(destinations).toHaveLength(2);
    expect(destinations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Name: 'leadscore-crm-sync-hubspot',
          InvocationEndpoint: 'https://api.hubapi.com/crm/v3/objects/contacts/*',
          HttpMethod: 'PATCH',
          InvocationRateLimitPerSecond: 10,
        }),
        expect.objectContaining({
          Name: 'leadscore-crm-sync-salesforce',
          InvocationEndpoint:
            'https://crm-sync.my.salesforce.com/services/data/v62.0/sobjects/Lead/Leadscore_Id__c/*',
          HttpMethod: 'PATCH',
        }),
      ]),
    );
  });

  it('It should authorize each connection from the named secret by dynamic reference, never a literal', () => {
    const hubspot = resources('AWS::Events::Connection')[
      logicalIdOf('AWS::Events::Connection', { Name: 'leadscore-crm-sync-hubspot' })
    ]?.Properties as Props;
    expect(hubspot.AuthorizationType).toBe('API_KEY');
    expect(JSON.stringify(hubspot.AuthParameters)).toContain(
      '{{resolve:secretsmanager:leadscore/crm/hubspot:SecretString:apiKey::}}',
    );
    expect(hubspot.AuthParameters).toMatchObject({ ApiKeyAuthParameters: { ApiKeyName: 'Authorization' } });
    const salesforce = resources('AWS::Events::Connection')[
      logicalIdOf('AWS::Events::Connection', { Name: 'leadscore-crm-sync-salesforce' })
    ]?.Properties as Props;
    expect(salesforce.AuthorizationType).toBe('OAUTH_CLIENT_CREDENTIALS');
    expect(salesforce.AuthParameters).toMatchObject({
      OAuthParameters: {
        AuthorizationEndpoint: 'https://crm-sync.my.salesforce.com/services/oauth2/token',
        HttpMethod: 'POST',
        ClientParameters: {
          ClientID: '{{resolve:secretsmanager:leadscore/crm/salesforce:SecretString:clientId::}}',
          ClientSecret: '{{resolve:secretsmanager:leadscore/crm/salesforce:SecretString:clientSecret::}}',
        },
        OAuthHttpParameters: {
          BodyParameters: [{ Key: 'grant_type', Value: 'client_credentials', IsValueSecret: false }],
        },
      },
    });
  });

  it('It should give each API destination target the compiled payload, path and query parameters, retry policy and its own DLQ', () => {
    for (const target of integrationTargets(config).filter(
      (candidate): candidate is ApiDestinationTarget => candidate.kind === 'apiDestination',
    )) {
      expect(targetOf(target.resourceName), target.id).toMatchObject({
        Arn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
        InputTransformer: {
          InputPathsMap: target.input.inputPathsMap,
          InputTemplate: target.input.inputTemplate,
        },
        HttpParameters: {
          PathParameterValues: target.pathParameters,
          QueryStringParameters: target.query,
        },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: queueArn(`${target.resourceName}-dlq`) },
      });
    }
    expect(targetOf('leadscore-crm-sync-hubspot')).toMatchObject({
      HttpParameters: {
        PathParameterValues: ['$.detail.email'],
        QueryStringParameters: { idProperty: 'email' },
      },
    });
  });

  it('It should let each target role invoke its own API destination and nothing else', () => {
    for (const name of ['leadscore-crm-sync-hubspot', 'leadscore-crm-sync-salesforce']) {
      const target = targetOf(name);
      const roleId = (target.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      const statements = statementsOfRole(roleId);
      expect(statements.flatMap(actionsOf)).toEqual(['events:InvokeApiDestination']);
      const destinationId = logicalIdOf('AWS::Events::ApiDestination', { Name: name });
      expect(statements[0]?.Resource).toEqual({ 'Fn::GetAtt': [destinationId, 'Arn'] });
    }
  });

  it('It should send a signed webhook through notify-webhook, with the integration id and the whole event', () => {
    const fnId = logicalIdOf('AWS::Lambda::Function', { FunctionName: 'leadscore-crm-notify-webhook' });
    expect(targetOf('leadscore-crm-sync-nurture')).toMatchObject({
      Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
      InputTransformer: { InputTemplate: '{"integration":"nurture","event":<aws.events.event.json>}' },
      DeadLetterConfig: { Arn: queueArn('leadscore-crm-sync-nurture-dlq') },
      RetryPolicy: { MaximumRetryAttempts: 8 },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: queueArn('leadscore-crm-notify-webhook-failures-dlq') },
      },
    });
  });

  it('It should let notify-webhook read the webhook secret and its idempotency records only', () => {
    const fnId = logicalIdOf('AWS::Lambda::Function', { FunctionName: 'leadscore-crm-notify-webhook' });
    const role = resources('AWS::Lambda::Function')[fnId]?.Properties.Role as { 'Fn::GetAtt': [string] };
    const roleId = role['Fn::GetAtt'][0];
    const statements = statementsOfRole(roleId);
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'secretsmanager:GetSecretValue']),
    );
    expect(actions.some((action) => action.startsWith('events:'))).toBe(false);
    expect(actions).not.toContain('dynamodb:Query');
    const secretStatements = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(secretStatements)).toContain('secret:leadscore/crm/nurture-webhook-??????');
    expect(JSON.stringify(secretStatements)).not.toContain('hubspot');
  });

  it('It should pass cdk-nag AwsSolutions with no unacknowledged finding', () => {
    expect(nagErrors).toEqual([]);
  });

  it('It should give cfn-lint no error on the synthesized template', () => {
    const file = join(outdir, 'crm-template.json');
    writeFileSync(file, JSON.stringify(template.toJSON()));
    const run = spawnSync('cfn-lint', ['--format', 'parseable', file], { encoding: 'utf8' });
    if (run.error) throw run.error;
    const errors = run.stdout.split('\n').filter((line) => /:E\d+:/.test(line));
    expect(errors).toEqual([]);
  }, 120_000);
});

describe('Integrations construct', () => {
  it('It should refuse to deploy an API destination or a token endpoint that is not https', () => {
    const build = (override: Record<string, unknown>) => {
      const raw = structuredClone(config) as unknown as { integrations: Record<string, unknown>[] };
      raw.integrations = raw.integrations.map((integration) =>
        integration.id === 'salesforce' ? { ...integration, ...override } : integration,
      );
      // No bundling: the check is on the URLs.
      const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
      new Integrations(stack, 'Integrations', {
        config: parseClientConfig(raw),
        table: dynamodb.Table.fromTableName(stack, 'Table', 'leadscore-crm'),
        bus: new events.EventBus(stack, 'Bus'),
      });
    };
    expect(() => build({ instanceUrl: 'http://127.0.0.1:9/' })).toThrow(
      'integration salesforce: EventBridge needs an https:// URL, not http://127.0.0.1:9/services/data/v62.0/sobjects/Lead/Leadscore_Id__c/*',
    );
    expect(() => build({ tokenUrl: 'http://127.0.0.1:9/token' })).toThrow('not http://127.0.0.1:9/token');
    expect(() => build({})).not.toThrow();
  });
});

describe('Leadscore-example: no integrations', () => {
  it('It should build no integration rule, destination or webhook function for a client file without integrations', () => {
    const { stacks } = buildApp({
      client: 'example',
      outdir: mkdtempSync(join(tmpdir(), 'leadscore-no-integrations-')),
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    const example = Template.fromStack(stacks[0] as never);
    example.resourceCountIs('AWS::Events::ApiDestination', 0);
    example.resourceCountIs('AWS::Events::Connection', 0);
    expect(
      Object.keys(
        example.findResources('AWS::Lambda::Function', {
          Properties: { FunctionName: 'leadscore-example-notify-webhook' },
        }),
      ),
    ).toEqual([]);
  }, 120_000);
});
