import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleClientText, type SynthesizedClients, synthClients } from './support/synth-clients.ts';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

let synth: SynthesizedClients;
let template: Template;
let tableId: string;

/** The table statements of a function's role (X-Ray and the rest left out). */
function tableStatementsOf(name: string): Statement[] {
  const [fn] = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: `leadscore-example-${name}` },
    }),
  ) as { Properties: { Role: { 'Fn::GetAtt': [string] } } }[];
  if (!fn) throw new Error(`no function ${name}`);
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return (
    Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: Record<string, unknown> }[]
  )
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => JSON.stringify(s.Resource).includes(tableId));
}
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat()).sort();
const indexesOf = (statements: Statement[]) =>
  statements
    .flatMap((s) => [s.Resource].flat())
    .flatMap((r) => JSON.stringify(r).match(/\/index\/(\w+)/g) ?? [])
    .map((match) => match.replace('/index/', ''))
    .sort();

beforeAll(() => {
  synth = synthClients({ example: exampleClientText() });
  const [example] = synth.stacks;
  if (!example) throw new Error('no stack for the example client');
  template = example.template;
  [tableId = ''] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
}, 300_000);
afterAll(() => synth?.cleanup());

describe('Leadscore-example: table access as the code uses it', () => {
  it('It should let the ingest functions get, query, put, update and condition-check items, with no delete, batch write or index', () => {
    for (const name of ['forms', 'events', 'outcomes']) {
      const statements = tableStatementsOf(name);
      expect(actionsOf(statements), name).toEqual([
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      expect(indexesOf(statements), name).toEqual([]);
    }
  });

  it('It should give each reader only the indexes it queries', () => {
    expect(indexesOf(tableStatementsOf('leads'))).toEqual(['byAccount', 'byRank']);
    expect(indexesOf(tableStatementsOf('decay'))).toEqual(['byDueDay']);
    expect(actionsOf(tableStatementsOf('lead-page'))).toEqual(['dynamodb:GetItem']);
    expect(actionsOf(tableStatementsOf('erase'))).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(indexesOf(tableStatementsOf('erase'))).toEqual([]);
  });

  it('It should confine each notifier to its dedupe partition and the delivery logs (dynamodb:LeadingKeys)', () => {
    for (const [name, channel] of [
      ['notify-slack', 'slack'],
      ['notify-email', 'email'],
    ] as const) {
      const statements = tableStatementsOf(name);
      expect(statements).toHaveLength(1);
      expect(actionsOf(statements)).toEqual([
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
      expect(statements[0]?.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`NOTIFY#${channel}`, 'NOTE#*'] },
      });
    }
  });
});
