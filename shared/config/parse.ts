import { formatIssues } from './issues.ts';
import { type ClientConfig, clientConfigSchema } from './schema.ts';

export { formatIssues, formatPath } from './issues.ts';

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

/**
 * Validates an already-parsed configuration object. Returns the whole config or throws a
 * ConfigError listing every issue: a config is never half-loaded.
 */
export function parseClientConfig(raw: unknown, source = 'config'): ClientConfig {
  const result = clientConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, formatIssues(result.error));
  return result.data;
}
