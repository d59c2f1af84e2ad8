import type { ClientConfig } from './schema.ts';

/**
 * The bundles' `validateRuntimeConfig` (in place of `runtime-validation.ts`, by an esbuild alias):
 * the config compiled into a bundle is the output of `loadClientConfig` at synth, a fixed point of
 * the schema (`test/unit/config-runtime.test.ts` checks every client file), so validating it
 * again could only repeat that; building and running the schema was a third of a cold start
 * (`npm run bench -- coldstart`). Only the shape is checked, to fail clearly on a wrong value.
 */
export function validateRuntimeConfig(raw: unknown): ClientConfig {
  const config = raw as ClientConfig | null;
  if (typeof config !== 'object' || config === null || typeof config.client !== 'string') {
    throw new Error('LEADSCORE_CLIENT_CONFIG is not a client configuration (no "client" name)');
  }
  return config;
}
