/**
 * The Lambda assets of one client's stack, built as `cdk synth` builds them (the same
 * `buildApp`, hence the same `LeadscoreFunction` bundling: esbuild options, data files, source
 * maps), for `bench/coldstart.ts` to zip and import.
 */
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { buildApp } from '#cdk/build-app.ts';
import { LeadscoreFunction } from '#cdk/constructs/leadscore-function.ts';
import { FUNCTIONS } from '#shared/manifest.ts';

/** One function's asset as the cloud assembly holds it. */
export interface FunctionAsset {
  /** The manifest name (`forms`, `notify-slack`, …). */
  readonly name: string;
  readonly functionName: string;
  /** The asset folder (`index.mjs` and its data files). */
  readonly dir: string;
  /** The function's environment, CloudFormation references replaced by dummy values. */
  readonly environment: Record<string, string>;
  readonly memoryMb: number;
}

interface FunctionResource {
  Type: string;
  Properties: {
    FunctionName?: string;
    MemorySize?: number;
    Code?: { S3Key?: unknown };
    Environment?: { Variables?: Record<string, unknown> };
  };
}

/**
 * Synthesizes `client`'s stack into `outdir` (cdk-nag on, as `cdk synth`) and returns the asset
 * of every function of the manifest the stack builds, and the names of those it does not (a
 * channel the client's configuration leaves off).
 */
export function synthesizeAssets(
  client: string,
  outdir: string,
): { assets: FunctionAsset[]; notBuilt: string[] } {
  const { app, stacks } = buildApp({ client, outdir, builtinCloudFormationValidation: false });
  const stack = stacks[0];
  if (!stack) throw new Error(`no stack for client ${client}`);
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, FunctionResource>;
  };
  const built = new Map(
    stack.node
      .findAll()
      .filter((construct): construct is LeadscoreFunction => construct instanceof LeadscoreFunction)
      .map((fn) => [fn.shortName as string, stack.getLogicalId(fn.node.defaultChild as CfnElement)]),
  );
  const notBuilt = FUNCTIONS.filter((spec) => !built.has(spec.name)).map((spec) => spec.name);
  const assets = FUNCTIONS.filter((spec) => built.has(spec.name)).map((spec): FunctionAsset => {
    const resource = template.Resources[built.get(spec.name)!];
    const key = resource?.Properties.Code?.S3Key;
    if (!resource || typeof key !== 'string')
      throw new Error(`no asset for function ${spec.name} in the template`);
    return {
      name: spec.name,
      functionName: String(resource.Properties.FunctionName),
      dir: join(outdir, `asset.${key.replace(/\.zip$/, '')}`),
      environment: dummyEnvironment(resource.Properties.Environment?.Variables ?? {}),
      memoryMb: resource.Properties.MemorySize ?? 128,
    };
  });
  return { assets, notBuilt };
}

/** What a pseudo parameter is in the stand-in account. */
const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * A CloudFormation value with its references replaced by dummy names (`Ref` of a resource,
 * `Fn::GetAtt`, a URL for an endpoint attribute), so that a joined value keeps its shape
 * (`https://<dummy>.execute-api…/`) and the function's env schema accepts it.
 */
function dummyValue(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const [[intrinsic, argument] = []] = Object.entries((value ?? {}) as Record<string, unknown>);
  if (intrinsic === 'Ref')
    return PSEUDO_PARAMETERS[String(argument)] ?? `dummy${String(argument).toLowerCase()}`;
  if (intrinsic === 'Fn::GetAtt') {
    const [resource = '', attribute = ''] = [argument].flat().map(String);
    const name = `dummy${resource.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    // An endpoint or URL attribute (the HTTP API's ApiEndpoint) is a URL; the rest are names and ARNs.
    return /(Endpoint|Url)$/.test(attribute) ? `https://${name}.example.com` : name;
  }
  if (intrinsic === 'Fn::Join' && Array.isArray(argument)) {
    const [separator, parts] = argument as [string, unknown[]];
    return parts.map(dummyValue).join(separator);
  }
  throw new Error(`no dummy for ${JSON.stringify(value)}`);
}

function dummyEnvironment(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, dummyValue(value)]));
}
