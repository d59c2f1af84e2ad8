import { validateRuntimeConfig } from '#shared/config/runtime-validation.ts';
import type { ClientConfig } from './schema.ts';

let cached: ClientConfig | undefined;

/**
 * The client configuration a function runs with. Deployed, the CDK validates the client file at
 * synth and bundles the result into the code as `process.env.LEADSCORE_CLIENT_CONFIG` (an esbuild
 * define, so no size-limited environment variable and no file read), and the bundle trusts it
 * (`validated-at-synth.ts`); run from source, the same variable is validated here
 * (`runtime-validation.ts`): the local runtime sets it from `loadClientConfig`, a test from
 * whatever it wants to run. Functions never parse YAML, so the YAML parser stays out of their
 * bundles.
 */
export function runtimeClientConfig(): ClientConfig {
  if (cached) return cached;
  const inline = process.env.LEADSCORE_CLIENT_CONFIG;
  if (!inline) {
    throw new Error('No client configuration: set LEADSCORE_CLIENT_CONFIG (the validated config as JSON)');
  }
  cached = validateRuntimeConfig(JSON.parse(inline));
  return cached;
}

/** For tests and the local runtime: use this configuration from now on. */
export function setRuntimeClientConfig(config: ClientConfig): void {
  cached = config;
}
