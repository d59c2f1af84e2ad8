import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadClientConfig } from '#shared/config/load.ts';
import { compileModel } from '#shared/scoring/model.ts';
import { clientsDir } from './paths.ts';
import { addExamples, clientOption, jsonOption } from './usage.ts';

const CONFIG_FILE = /\.(ya?ml|json)$/;
/** The generated JSON Schema of the config lives beside the configs; it is not one. */
const SCHEMA_FILE = 'client.schema.json';

export interface ValidationResult {
  readonly path: string;
  /** Empty when the configuration is valid. */
  readonly errors: readonly string[];
}

/** The file a target names: a path as given, else clients/<name>.yaml|.yml|.json. */
export function configPathOf(target: string, clientsDir = 'clients'): string {
  if (/[/\\]/.test(target) || CONFIG_FILE.test(target)) return target;
  const found = ['.yaml', '.yml', '.json'].map((ext) => join(clientsDir, `${target}${ext}`)).find(existsSync);
  return found ?? join(clientsDir, `${target}.yaml`);
}

/** Every configuration file in `clientsDir`, in name order. */
export function allConfigFiles(clientsDir = 'clients'): string[] {
  return readdirSync(clientsDir)
    .filter((name) => CONFIG_FILE.test(name) && name !== SCHEMA_FILE)
    .sort()
    .map((name) => join(clientsDir, name));
}

/**
 * Validates one configuration as a deployment would load it: schema and cross-references
 * (zod), the file name matching `client`, then compiling the model (regexes, lists).
 */
export function validateConfigFile(path: string): ValidationResult {
  if (!existsSync(path)) return { path, errors: ['(file): not found'] };
  try {
    compileModel(loadClientConfig(path));
    return { path, errors: [] };
  } catch (error) {
    if (error instanceof ConfigError) return { path, errors: error.issues };
    return { path, errors: [`(model): ${(error as Error).message}`] };
  }
}

export interface ValidateOptions {
  /** Client names or files; none: `client`, else every file in clients/. */
  readonly targets: readonly string[];
  readonly client?: string | undefined;
  readonly json?: boolean | undefined;
}

/** `leadscore validate [client|path...]`: its arguments, options and help. */
export function defineValidateCommand(): Command {
  const command = new Command('validate')
    .summary('check client configurations')
    .description(
      'Validates client configurations as a deployment loads them: the schema, cross-references, the ' +
        'file name matching `client`, and the model compiling. Prints OK or every error with its path; ' +
        'exits 1 when a file has errors.',
    )
    .argument(
      '[client|file...]',
      'client names (clients/<name>.yaml) or files; default: --client, else every file in clients/',
    )
    .addOption(clientOption())
    .addOption(jsonOption('the results by file ({ results: [{ path, errors }], failed })'));
  return addExamples(command, [
    'leadscore validate',
    'leadscore validate acme clients/beta.yaml',
    'leadscore validate --client acme --json',
  ]);
}

/** `leadscore validate [client|path...]`: prints OK or each error by path; 1 when any failed. */
export function validateCommand(options: ValidateOptions): number {
  const dir = clientsDir();
  const named = options.targets.length > 0 ? options.targets : options.client ? [options.client] : [];
  const paths = named.length > 0 ? named.map((t) => configPathOf(t, dir)) : allConfigFiles(dir);
  const results = paths.map(validateConfigFile);
  const failed = results.filter((r) => r.errors.length > 0).length;
  if (options.json) {
    console.log(JSON.stringify({ results, failed }, null, 2));
    return failed > 0 ? 1 : 0;
  }
  for (const { path, errors } of results) {
    if (errors.length === 0) {
      console.log(`OK    ${path}`);
      continue;
    }
    console.log(`FAIL  ${path} (${errors.length} error${errors.length === 1 ? '' : 's'})`);
    for (const error of errors) console.log(`  ${error}`);
  }
  if (results.length === 0) console.log('No configuration files found.');
  else if (failed > 0) console.log(`${failed} of ${results.length} configuration(s) have errors.`);
  return failed > 0 ? 1 : 0;
}
