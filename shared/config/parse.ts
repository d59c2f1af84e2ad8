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

/** Every zod issue as `path: message`: field errors in document order, then cross-field ones. */
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
