import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClientConfig } from '#shared/config/load.ts';
import { THANKS_ROUTE } from '#shared/manifest.ts';
import { exampleClientText, type SynthesizedClients, synthClients } from './support/synth-clients.ts';

type Props = Record<string, unknown>;
type Statement = { Action: string | string[]; Resource: unknown };

let synth: SynthesizedClients;
let template: Template;
const entries = (type: string, props: Props = {}) =>
  Object.entries(template.findResources(type, { Properties: props })) as [string, { Properties: Props }][];
const functionNamed = (name: string) => {
  const [entry] = entries('AWS::Lambda::Function', { FunctionName: `leadscore-example-${name}` });
  if (!entry) throw new Error(`no function ${name}`);
  return { id: entry[0], env: (entry[1].Properties.Environment as { Variables: Props }).Variables };
};
const linkSecretRef = () => {
  const [entry] = entries('AWS::SecretsManager::Secret', { Name: 'leadscore/example/lead-link-key' });
  return { Ref: entry?.[0] };
};
/** The secrets a function's role may read. */
function secretsReadBy(name: string): unknown[] {
  const [entry] = entries('AWS::Lambda::Function', { FunctionName: `leadscore-example-${name}` });
  if (!entry) throw new Error(`no function ${name}`);
  const role = (entry[1].Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return entries('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
    .map((s) => s.Resource);
}

beforeAll(() => {
  synth = synthClients({ example: exampleClientText() });
  const [example] = synth.stacks;
  if (!example) throw new Error('no stack for the example client');
  template = example.template;
}, 300_000);
afterAll(() => synth?.cleanup());

describe('Leadscore-example: pages a browser opens deployed', () => {
  it('It should serve the demo form’s redirect, /thanks.html, from the API (a route to the lead-page function)', () => {
    expect(loadClientConfig('example').forms['demo-request']?.redirectUrl).toBe('/thanks.html');
    const [route] = entries('AWS::ApiGatewayV2::Route', { RouteKey: THANKS_ROUTE });
    expect(route?.[1].Properties.AuthorizationType).toBe('NONE');
    const target = JSON.stringify(route?.[1].Properties.Target);
    const [integrationId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Integration')).filter(
      (id) => target.includes(id),
    );
    const integration = template.findResources('AWS::ApiGatewayV2::Integration')[integrationId ?? ''] as {
      Properties: Props;
    };
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(functionNamed('lead-page').id);
  });

  it('It should serve the signed lead page from the API, its function reading the lead-link secret', () => {
    expect(entries('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /v1/leads/{leadId}/view' })).toHaveLength(1);
    expect(functionNamed('lead-page').env.LEAD_LINK_SECRET_ID).toEqual(linkSecretRef());
    expect(secretsReadBy('lead-page')).toEqual([linkSecretRef()]);
  });

  it('It should let the notifiers sign links to the API’s URL with the same secret', () => {
    for (const name of ['notify-slack', 'notify-email']) {
      const { env } = functionNamed(name);
      expect(env.LEAD_LINK_SECRET_ID).toEqual(linkSecretRef());
      const [api] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
      expect(env.LEAD_URL_BASE).toEqual({ 'Fn::GetAtt': [api, 'ApiEndpoint'] });
      expect(secretsReadBy(name)).toContainEqual(linkSecretRef());
    }
    // The API key stays with the API-key routes: neither the page nor the notifiers get it.
    const [apiKey] = entries('AWS::SecretsManager::Secret', { Name: 'leadscore/example/api-key' });
    for (const name of ['lead-page', 'notify-slack', 'notify-email'])
      expect(secretsReadBy(name)).not.toContainEqual({ Ref: apiKey?.[0] });
  });
});
