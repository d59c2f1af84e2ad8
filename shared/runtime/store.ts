import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { Leadscore } from '#shared/app/leadscore.ts';
import { documentClient } from '#shared/clients/aws.ts';
import { runtimeClientConfig } from '#shared/config/runtime.ts';

/** The application a function uses, built once at cold start from its environment. */
export function storeFromEnv(env: { TABLE_NAME: string }): Leadscore {
  return Leadscore.forTable({
    doc: documentClient(),
    tableName: env.TABLE_NAME,
    config: runtimeClientConfig(),
  });
}

/**
 * The API key loader: `LEADSCORE_API_KEY` locally; deployed, the Secrets Manager secret named
 * by `API_KEY_SECRET_ID`, cached for five minutes by Powertools Parameters.
 */
export function apiKeyLoader(): () => Promise<string> {
  const local = process.env.LEADSCORE_API_KEY;
  if (local) return async () => local;
  const secretId = process.env.API_KEY_SECRET_ID;
  if (!secretId)
    throw new Error('invalid function environment: API_KEY_SECRET_ID or LEADSCORE_API_KEY is required');
  return async () => {
    const value = await getSecret(secretId, { maxAge: 300 });
    if (typeof value !== 'string' || value === '') throw new Error('the API key secret is empty');
    return value;
  };
}
