import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_MAPS_FOLDER } from '#cdk/constructs/leadscore-function.ts';
import { matchesPattern } from '#local/pattern.ts';
import { ASSET_ZIP_BUDGET_BYTES, zippedBytes } from '#scripts/asset-size.ts';
import { BUILT_IN_LISTS } from '#shared/config/conditions.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { DETAIL_TYPES, notificationPatterns, sourceFor } from '#shared/events/contracts.ts';
import { httpRoutes } from '#shared/manifest.ts';
import { domainListUrl } from '#shared/scoring/lists.ts';
import { createTableInput, TTL_ATTRIBUTE } from '#shared/store/table-definition.ts';
import { assetDirOf, bundleOf, type SynthesizedStack, synthExample } from './synth-example.ts';

type Props = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Props;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

const FUNCTIONS = [
  'forms',
  'events',
  'leads',
  'outcomes',
  'erase',
  'decay',
  'notify-slack',
  'notify-email',
] as const;
const fnName = (name: string) => `leadscore-example-${name}`;

let synth: SynthesizedStack;
let config: ClientConfig;

const resources = (type: string): Record<string, Resource> =>
  synth.template.findResources(type) as Record<string, Resource>;
const only = (type: string): Resource => {
  const all = Object.values(resources(type));
  expect(all).toHaveLength(1);
  return all[0] as Resource;
};
const logicalIdOf = (type: string, props: Props): string => {
  const [id] = Object.keys(synth.template.findResources(type, { Properties: props }));
  if (!id) throw new Error(`no ${type} with ${JSON.stringify(props)}`);
  return id;
};
const functionId = (name: string) => logicalIdOf('AWS::Lambda::Function', { FunctionName: fnName(name) });
const functionArn = (name: string) => ({ 'Fn::GetAtt': [functionId(name), 'Arn'] });
const queueArn = (name: string) => ({
  'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', { QueueName: `leadscore-example-${name}` }), 'Arn'],
});
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** The statements of the policies attached to a function's role. */
function statementsOf(name: string): Statement[] {
  const fn = resources('AWS::Lambda::Function')[functionId(name)] as Resource;
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

beforeAll(() => {
  config = loadClientConfig('example');
  synth = synthExample();
}, 300_000);

afterAll(() => rmSync(synth.outdir, { recursive: true, force: true }));

describe('Leadscore-example: storage', () => {
  it('It should keep leads in an on-demand, recoverable, encrypted table that outlives the stack', () => {
    synth.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: 'leadscore-example',
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      },
    });
  });

  it('It should have the keys and GSIs of the shared table definition DynamoDB Local is built from', () => {
    const table = only('AWS::DynamoDB::Table').Properties;
    const local = createTableInput('leadscore-example');
    expect(table.KeySchema).toEqual(local.KeySchema);
    expect(table.AttributeDefinitions).toEqual(expect.arrayContaining(local.AttributeDefinitions ?? []));
    expect(table.AttributeDefinitions).toHaveLength(local.AttributeDefinitions?.length ?? 0);
    expect(table.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
  });
});

describe('Leadscore-example: notifications', () => {
  const rulesByName = (): Record<string, Props> =>
    Object.fromEntries(
      Object.values(resources('AWS::Events::Rule')).map((r) => [String(r.Properties.Name), r.Properties]),
    );

  it('It should route with exactly the shared contract patterns, on the client bus', () => {
    const patterns = notificationPatterns(config.client, config.notifications.notifyOn);
    const rules = rulesByName();
    expect(rules['leadscore-example-notify-threshold-crossed']?.EventPattern).toEqual(
      patterns.thresholdCrossed,
    );
    expect(rules['leadscore-example-notify-segment-changed']?.EventPattern).toEqual(patterns.segmentChanged);
    synth.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'leadscore-example' });
    for (const rule of Object.values(rules)) expect(rule.EventBusName).toEqual({ Ref: expect.any(String) });
  });

  it('It should notify an upward MQL crossing and never a downward one', () => {
    const rule = rulesByName()['leadscore-example-notify-threshold-crossed'];
    const event = (direction: string) => ({
      source: sourceFor('example'),
      'detail-type': DETAIL_TYPES.thresholdCrossed,
      detail: { direction, threshold: 'mql' },
    });
    const pattern = rule?.EventPattern as Parameters<typeof matchesPattern>[0];
    expect(matchesPattern(pattern, event('up'))).toBe(true);
    expect(matchesPattern(pattern, event('down'))).toBe(false);
  });

  it('It should target both notifiers from both rules, each target with retries and a DLQ', () => {
    for (const rule of Object.values(rulesByName())) {
      expect(rule.Targets).toEqual(
        expect.arrayContaining(
          ['notify-slack', 'notify-email'].map((name) =>
            expect.objectContaining({
              Arn: functionArn(name),
              DeadLetterConfig: { Arn: queueArn('notify-delivery-dlq') },
              RetryPolicy: {
                MaximumEventAgeInSeconds: expect.any(Number),
                MaximumRetryAttempts: expect.any(Number),
              },
            }),
          ),
        ),
      );
      expect(rule.Targets).toHaveLength(2);
    }
  });

  it('It should send a notifier or decay invocation that keeps failing to a DLQ after retries', () => {
    for (const [name, queue] of [
      ['notify-slack', 'notify-slack-failures-dlq'],
      ['notify-email', 'notify-email-failures-dlq'],
      ['decay', 'decay-dlq'],
    ] as const) {
      synth.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: functionId(name) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: queueArn(queue) } },
      });
    }
  });

  it('It should keep the Slack webhook URL in a secret named after the client, which the operator fills in', () => {
    synth.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'leadscore/example/slack-webhook',
    });
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: fnName('notify-slack'),
      Environment: {
        Variables: Match.objectLike({ SLACK_WEBHOOK_SECRET_ID: 'leadscore/example/slack-webhook' }),
      },
    });
  });

  it('It should send email from the SES identity of the from-domain, and only from it', () => {
    synth.template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'example-analytics.com',
    });
    const ses = statementsOf('notify-email').filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
    expect(ses.flatMap(actionsOf)).toEqual(['ses:SendEmail']);
    expect(JSON.stringify(ses[0]?.Resource)).toContain(':identity/');
  });
});

describe('Leadscore-example: least privilege', () => {
  const allStatements = () =>
    Object.values(resources('AWS::IAM::Policy')).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );

  it('It should grant "*" resources only where AWS requires it: X-Ray, ListStreams for the stream, Step Functions logging', () => {
    const wildcard = allStatements().filter((s) => JSON.stringify(resourcesOf(s)).includes('*'));
    expect(wildcard.length).toBeGreaterThan(0);
    // Step Functions' CloudWatch Logs delivery (the rescore state machine's logging) has no resource-level permissions.
    const logDelivery =
      /^logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$/;
    for (const s of wildcard) {
      // The rescore state machine invokes its function and that function's versions (<arn>:*).
      if (actionsOf(s).every((a) => a === 'lambda:InvokeFunction')) {
        expect(JSON.stringify(resourcesOf(s))).toContain('RescoreFunction');
        continue;
      }
      expect(resourcesOf(s)).toEqual(['*']);
      expect(
        actionsOf(s).every(
          (a) => a.startsWith('xray:') || a === 'dynamodb:ListStreams' || logDelivery.test(a),
        ),
      ).toBe(true);
    }
    const listStreams = (name: string) =>
      statementsOf(name).some((s) => actionsOf(s).includes('dynamodb:ListStreams'));
    expect(new Set([...FUNCTIONS, 'outbox-relay'].filter(listStreams))).toEqual(new Set(['outbox-relay']));
  });

  it('It should scope table access to the lead table and its named indexes', () => {
    const tableId = logicalIdOf('AWS::DynamoDB::Table', { TableName: 'leadscore-example' });
    const dynamo = allStatements().filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:') && a !== 'dynamodb:ListStreams'),
    );
    expect(dynamo.length).toBeGreaterThan(0);
    for (const s of dynamo) for (const r of resourcesOf(s)) expect(JSON.stringify(r)).toContain(tableId);
    // What each function may do, action by action, is tested in least-privilege.test.ts.
    expect(actionsOf(statementsOf('leads').find((s) => actionsOf(s).includes('dynamodb:GetItem'))!)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
    ]);
    // Outcomes write one lead's events; erasure deletes a lead's partition in batches.
    expect(statementsOf('outcomes').flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']),
    );
    expect(statementsOf('erase').flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']),
    );
    for (const notifier of ['notify-slack', 'notify-email']) {
      const actions = statementsOf(notifier).flatMap(actionsOf);
      expect(actions).not.toContain('dynamodb:Query');
      expect(actions).toContain('dynamodb:PutItem');
    }
  });

  it('It should let only the outbox relay put events, on the client bus only (requests and decay never publish)', () => {
    const busArn = {
      'Fn::GetAtt': [logicalIdOf('AWS::Events::EventBus', { Name: 'leadscore-example' }), 'Arn'],
    };
    for (const name of [...FUNCTIONS, 'outbox-relay'] as const) {
      const puts = statementsOf(name).filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
      if (name === 'outbox-relay') {
        expect(puts.map((s) => [actionsOf(s), s.Resource])).toEqual([[['events:PutEvents'], busArn]]);
      } else {
        expect(puts).toEqual([]);
      }
    }
  });

  it('It should let each function read only the secrets it needs', () => {
    const apiKey = { Ref: logicalIdOf('AWS::SecretsManager::Secret', { Name: 'leadscore/example/api-key' }) };
    const slack = {
      Ref: logicalIdOf('AWS::SecretsManager::Secret', { Name: 'leadscore/example/slack-webhook' }),
    };
    const secretsOf = (name: string) =>
      statementsOf(name)
        .filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')))
        .flatMap(resourcesOf);
    expect(secretsOf('events')).toEqual([apiKey]);
    expect(secretsOf('leads')).toEqual([apiKey]);
    expect(secretsOf('outcomes')).toEqual([apiKey]);
    expect(secretsOf('erase')).toEqual([apiKey]);
    // The notifiers sign lead links with the lead-link secret; the lead page checks them.
    const leadLink = {
      Ref: logicalIdOf('AWS::SecretsManager::Secret', { Name: 'leadscore/example/lead-link-key' }),
    };
    expect(secretsOf('notify-slack')).toEqual(expect.arrayContaining([slack, leadLink]));
    expect(secretsOf('notify-slack')).toHaveLength(2);
    expect(secretsOf('notify-email')).toEqual([leadLink]);
    expect(secretsOf('lead-page')).toEqual([leadLink]);
    for (const name of ['forms', 'decay']) expect(secretsOf(name)).toEqual([]);
  });

  it('It should give functions their own roles without AWS managed policies', () => {
    for (const role of Object.values(resources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('Leadscore-example: HTTP API', () => {
  it('It should expose the four routes, forms public and the rest behind the API key in the handler', () => {
    const keys = Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual(
      httpRoutes()
        .map((route) => route.key)
        .sort(),
    );
  });

  it('It should allow CORS from every form origin, for POST with content-type only', () => {
    const origins = [...new Set(Object.values(config.forms).flatMap((f) => f.allowedOrigins))].sort();
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      Name: 'leadscore-example',
      CorsConfiguration: { AllowOrigins: origins, AllowMethods: ['POST'], AllowHeaders: ['content-type'] },
    });
  });

  it('It should throttle every route from config.api and write JSON access logs', () => {
    const limits = { ThrottlingRateLimit: config.api.rateLimit, ThrottlingBurstLimit: config.api.burstLimit };
    const stage = only('AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: limits,
    });
    expect(stage.Properties.RouteSettings).toEqual(
      Object.fromEntries(httpRoutes().map(({ key }) => [key, limits])),
    );
    const access = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(access.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    expect(JSON.parse(access.Format)).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
    });
    const routeIds = Object.keys(resources('AWS::ApiGatewayV2::Route'));
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('It should output the API URL, bus, table, API key secret, Slack secret name and rescore state machine', () => {
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'ApiKeySecretArn',
        'ApiUrl',
        'EmailIdentity',
        'EventBusName',
        'RescoreStateMachineArn',
        'SlackWebhookSecretName',
        'TableName',
      ].sort(),
    );
    expect(outputs.SlackWebhookSecretName?.Value).toBe('leadscore/example/slack-webhook');
  });
});

describe('Leadscore-example: functions', () => {
  it('It should run every function on the newest Node.js on ARM64, traced, with its own log group', () => {
    for (const name of FUNCTIONS) {
      synth.template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: fnName(name),
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
        Environment: {
          Variables: Match.objectLike({
            CLIENT_NAME: 'example',
            TABLE_NAME: { Ref: Match.anyValue() },
            EVENT_BUS_NAME: name.startsWith('notify') ? Match.absent() : { Ref: Match.anyValue() },
            POWERTOOLS_SERVICE_NAME: name,
            POWERTOOLS_METRICS_NAMESPACE: 'leadscore',
            NODE_OPTIONS: Match.absent(),
          }),
        },
      });
    }
    for (const logGroup of Object.values(resources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.RetentionInDays).toEqual(expect.any(Number));
    }
  });

  it('It should bundle the client configuration and the AWS SDK into each function', () => {
    for (const name of FUNCTIONS) {
      const bundle = bundleOf(synth, fnName(name));
      expect(bundle).toContain(config.displayName);
      expect(bundle.startsWith('import { createRequire }')).toBe(true);
      expect(bundle).not.toMatch(/from\s*"@aws-sdk\//);
      expect(bundle).toContain('DynamoDB_20120810');
      // The config was validated by this synth: the bundle holds no config schema to run again
      // (its messages would be in it).
      expect(bundle, name).not.toContain('unknown time zone');
      expect(bundle, name).not.toContain('configuration error(s)');
    }
  });

  it('It should ship the compiled domain lists, not the packages, to the functions that score', () => {
    for (const name of ['forms', 'events', 'leads', 'decay']) {
      const asset = assetDirOf(synth, fnName(name));
      for (const list of BUILT_IN_LISTS) {
        const shipped = readFileSync(join(asset, 'domain-lists', `${list}.br`));
        expect(shipped.equals(readFileSync(domainListUrl(list)))).toBe(true);
      }
      expect(existsSync(join(asset, 'node_modules'))).toBe(false);
    }
  });

  it('It should keep each source map beside the assembly, out of a zip under 1 MB', () => {
    const zips = mkdtempSync(join(tmpdir(), 'leadscore-zips-'));
    try {
      const functionNames = Object.values(resources('AWS::Lambda::Function')).map((fn) =>
        String(fn.Properties.FunctionName),
      );
      expect(functionNames.length).toBeGreaterThanOrEqual(FUNCTIONS.length);
      for (const functionName of functionNames) {
        const asset = assetDirOf(synth, functionName);
        expect(readdirSync(asset).filter((file) => file.endsWith('.map'))).toEqual([]);
        expect(existsSync(join(synth.outdir, SOURCE_MAPS_FOLDER, `${functionName}.mjs.map`))).toBe(true);
        const zip = zippedBytes(asset, join(zips, `${functionName}.zip`));
        expect(zip.bytes, functionName).toBeLessThan(ASSET_ZIP_BUDGET_BYTES);
      }
    } finally {
      rmSync(zips, { recursive: true, force: true });
    }
  });
});

describe('Leadscore-example: decay and monitoring', () => {
  it('It should run decay on the client cron and time zone, with retries and a DLQ', () => {
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'leadscore-example-decay',
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: config.schedule.decay.timezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: functionArn('decay'),
        DeadLetterConfig: { Arn: queueArn('decay-dlq') },
        RetryPolicy: { MaximumEventAgeInSeconds: Match.anyValue(), MaximumRetryAttempts: Match.anyValue() },
        Input: JSON.stringify({ now: '<aws.scheduler.scheduled-time>' }),
      }),
    });
  });

  it('It should encrypt every queue and refuse plain-HTTP access to it', () => {
    const queues = resources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(5);
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('It should alarm on every function error and on any message in a dead-letter queue', () => {
    for (const name of FUNCTIONS) {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `leadscore-example-${name}-errors`,
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(name) } }],
      });
    }
    for (const queue of [
      'notify-delivery-dlq',
      'notify-slack-failures-dlq',
      'notify-email-failures-dlq',
      'decay-dlq',
    ]) {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `leadscore-example-${queue}-not-empty`,
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
  });
});

describe('Leadscore-example: cdk-nag', () => {
  it('It should pass AwsSolutions with no unacknowledged error or warning', () => {
    const findings = synth.nag.violations.map(
      (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });
});
