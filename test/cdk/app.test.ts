import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, clientFiles } from '#cdk/build-app.ts';
import { PROJECT_ROOT } from '#cdk/constructs/leadscore-function.ts';
import { ConfigError } from '#shared/config/load.ts';

const BROKEN = `client: broken
displayName: ""
model:
  version: 7
  fit: { rules: [] }
  engagement: { rules: [] }
notifications:
  email: { from: not-an-email }
  routing: { default: { owner: { name: Sam, email: sam@example.com } } }
`;

let clientsDir: string;
let outdir: string;

beforeAll(() => {
  clientsDir = mkdtempSync(join(tmpdir(), 'leadscore-clients-'));
  outdir = mkdtempSync(join(tmpdir(), 'leadscore-cdk-out-'));
  const example = readFileSync(join(PROJECT_ROOT, 'clients', 'example.yaml'), 'utf8');
  writeFileSync(join(clientsDir, 'example.yaml'), example);
  writeFileSync(join(clientsDir, 'acme.yml'), example.replaceAll('example', 'acme'));
  writeFileSync(join(clientsDir, 'client.schema.json'), '{}');
  writeFileSync(join(clientsDir, 'README.md'), '# not a client');
});

afterAll(() => {
  rmSync(clientsDir, { recursive: true, force: true });
  rmSync(outdir, { recursive: true, force: true });
});

describe('cdk app', () => {
  it('It should take every YAML or JSON client file except the JSON schema', () => {
    expect(clientFiles(clientsDir)).toEqual([join(clientsDir, 'acme.yml'), join(clientsDir, 'example.yaml')]);
  });

  it('It should build one Leadscore-<client> stack per client file, every name carrying the client', () => {
    // Bundling is skipped here: stack and resource names do not depend on the code.
    const { stacks } = buildApp({
      clientsDir,
      outdir,
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    expect(stacks.map((s) => s.stackName)).toEqual(['Leadscore-acme', 'Leadscore-example']);
    for (const stack of stacks) {
      const client = stack.stackName.replace('Leadscore-', '');
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: `leadscore-${client}` });
      template.hasResourceProperties('AWS::Events::EventBus', { Name: `leadscore-${client}` });
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: `leadscore-${client}` });
      template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: `leadscore-${client}-forms` });
      template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `leadscore/${client}/api-key` });
    }
  });

  it('It should refuse a bad client file with every configuration error listed by path', () => {
    writeFileSync(join(clientsDir, 'broken.yaml'), BROKEN);
    try {
      expect(() => buildApp({ client: 'broken', clientsDir, outdir })).toThrow(ConfigError);
      try {
        buildApp({ client: 'broken', clientsDir, outdir });
      } catch (error) {
        const issues = (error as ConfigError).issues.join('\n');
        expect(issues).toMatch(/^displayName: /m);
        expect(issues).toMatch(/^model\.version: /m);
        expect(issues).toMatch(/^notifications\.email\.from: /m);
      }
    } finally {
      rmSync(join(clientsDir, 'broken.yaml'));
    }
  });

  it('It should make `cdk synth -c client=<bad>` exit 1 with the errors and no stack trace', () => {
    writeFileSync(join(clientsDir, 'broken.yaml'), BROKEN);
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'cdk/app.ts'], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ client: 'broken', clientsDir }),
        },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${join(clientsDir, 'broken.yaml')}: `);
      expect(run.stderr).toMatch(/^\s+model\.version: /m);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(join(clientsDir, 'broken.yaml'));
    }
  }, 120_000);
});
