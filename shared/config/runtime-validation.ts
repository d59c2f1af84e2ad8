import { parseClientConfig } from './parse.ts';
import type { ClientConfig } from './schema.ts';

/**
 * Validates the configuration a function is started with, as `loadClientConfig` does. This is
 * what runs from source (tests, `npm start`, anything that imports a handler). The CDK's bundles
 * replace this module by `validated-at-synth.ts` (an esbuild alias in
 * `cdk/constructs/leadscore-function.ts`): synth validated the config it compiles into them, so
 * their cold start neither builds the schema nor runs it again.
 */
export function validateRuntimeConfig(raw: unknown): ClientConfig {
  return parseClientConfig(raw, 'LEADSCORE_CLIENT_CONFIG');
}
