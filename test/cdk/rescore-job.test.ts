import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionSpec } from '#shared/manifest.ts';
import { exampleClientText, type SynthesizedClients, synthClients } from './support/synth-clients.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

let synth: SynthesizedClients;
let template: Template;
const resources = (type: string) => Object.values(template.findResources(type)) as Resource[];

beforeAll(() => {
  synth = synthClients({ example: exampleClientText() });
  const [example] = synth.stacks;
  if (!example) throw new Error('no stack for the example client');
  template = example.template;
}, 300_000);
afterAll(() => synth?.cleanup());

/** The state machine's definition, with its Fn::Join of literals and references read as text. */
function definitionOf(machine: Resource): Record<string, unknown> {
  const body = machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  // References (the function's ARN) sit inside string literals of the JSON text.
  const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'ARN')).join('');
  return JSON.parse(text) as Record<string, unknown>;
}

describe('Leadscore-example: the deployed rescore', () => {
  it('It should map the scan segments, invoking the rescore function until each is finished', () => {
    const [machine] = resources('AWS::StepFunctions::StateMachine');
    expect(machine?.Properties).toMatchObject({
      StateMachineName: 'leadscore-example-rescore',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    const definition = definitionOf(machine!) as {
      StartAt: string;
      States: Record<
        string,
        { Type: string; ItemProcessor?: { States: Record<string, unknown> }; Parameters?: unknown }
      >;
    };
    const segments = definition.States.Segments!;
    expect(segments.Type).toBe('Map');
    expect(JSON.stringify(definition.States.SegmentList?.Parameters)).toContain(
      'States.ArrayRange(0, States.MathAdd($.input.segments, -1), 1)',
    );
    const inner = segments.ItemProcessor!.States as Record<
      string,
      {
        Type: string;
        Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
        Choices?: unknown[];
        Default?: string;
      }
    >;
    expect(inner.RescoreSegment?.Type).toBe('Task');
    // A bad input is not retried; a throttle or a timeout is.
    expect(inner.RescoreSegment?.Retry).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ErrorEquals: ['RescoreJobInputError'], MaxAttempts: 0 }),
        expect.objectContaining({ ErrorEquals: ['States.ALL'], MaxAttempts: 4 }),
      ]),
    );
    // Not finished: invoke again (the checkpoint carries the segment on).
    expect(inner.SegmentFinished?.Default).toBe('RescoreSegment');
  });

  it('It should build the rescore function from the manifest, with the table and no publish grant', () => {
    const spec = functionSpec('rescore');
    const fn = resources('AWS::Lambda::Function').find(
      (f) => f.Properties.FunctionName === 'leadscore-example-rescore',
    );
    expect(fn?.Properties).toMatchObject({ Timeout: spec.timeoutSeconds, MemorySize: spec.memoryMb });
    const policies = resources('AWS::IAM::Policy').filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('RescoreFunction'),
    );
    const actions = policies.flatMap((p) =>
      (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (s) => (Array.isArray(s.Action) ? s.Action : [s.Action]),
      ),
    );
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:Query']));
    expect(actions).not.toContain('events:PutEvents');
  });

  it('It should let the state machine invoke the rescore function only', () => {
    const machineRole = resources('AWS::IAM::Policy').find((p) =>
      JSON.stringify(p.Properties.Roles).includes('RescoreStateMachineRole'),
    );
    const statements = (
      machineRole!.Properties.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown }[];
      }
    ).Statement;
    const invoke = statements.filter((s) => JSON.stringify(s.Action).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0]!.Resource)).toContain('RescoreFunction');
    expect(JSON.stringify(statements)).not.toContain('dynamodb:');
  });
});
