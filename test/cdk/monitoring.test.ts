import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLED_FAILURE_METRIC } from '#shared/http/handled-failures.ts';
import { functionsTriggeredBy } from '#shared/manifest.ts';
import { exampleClientText, type SynthesizedClients, synthClients } from './support/synth-clients.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

let synth: SynthesizedClients;
let template: Template;
const resources = (type: string) => Object.values(template.findResources(type)) as Resource[];
const alarmNamed = (name: string) => {
  const alarm = resources('AWS::CloudWatch::Alarm').find((a) => a.Properties.AlarmName === name);
  if (!alarm) throw new Error(`no alarm ${name}`);
  return alarm.Properties;
};
const topicRef = () => ({ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] });

beforeAll(() => {
  synth = synthClients({ example: exampleClientText() });
  const [example] = synth.stacks;
  if (!example) throw new Error('no stack for the example client');
  template = example.template;
}, 300_000);
afterAll(() => synth?.cleanup());

describe('Leadscore-example: alarms reach people', () => {
  it('It should send every alarm, firing and clearing, to the client’s encrypted alarm topic', () => {
    const [topic] = resources('AWS::SNS::Topic');
    expect(topic?.Properties).toMatchObject({
      TopicName: 'leadscore-example-alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
    });
    const alarms = resources('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(15);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions, String(alarm.Properties.AlarmName)).toEqual([topicRef()]);
      expect(alarm.Properties.OKActions, String(alarm.Properties.AlarmName)).toEqual([topicRef()]);
    }
  });

  it('It should subscribe the client file’s alarms.email and let CloudWatch publish through the key', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example-analytics.com',
      TopicArn: topicRef(),
    });
    const key = resources('AWS::KMS::Key')[0]?.Properties as {
      EnableKeyRotation: boolean;
      KeyPolicy: { Statement: { Principal: { Service?: string }; Action: string[] }[] };
    };
    expect(key.EnableKeyRotation).toBe(true);
    const cloudwatch = key.KeyPolicy.Statement.find(
      (s) => s.Principal.Service === 'cloudwatch.amazonaws.com',
    );
    expect(cloudwatch?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
  });

  it('It should alarm on any 5xx answered by the HTTP API', () => {
    const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0];
    expect(alarmNamed('leadscore-example-api-5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('It should alarm on the handled-failure metric of every HTTP function, this client’s only', () => {
    for (const { name } of functionsTriggeredBy('http')) {
      expect(alarmNamed(`leadscore-example-${name}-handled-failures`)).toMatchObject({
        Namespace: 'leadscore',
        MetricName: HANDLED_FAILURE_METRIC,
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: name },
          { Name: 'client', Value: 'example' },
        ]),
        Threshold: 1,
      });
    }
  });
});
