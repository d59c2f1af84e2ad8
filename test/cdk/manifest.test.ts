import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#cdk/build-app.ts';
import { FUNCTIONS, httpRoutes } from '#shared/manifest.ts';

type Props = Record<string, unknown>;
type Resources = Record<string, { Properties: Props }>;

let outdir: string;
let template: Template;
const resources = (type: string) => template.findResources(type) as Resources;
const PREFIX = 'leadscore-example-';

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'leadscore-manifest-'));
  // Bundling is skipped: routes, integrations and function settings do not depend on the code.
  const { stacks } = buildApp({
    client: 'example',
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  template = Template.fromStack(stacks[0]!);
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Short name (`forms`) of the function a logical id designates. */
function functionNameOf(logicalId: string): string {
  const fn = resources('AWS::Lambda::Function')[logicalId];
  return String(fn?.Properties.FunctionName).slice(PREFIX.length);
}

describe('Leadscore-example from the function manifest', () => {
  it("It should deploy exactly the manifest's routes, each integrated with the manifest's function", () => {
    const integrations = resources('AWS::ApiGatewayV2::Integration');
    const deployed = Object.values(resources('AWS::ApiGatewayV2::Route')).map(({ Properties }) => {
      const target = Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      const integration = integrations[target['Fn::Join'][1][1].Ref];
      const uri = integration?.Properties.IntegrationUri as { 'Fn::GetAtt': [string, string] };
      return { routeKey: Properties.RouteKey, fn: functionNameOf(uri['Fn::GetAtt'][0]) };
    });
    const manifest = httpRoutes().map((route) => ({ routeKey: route.key, fn: route.fn }));
    expect(deployed.sort(byRouteKey)).toEqual(manifest.sort(byRouteKey));
  });

  it("It should give each function the manifest's description, timeout and memory size", () => {
    const deployed = Object.values(resources('AWS::Lambda::Function'))
      .map(({ Properties }) => Properties)
      .filter((props) => String(props.FunctionName).startsWith(PREFIX));
    const byName = new Map(deployed.map((props) => [String(props.FunctionName).slice(PREFIX.length), props]));
    // The stream consumer is wired by its own construct, the webhook notifier only for a client
    // with a webhook integration (the example has none); every other function by the manifest's.
    const alwaysBuilt = FUNCTIONS.filter(
      (candidate) => candidate.trigger.kind !== 'stream' && candidate.trigger.kind !== 'integration',
    );
    for (const spec of alwaysBuilt) {
      expect(byName.has(spec.name), spec.name).toBe(true);
    }
    for (const [name, props] of byName) {
      const spec = FUNCTIONS.find((candidate) => candidate.name === name);
      expect(spec, `${name} is not in the manifest`).toBeDefined();
      expect(props, name).toMatchObject({
        Description: spec?.description,
        Timeout: spec?.timeoutSeconds,
        MemorySize: spec?.memoryMb,
      });
    }
  });

  it('It should give the API key secret to the functions of API-key routes only', () => {
    const withKey = Object.values(resources('AWS::Lambda::Function'))
      .filter(({ Properties }) => {
        const env = Properties.Environment as { Variables?: Props } | undefined;
        return env?.Variables?.API_KEY_SECRET_ID !== undefined;
      })
      .map(({ Properties }) => String(Properties.FunctionName).slice(PREFIX.length));
    const apiKeyFunctions = new Set(httpRoutes().flatMap((r) => (r.auth === 'apiKey' ? [r.fn] : [])));
    expect(withKey.sort()).toEqual([...apiKeyFunctions].sort());
  });
});

const byRouteKey = (a: { routeKey: unknown }, b: { routeKey: unknown }) =>
  String(a.routeKey).localeCompare(String(b.routeKey));
