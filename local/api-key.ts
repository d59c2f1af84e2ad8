/**
 * The local API key (`x-api-key` for `/v1/events` and `/v1/leads`). Deployed, it lives in Secrets
 * Manager; locally it comes from `LEADSCORE_API_KEY` or is generated once and kept in
 * `<dataDir>/api-key`, so scripts and bookmarks keep working across restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalApiKey {
  apiKey: string;
  /** Where it came from: the environment, the saved file, or generated now (and saved). */
  source: 'environment' | 'file' | 'generated';
  /** `<dataDir>/api-key` */
  file: string;
}

const MIN_KEY_LENGTH = 16;

/** A new random key: 32 bytes, base64url (43 characters). */
export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Returns the key from `fromEnv`, else from `<dataDir>/api-key`, else a new one saved there. */
export async function resolveApiKey(options: { fromEnv?: string; dataDir: string }): Promise<LocalApiKey> {
  const file = join(options.dataDir, 'api-key');
  const fromEnv = options.fromEnv?.trim();
  if (fromEnv) return { apiKey: fromEnv, source: 'environment', file };
  const saved = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (saved.length >= MIN_KEY_LENGTH) return { apiKey: saved, source: 'file', file };
  const apiKey = generateApiKey();
  await mkdir(options.dataDir, { recursive: true });
  await writeFile(file, `${apiKey}\n`, { encoding: 'utf8', mode: 0o600 });
  return { apiKey, source: 'generated', file };
}
