import { loadClientConfig, parseClientConfig } from './load.ts';
import type { ClientConfig } from './schema.ts';

let cached: ClientConfig | undefined;

/**
 * The client configuration a function runs with. Deployed, the CDK bundles it into the code as
 * `process.env.LEADSCORE_CLIENT_CONFIG` (an esbuild define, so no size-limited environment
 * variable and no file read); locally it comes from that variable or `LEADSCORE_CONFIG_PATH`.
 */
export function runtimeClientConfig(): ClientConfig {
  if (cached) return cached;
  const inline = process.env.LEADSCORE_CLIENT_CONFIG;
  if (inline) {
    cached = parseClientConfig(JSON.parse(inline), 'LEADSCORE_CLIENT_CONFIG');
  } else if (process.env.LEADSCORE_CONFIG_PATH) {
    cached = loadClientConfig(process.env.LEADSCORE_CONFIG_PATH);
  } else {
    throw new Error('No client configuration: set LEADSCORE_CLIENT_CONFIG or LEADSCORE_CONFIG_PATH');
  }
  return cached;
}

/** For tests and the local runtime: use this configuration from now on. */
export function setRuntimeClientConfig(config: ClientConfig): void {
  cached = config;
}
