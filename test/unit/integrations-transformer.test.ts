/**
 * The input transformer as the EventBridge user guide documents it ("Amazon EventBridge input
 * transformation": its EC2 example event and templates, and "Common issues with transforming
 * input"), and payload templates compiled to it.
 */
import { describe, expect, it } from 'vitest';
import type { BusEnvelope } from '#shared/events/contracts.ts';
import { applyInputTransformer, evaluateJsonPath } from '#shared/integrations/input-transformer.ts';
import { compilePathParameters, compileTemplate, TemplateError } from '#shared/integrations/template.ts';

const RULE = { ruleName: 'leadscore-acme-sync-crm', ruleArn: 'arn:aws:events:us-east-1:1:rule/b/r' };

/** The guide's example event. */
const EC2 = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING' },
} as BusEnvelope;
const PATHS: Record<string, string> = { instance: '$.detail.instance-id', state: '$.detail.state' };
const transform = (inputTemplate: string, event: BusEnvelope = EC2, inputPathsMap = PATHS) =>
  applyInputTransformer({ inputPathsMap, inputTemplate }, event, RULE);

describe('EventBridge input transformer', () => {
  it('It should fill a text template with the raw values, as the guide example shows', () => {
    expect(transform('<instance> is in state <state>')).toBe('i-0123456789 is in state RUNNING');
    expect(transform('<instance> is in state "<state>"')).toBe('i-0123456789 is in state "RUNNING"');
  });

  it('It should quote a string placed outside quotes and not quote it again inside them', () => {
    expect(JSON.parse(transform('{"instance": <instance>, "state": <state>}'))).toEqual({
      instance: 'i-0123456789',
      state: 'RUNNING',
    });
    expect(JSON.parse(transform('{"instance": "<instance>", "state": [9, <state>, true]}'))).toEqual({
      instance: 'i-0123456789',
      state: [9, 'RUNNING', true],
    });
    expect(JSON.parse(transform('{"myStatus": "<instance> is in state \\"<state>\\""}'))).toEqual({
      myStatus: 'i-0123456789 is in state "RUNNING"',
    });
  });

  it('It should keep a number a number unquoted, write it as text inside quotes', () => {
    const event = {
      ...EC2,
      detail: { score: 42, reasons: ['a', 'b'], owner: { name: 'Sam' } },
    } as BusEnvelope;
    const paths = { score: '$.detail.score', reasons: '$.detail.reasons', owner: '$.detail.owner' };
    expect(
      JSON.parse(transform('{"n": <score>, "s": "<score>", "r": <reasons>, "o": <owner>}', event, paths)),
    ).toEqual({ n: 42, s: '42', r: ['a', 'b'], o: { name: 'Sam' } });
    // An object or array inside a string loses its inner quotes, so the string stays valid.
    expect(JSON.parse(transform('{"text": "owner <owner>, reasons <reasons>"}', event, paths))).toEqual({
      text: 'owner {name:Sam}, reasons [a,b]',
    });
  });

  it('It should leave nothing where a path matches no field, and know the predefined variables', () => {
    expect(transform('{"x": "<missing>"}', EC2, { missing: '$.detail.nope' })).toBe('{"x": ""}');
    expect(transform('<aws.events.rule-name> <aws.events.rule-arn>')).toBe(
      `${RULE.ruleName} ${RULE.ruleArn}`,
    );
    expect(JSON.parse(transform('{"event": <aws.events.event.json>}'))).toEqual({ event: EC2 });
    expect(transform('<aws.events.event.ingestion-time>')).toBe('2015-11-11T21:29:54.000Z');
  });

  it('It should read dot-notation JSONPath with array indices, and $ as the whole event', () => {
    expect(evaluateJsonPath(EC2, '$.resources[0]')).toBe(EC2.resources[0]);
    expect(evaluateJsonPath(EC2, '$.detail.instance-id')).toBe('i-0123456789');
    expect(evaluateJsonPath(EC2, '$')).toBe(EC2);
    expect(evaluateJsonPath(EC2, '$.detail.state.deeper')).toBeUndefined();
  });
});

const LEAD = {
  ...EC2,
  'detail-type': 'Lead Scored',
  source: 'leadscore.acme',
  detail: {
    id: 'e1',
    leadId: 'lead-1',
    newScore: 57,
    grade: 'B',
    company: 'Acme "Best" Inc',
    email: 'j@acme.com',
  },
} as BusEnvelope;

describe('Payload templates', () => {
  it('It should compile a placeholder that is a whole string to a typed value, one inside text to a string', () => {
    const compiled = compileTemplate({
      score: '{{detail.newScore}}',
      scoreText: '{{ detail.newScore | string }}',
      line: 'Lead {{detail.leadId}} scored {{detail.newScore}}',
      company: '{{detail.company}}',
      fixed: [1, true, null, 'plain'],
    });
    expect(compiled.inputPathsMap).toEqual({
      newScore: '$.detail.newScore',
      leadId: '$.detail.leadId',
      company: '$.detail.company',
    });
    expect(JSON.parse(applyInputTransformer(compiled, LEAD, RULE))).toEqual({
      score: 57,
      scoreText: '57',
      line: 'Lead lead-1 scored 57',
      company: 'Acme "Best" Inc',
      fixed: [1, true, null, 'plain'],
    });
  });

  it('It should escape literal text and keys, so the template stays valid JSON', () => {
    const compiled = compileTemplate({ 'say "hi"': 'a "quoted" \\ text {{detail.grade}}' });
    expect(JSON.parse(applyInputTransformer(compiled, LEAD, RULE))).toEqual({
      'say "hi"': 'a "quoted" \\ text B',
    });
  });

  it('It should refuse placeholders that name no event field, and text EventBridge would misread', () => {
    const problem = (template: unknown) => {
      try {
        compileTemplate(template);
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateError);
        return { path: (error as TemplateError).path, message: (error as TemplateError).message };
      }
      throw new Error('compiled');
    };
    expect(problem({ a: { b: '{{detail.newscore}}' } })).toEqual({
      path: ['a', 'b'],
      message: expect.stringContaining('no detail field "newscore"'),
    });
    expect(problem(['{{lead.email}}'])).toMatchObject({
      path: [0],
      message: expect.stringContaining('must start with'),
    });
    expect(problem({ x: 'see <b>this</b>' })).toMatchObject({
      message: expect.stringContaining('angle brackets'),
    });
    expect(problem({ x: 'half {{detail.grade' })).toMatchObject({
      message: expect.stringContaining('unbalanced'),
    });
  });

  it('It should compile path parameters to JSONPaths and refuse text around them', () => {
    expect(compilePathParameters(['{{detail.leadId}}', '{{ detail.email }}'])).toEqual([
      '$.detail.leadId',
      '$.detail.email',
    ]);
    expect(() => compilePathParameters(['lead-{{detail.leadId}}'])).toThrow(TemplateError);
  });
});
