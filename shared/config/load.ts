import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseClientConfig } from './parse.ts';
import type { ClientConfig } from './schema.ts';

export { ConfigError, formatIssues, formatPath, parseClientConfig } from './parse.ts';

/** Parses YAML or JSON text (JSON is valid YAML, but JSON files get JSON's error messages). */
export function parseClientConfigText(text: string, source = 'config'): ClientConfig {
  let raw: unknown;
  try {
    raw = extname(source) === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ConfigError(source, [`(syntax): ${(error as Error).message}`]);
  }
  return parseClientConfig(raw, source);
}

/** Loads `clients/<name>.yaml` (or .yml / .json) or an explicit file path. */
export function loadClientConfig(nameOrPath: string, clientsDir = 'clients'): ClientConfig {
  const path = /[/\\]|\.(ya?ml|json)$/.test(nameOrPath) ? nameOrPath : findClientFile(nameOrPath, clientsDir);
  const config = parseClientConfigText(readFileSync(path, 'utf8'), path);
  const stem = basename(path).replace(/\.(ya?ml|json)$/, '');
  if (config.client !== stem) {
    throw new ConfigError(path, [`client: "${config.client}" must match the file name "${stem}"`]);
  }
  return config;
}

function findClientFile(name: string, clientsDir: string): string {
  for (const ext of ['.yaml', '.yml', '.json']) {
    const candidate = join(clientsDir, `${name}${ext}`);
    try {
      readFileSync(candidate, { flag: 'r' });
      return candidate;
    } catch {}
  }
  throw new ConfigError(join(clientsDir, name), [`(file): no ${name}.yaml, .yml or .json in ${clientsDir}/`]);
}
