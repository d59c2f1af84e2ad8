import { loadClientConfig } from '#shared/config/load.ts';
/**
 * The environment contract of the Lambda functions, filled in for the local product. The handlers
 * read it at import time, so it must be in `process.env` before the first handler module loads.
 */

/** What the local stack knows when it starts the functions. */
export interface LocalFunctionEnvInput {
  client: string;
  /** Absolute path of the client configuration file. */
  configPath: string;
  tableName: string;
  eventBusName: string;
  dynamoEndpoint: string;
  eventBridgeEndpoint: string;
  apiKey: string;
  outboxDir: string;
  /** The local stand-in for Secrets Manager (integration secrets), `<data dir>/secrets.json`. */
  secretsFile?: string;
  /** Base URL of the local API, for links to leads in notifications. */
  leadUrlBase: string;
  /** The user's environment: Powertools settings already set there win over the local defaults. */
  inherited?: NodeJS.ProcessEnv;
}

/** Variables to set, and variables to remove because they would override the local setup. */
export interface LocalFunctionEnv {
  set: Record<string, string>;
  unset: string[];
}

/**
 * Builds the function environment for the local product. Credentials are fake and the region is
 * fixed, so the SDK clients work offline and can never reach a real AWS account by accident.
 */
export function localFunctionEnvironment(input: LocalFunctionEnvInput): LocalFunctionEnv {
  const inherited = input.inherited ?? {};
  const set: Record<string, string> = {
    CLIENT_NAME: input.client,
    TABLE_NAME: input.tableName,
    EVENT_BUS_NAME: input.eventBusName,
    LEADSCORE_CONFIG_PATH: input.configPath,
    // As deployed: the validated configuration itself, so functions never parse YAML.
    LEADSCORE_CLIENT_CONFIG: JSON.stringify(loadClientConfig(input.configPath)),
    LEADSCORE_DYNAMODB_ENDPOINT: input.dynamoEndpoint,
    LEADSCORE_EVENTBRIDGE_ENDPOINT: input.eventBridgeEndpoint,
    LEADSCORE_API_KEY: input.apiKey,
    // The local stack's one secret stands in for the deployed lead-link secret: the notifiers
    // sign lead links with a key derived from it and the lead page checks them.
    LEADSCORE_LINK_SECRET: input.apiKey,
    LEADSCORE_OUTBOX_DIR: input.outboxDir,
    ...(input.secretsFile ? { LEADSCORE_SECRETS_FILE: input.secretsFile } : {}),
    LEAD_URL_BASE: input.leadUrlBase,
    POWERTOOLS_SERVICE_NAME: inherited.POWERTOOLS_SERVICE_NAME ?? 'leadscore',
    POWERTOOLS_METRICS_NAMESPACE: 'leadscore',
    POWERTOOLS_LOG_LEVEL: inherited.POWERTOOLS_LOG_LEVEL ?? 'INFO',
    // Metrics would print an EMF JSON document per invocation: noise on a terminal.
    POWERTOOLS_METRICS_DISABLED: inherited.POWERTOOLS_METRICS_DISABLED ?? 'true',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  return { set, unset: ['AWS_SESSION_TOKEN', 'AWS_PROFILE'] };
}

/** Applies a {@link LocalFunctionEnv} to `env` (by default `process.env`). */
export function applyFunctionEnvironment(
  fnEnv: LocalFunctionEnv,
  env: NodeJS.ProcessEnv = process.env,
): void {
  for (const name of fnEnv.unset) delete env[name];
  Object.assign(env, fnEnv.set);
}
