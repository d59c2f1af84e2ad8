import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#cdk/build-app.ts';
import type { LeadscoreStack } from '#cdk/stack.ts';
import { OUTBOX_STREAM } from '#shared/events/outbox-stream.ts';

/*
 * The transactional outbox of Leadscore-example (PRODUCT §4.1): the table's stream, the relay
 * and its event source mapping. Bundling is skipped: none of this depends on the code.
 */

type Props = Record<string, unknown>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
}

let outdir: string;
let stack: LeadscoreStack;
let template: Template;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'leadscore-cdk-outbox-'));
  const built = buildApp({
    client: 'example',
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  stack = built.stacks[0] as LeadscoreStack;
  template = Template.fromStack(stack);
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const logicalIdOf = (type: string, props: Props): string => {
  const [id] = Object.keys(template.findResources(type, { Properties: props }));
  if (!id) throw new Error(`no ${type} with ${JSON.stringify(props)}`);
  return id;
};
const relayId = () =>
  logicalIdOf('AWS::Lambda::Function', { FunctionName: 'leadscore-example-outbox-relay' });
const tableId = () => logicalIdOf('AWS::DynamoDB::Table', { TableName: 'leadscore-example' });
const relayStatements = (): Statement[] => {
  const fn = template.findResources('AWS::Lambda::Function')[relayId()] as { Properties: Props };
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
};
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('Leadscore-example: transactional outbox', () => {
  it('It should give the lead table a stream of new images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'leadscore-example',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
  });

  it('It should invoke the relay from the stream with partial batch responses, bisection and bounded retries', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: relayId() },
      EventSourceArn: { 'Fn::GetAtt': [tableId(), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: OUTBOX_STREAM.batchSize,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: OUTBOX_STREAM.retryAttempts,
      MaximumRecordAgeInSeconds: 6 * 60 * 60,
      DestinationConfig: {
        OnFailure: {
          Destination: {
            'Fn::GetAtt': [
              logicalIdOf('AWS::SQS::Queue', { QueueName: 'leadscore-example-outbox-relay-failures-dlq' }),
              'Arn',
            ],
          },
        },
      },
    });
  });

  it('It should filter the stream to lead items written with an outbox, with the local poller’s pattern', () => {
    type Mapping = { Properties: { FilterCriteria: { Filters: { Pattern: string }[] } } };
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Mapping[];
    expect(mappings).toHaveLength(1);
    const filters = mappings.flatMap((m) => m.Properties.FilterCriteria.Filters);
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
      {
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: { Keys: { sk: { S: ['LEAD'] } }, NewImage: { outbox: { B: [{ exists: true }] } } },
      },
    ]);
  });

  it('It should let the relay read the lead table stream and put events on the client bus, nothing else', () => {
    const statements = relayStatements().filter((s) => !actionsOf(s).every((a) => a.startsWith('xray:')));
    const busArn = {
      'Fn::GetAtt': [logicalIdOf('AWS::Events::EventBus', { Name: 'leadscore-example' }), 'Arn'],
    };
    const dlqArn = {
      'Fn::GetAtt': [
        logicalIdOf('AWS::SQS::Queue', { QueueName: 'leadscore-example-outbox-relay-failures-dlq' }),
        'Arn',
      ],
    };
    const logs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
    expect(statements.filter((s) => !logs.includes(s)).map((s) => [actionsOf(s).sort(), s.Resource])).toEqual(
      expect.arrayContaining([
        [['events:PutEvents'], busArn],
        [
          ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          { 'Fn::GetAtt': [tableId(), 'StreamArn'] },
        ],
        // Lambda asks for ListStreams, which has no resource-level permission.
        [['dynamodb:ListStreams'], '*'],
        [['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], dlqArn],
      ]),
    );
    expect(statements.filter((s) => !logs.includes(s))).toHaveLength(4);
    // No table access: the relay reads only what the stream hands it.
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'leadscore-example-outbox-relay',
      Environment: {
        Variables: Match.objectLike({
          EVENT_BUS_NAME: { Ref: logicalIdOf('AWS::Events::EventBus', { Name: 'leadscore-example' }) },
          TABLE_NAME: Match.absent(),
        }),
      },
    });
  });

  it('It should alarm on the relay’s errors, its dead-letter queue and events running late', () => {
    for (const name of ['outbox-relay-errors', 'outbox-relay-failures-dlq-not-empty', 'outbox-relay-late']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `leadscore-example-${name}` });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'leadscore-example-outbox-relay-late',
      MetricName: 'IteratorAge',
      Threshold: 5 * 60 * 1000,
    });
  });

  it('It should pass cdk-nag AwsSolutions with every acknowledgement reasoned', () => {
    const nag = new AwsSolutionsChecks().validateScope(stack);
    const findings = nag.violations.map(
      (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });
});
