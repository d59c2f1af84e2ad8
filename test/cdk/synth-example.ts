import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '#cdk/build-app.ts';
import type { LeadscoreStack } from '#cdk/stack.ts';

/** One synthesized example stack, shared by the tests of a file (bundling six functions is slow). */
export interface SynthesizedStack {
  stack: LeadscoreStack;
  template: Template;
  /** The cloud assembly directory (asset folders hold each function's `index.mjs`). */
  outdir: string;
  /** What cdk-nag AwsSolutions reports when run again on the synthesized tree, warnings included. */
  nag: PolicyValidationPluginReport;
}

/**
 * Synthesizes `Leadscore-example` from `clients/example.yaml` exactly as `cdk synth` does
 * (cdk-nag registered on the app, so an unacknowledged error throws here), without the
 * built-in CloudFormation schema validation that `npm run synth` runs (it adds ~10 s).
 */
export function synthExample(): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'leadscore-cdk-'));
  const { stacks } = buildApp({ client: 'example', outdir, builtinCloudFormationValidation: false });
  const stack = stacks[0];
  if (!stack) throw new Error('buildApp built no stack for the example client');
  const template = Template.fromStack(stack);
  const nag = new AwsSolutionsChecks().validateScope(stack);
  return { stack, template, outdir, nag };
}

/** A function's asset folder in the cloud assembly: its code's S3 key names it. */
export function assetDirOf(synth: SynthesizedStack, functionName: string): string {
  const functions = synth.template.findResources('AWS::Lambda::Function', {
    Properties: { FunctionName: functionName },
  });
  const [resource] = Object.values(functions) as { Properties: { Code: { S3Key?: unknown } } }[];
  const key = resource?.Properties.Code.S3Key;
  if (typeof key !== 'string') throw new Error(`no asset for ${functionName}`);
  return join(synth.outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

/** The bundled code (`index.mjs`) of a function. */
export const bundleOf = (synth: SynthesizedStack, functionName: string): string =>
  readFileSync(join(assetDirOf(synth, functionName), 'index.mjs'), 'utf8');
