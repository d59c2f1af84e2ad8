import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleAsset } from '#shared/api/console-assets.ts';
import { CONSOLE_ASSET_FILES, CONSOLE_ASSETS } from '#shared/api/console-files.ts';
import { assetDirOf, type SynthesizedStack, synthExample } from './synth-example.ts';

/**
 * The sales console deployed (README "The sales console"): its function ships the console's
 * files beside its bundle, answers the public `/console` routes, and may read nothing else.
 */
let synth: SynthesizedStack;
const CONSOLE_FUNCTION = 'leadscore-example-console';

type Resources = Record<string, { Properties: Record<string, unknown> }>;

beforeAll(() => {
  synth = synthExample();
}, 240_000);

afterAll(() => rmSync(synth.outdir, { recursive: true, force: true }));

describe('The console function of Leadscore-example', () => {
  it('It should ship every console file (pages, scripts, ECharts) beside its bundle, byte for byte', () => {
    const assetDir = assetDirOf(synth, CONSOLE_FUNCTION);
    expect(existsSync(join(assetDir, 'index.mjs'))).toBe(true);
    expect(CONSOLE_ASSET_FILES).toContain('node_modules/echarts/dist/echarts.min.js');
    for (const file of CONSOLE_ASSET_FILES) {
      expect(existsSync(join(assetDir, file)), file).toBe(true);
      expect(readFileSync(join(assetDir, file)).equals(readFileSync(file)), file).toBe(true);
    }
  });

  it('It should serve each page from the asset folder as the deployed function does (from LAMBDA_TASK_ROOT)', async () => {
    const assetDir = assetDirOf(synth, CONSOLE_FUNCTION);
    for (const name of Object.keys(CONSOLE_ASSETS)) {
      const response = await consoleAsset(name, undefined, assetDir);
      expect(response.statusCode, name).toBe(200);
      expect(response.body, name).toBe(readFileSync(CONSOLE_ASSETS[name]!, 'utf8'));
    }
  });

  it('It should answer GET /console and GET /console/{asset} without an authorizer', () => {
    const routes = Object.values(synth.template.findResources('AWS::ApiGatewayV2::Route') as Resources)
      .map((r) => r.Properties)
      .filter((p) => String(p.RouteKey).startsWith('GET /console'));
    expect(routes.map((p) => p.RouteKey).sort()).toEqual(['GET /console', 'GET /console/{asset}']);
    for (const route of routes) expect(route.AuthorizationType ?? 'NONE').toBe('NONE');
  });

  it('It should give the console function no table, bus or secret', () => {
    const functions = synth.template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: CONSOLE_FUNCTION },
    }) as Resources;
    const [fn] = Object.values(functions);
    if (fn === undefined) throw new Error(`no function ${CONSOLE_FUNCTION}`);
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).not.toHaveProperty('TABLE_NAME');
    expect(env).not.toHaveProperty('API_KEY_SECRET_ID');
    const role = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const policies = Object.values(synth.template.findResources('AWS::IAM::Policy') as Resources).filter(
      (p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role),
    );
    const actions = policies.flatMap((p) =>
      (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (s) => s.Action,
      ),
    );
    expect(actions.filter((a) => /^(dynamodb|secretsmanager|events):/.test(a))).toEqual([]);
  });
});
