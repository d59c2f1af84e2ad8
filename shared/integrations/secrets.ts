import { readFile } from 'node:fs/promises';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/**
 * Where an integration's credentials come from. Deployed, its Secrets Manager secret (JSON such as
 * `{"signingSecret": ...}` or `{"apiKey": ...}`), read through Powertools with a cache; locally
 * (`npm start`, tests) the file `LEADSCORE_SECRETS_FILE` (default `<data dir>/secrets.json`)
 * holding `{ "<secret name>": { ...the same JSON... } }`, read on every use so that a secret
 * added while the stack runs is picked up. Values are never logged.
 */
export type IntegrationSecretReader = (secretName: string) => Promise<Record<string, unknown>>;

/** A secret that is missing or not a JSON object; the message never holds its value. */
export class IntegrationSecretError extends Error {
  override name = 'IntegrationSecretError';
}

function asObject(secretName: string, value: unknown): Record<string, unknown> {
  const parsed = typeof value === 'string' ? safeJson(value) : value;
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    return parsed as Record<string, unknown>;
  }
  throw new IntegrationSecretError(`Secret ${secretName} does not hold a JSON object`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads secrets from a local JSON file of `{ name: value }` (the local stack's stand-in). */
export function localSecretReader(file: string): IntegrationSecretReader {
  return async (secretName) => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new IntegrationSecretError(`No secret ${secretName}: ${file} does not exist`);
    }
    const all = asObject(file, safeJson(text));
    if (!(secretName in all)) throw new IntegrationSecretError(`No secret ${secretName} in ${file}`);
    return asObject(secretName, all[secretName]);
  };
}

/** Reads secrets from Secrets Manager, cached for `maxAgeSeconds` across invocations. */
export function secretsManagerReader(maxAgeSeconds = 300): IntegrationSecretReader {
  return async (secretName) => asObject(secretName, await getSecret(secretName, { maxAge: maxAgeSeconds }));
}

/** One string field of a secret; throws naming the secret and the field, never the value. */
export function secretField(secretName: string, secret: Record<string, unknown>, field: string): string {
  const value = secret[field];
  if (typeof value !== 'string' || value === '') {
    throw new IntegrationSecretError(`Secret ${secretName} has no string field "${field}"`);
  }
  return value;
}
