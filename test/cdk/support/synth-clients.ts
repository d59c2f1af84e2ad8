import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#cdk/build-app.ts';
import { PROJECT_ROOT } from '#cdk/constructs/leadscore-function.ts';
import type { LeadscoreStack } from '#cdk/stack.ts';

/** The example client file's text, the base of every fixture client. */
export const exampleClientText = (): string =>
  readFileSync(join(PROJECT_ROOT, 'clients', 'example.yaml'), 'utf8');

/** The example copied under another client name (the file is named after it), with edits. */
export function copyOfExample(client: string, edit: (text: string) => string = (text) => text): string {
  return edit(exampleClientText().replace(/^client: example$/m, `client: ${client}`));
}

/** Synthesized stacks of a folder of client files, with their templates and the cloud assembly. */
export interface SynthesizedClients {
  stacks: { stack: LeadscoreStack; template: Template; templateFile: string }[];
  outdir: string;
  clientsDir: string;
  cleanup(): void;
}

/**
 * Writes the client files (`<name>.yaml` -> text) to a temporary folder and synthesizes one
 * stack per file, as `cdk synth` does (cdk-nag registered on the app), writing the templates to a
 * temporary cloud assembly. Bundling is skipped: names, grants and template validity do not depend
 * on the functions' code, and bundling every function of every client takes minutes here.
 */
export function synthClients(files: Record<string, string>): SynthesizedClients {
  const clientsDir = mkdtempSync(join(tmpdir(), 'leadscore-clients-'));
  const outdir = mkdtempSync(join(tmpdir(), 'leadscore-cdk-out-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(clientsDir, `${name}.yaml`), text);
  const { app, stacks } = buildApp({
    clientsDir,
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const assembly = app.synth();
  return {
    stacks: stacks.map((stack) => ({
      stack,
      template: Template.fromStack(stack),
      templateFile: join(outdir, assembly.getStackByName(stack.stackName).templateFile),
    })),
    outdir,
    clientsDir,
    cleanup: () => {
      rmSync(clientsDir, { recursive: true, force: true });
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}

/** The property holding a resource's physical name, by CloudFormation type. */
export const PHYSICAL_NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::ApiGatewayV2::Api': 'Name',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SES::EmailIdentity': 'EmailIdentity',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Events::Connection': 'Name',
  'AWS::Events::ApiDestination': 'Name',
};

/** Every literal physical name a template gives, with its resource type. */
export function physicalNames(template: Template): { type: string; name: string }[] {
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;
  return Object.values(resources).flatMap((resource) => {
    const property = PHYSICAL_NAME_PROPERTY[resource.Type];
    const value = property === undefined ? undefined : resource.Properties?.[property];
    return typeof value === 'string' ? [{ type: resource.Type, name: value }] : [];
  });
}
