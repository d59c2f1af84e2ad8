import type { ClientConfig } from './schema.ts';

let cached: ClientConfig | undefined;

/**
 * The client configuration a function runs with: the output of `loadClientConfig`, already
 * validated, as JSON. Deployed, the CDK validates the client file at synth and bundles the result
 * into the code as `process.env.LEADSCORE_CLIENT_CONFIG` (an esbuild define, so no size-limited
 * environment variable and no file read); the local runtime sets the same variable from the same
 * function. Functions never parse YAML, so the YAML parser stays out of their bundles.
 *
 * It is not validated again here: the validated config is a fixed point of the schema
 * (`test/unit/config-runtime.test.ts` checks every client file), so a second pass could only
 * repeat the first, and building and running the schema was a fifth of a cold start
 * (`npm run bench -- coldstart`). The function's bundle holds no config schema.
 */
export function runtimeClientConfig(): ClientConfig {
  if (cached) return cached;
  const inline = process.env.LEADSCORE_CLIENT_CONFIG;
  if (!inline) {
    throw new Error('No client configuration: set LEADSCORE_CLIENT_CONFIG (the validated config as JSON)');
  }
  const config = JSON.parse(inline) as ClientConfig;
  if (typeof config !== 'object' || config === null || typeof config.client !== 'string') {
    throw new Error('LEADSCORE_CLIENT_CONFIG is not a client configuration (no "client" name)');
  }
  cached = config;
  return cached;
}

/** For tests and the local runtime: use this configuration from now on. */
export function setRuntimeClientConfig(config: ClientConfig): void {
  cached = config;
}
