import { parseClientConfig } from './parse.ts';
import type { ClientConfig } from './schema.ts';

let cached: ClientConfig | undefined;

/**
 * The client configuration a function runs with. Deployed, the CDK bundles it into the code as
 * `process.env.LEADSCORE_CLIENT_CONFIG` (an esbuild define, so no size-limited environment
 * variable and no file read); the local runtime sets the same variable. Functions never parse
 * YAML, so the YAML parser stays out of their bundles.
 */
export function runtimeClientConfig(): ClientConfig {
  if (cached) return cached;
  const inline = process.env.LEADSCORE_CLIENT_CONFIG;
  if (inline) {
    cached = parseClientConfig(JSON.parse(inline), 'LEADSCORE_CLIENT_CONFIG');
  } else {
    throw new Error('No client configuration: set LEADSCORE_CLIENT_CONFIG (the validated config as JSON)');
  }
  return cached;
}

/** For tests and the local runtime: use this configuration from now on. */
export function setRuntimeClientConfig(config: ClientConfig): void {
  cached = config;
}
