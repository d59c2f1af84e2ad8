import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type ClientConfig, clientConfigSchema } from './schema.ts';

/** A configuration that failed validation; `issues` lists every problem with its path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`${source}: ${issues.length} configuration error(s)\n  ${issues.join('\n  ')}`);
  }
}

/** Formats a zod path as `model.engagement.rules[3].points`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    const name = String(key);
    return out === '' ? name : `${out}.${name}`;
  }, '');
}

/** Every zod issue as `path: message`, in document order. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`);
}

/**
 * Validates an already-parsed configuration object. Returns the whole config or throws a
 * ConfigError listing every issue: a config is never half-loaded.
 */
export function parseClientConfig(raw: unknown, source = 'config'): ClientConfig {
  const result = clientConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, formatIssues(result.error));
  return result.data;
}

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
