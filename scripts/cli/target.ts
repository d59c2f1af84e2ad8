import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { localDynamoClientConfig, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { readStackFile } from '#local/stack-file.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { ensureTable, tableNameFor } from '#shared/store/table-definition.ts';
import { clientsDir, dataDirOf } from './paths.ts';
import { CliError, clientOf, UsageError } from './usage.ts';

/** Where a command reads and writes, as given on its command line. */
export interface TargetOptions {
  readonly client?: string | undefined;
  /** A DynamoDB endpoint (DynamoDB Local); with neither this nor `table`: the local data directory. */
  readonly endpoint?: string | undefined;
  /** A table name; without `endpoint`, the deployed table in AWS (default credentials and region). */
  readonly table?: string | undefined;
  /** The local data directory (default `LEADSCORE_DATA_DIR`, else the package's `.leadscore`). */
  readonly dataDir?: string | undefined;
}

/** An open application over the chosen table; `close` releases what opening started. */
export interface OpenTarget {
  readonly app: Leadscore;
  /** Says where, for the command's output: `local data directory .leadscore (running npm start)`. */
  readonly describe: string;
  /** The table's name, and the DynamoDB endpoint (undefined: AWS). */
  readonly tableName: string;
  readonly endpoint: string | undefined;
  close(): Promise<void>;
}

const urlSchema = z.url({ protocol: /^https?$/ });

function endpointOf(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!urlSchema.safeParse(value).success)
    throw new UsageError(`--endpoint must be an http(s) URL (got "${value}")`);
  return value;
}

/**
 * Opens the client's table (PRODUCT §7.3), in this order: `--endpoint` (or
 * `LEADSCORE_DYNAMODB_ENDPOINT`); `--table` alone: the deployed table in AWS; else the local
 * data directory: the DynamoDB of a running `npm start` (found in `local-stack.json`), or, when
 * none runs, an embedded DynamoDB Local started on the directory's database for the command.
 */
export async function openTarget(options: TargetOptions, log: (line: string) => void): Promise<OpenTarget> {
  const config = loadClientConfig(clientOf(options.client), clientsDir());
  const tableName = options.table ?? tableNameFor(config.client);
  const endpoint = endpointOf(options.endpoint ?? process.env.LEADSCORE_DYNAMODB_ENDPOINT);
  const open = (
    client: DynamoDBClient,
    describe: string,
    at: string | undefined,
    stop?: () => Promise<void>,
    table: string = tableName,
  ): OpenTarget => ({
    app: Leadscore.forTable({ doc: wrapDocument(client), tableName: table, config }),
    describe,
    tableName: table,
    endpoint: at,
    async close() {
      client.destroy();
      await stop?.();
    },
  });
  if (endpoint) {
    // A DynamoDB Local: the table is created when missing, as npm start does.
    const client = new DynamoDBClient(localDynamoClientConfig(endpoint));
    try {
      await ensureTable(client, tableName);
    } catch (error) {
      client.destroy();
      throw storeProblem(error, tableName, endpoint);
    }
    return open(client, `table ${tableName} at ${endpoint}`, endpoint);
  }
  if (options.table) return open(new DynamoDBClient({}), `table ${tableName} in AWS`, undefined);

  const dataDir = dataDirOf(options.dataDir);
  const running = await readStackFile(dataDir);
  if (running) {
    if (running.client !== config.client)
      throw new UsageError(
        `npm start runs client ${running.client} on ${dataDir}; pass --client ${running.client}`,
      );
    return open(
      new DynamoDBClient(localDynamoClientConfig(running.dynamoEndpoint)),
      `table ${running.tableName} of the running npm start (${dataDir})`,
      running.dynamoEndpoint,
      undefined,
      running.tableName,
    );
  }
  log(`Starting DynamoDB Local on ${dataDir} (npm start is not running)…`);
  await mkdir(join(dataDir, 'dynamodb'), { recursive: true });
  const dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
  const client = new DynamoDBClient(localDynamoClientConfig(dynamo.endpoint));
  try {
    await ensureTable(client, tableName);
  } catch (error) {
    client.destroy();
    await dynamo.stop();
    throw storeProblem(error, tableName, dynamo.endpoint);
  }
  return open(client, `table ${tableName} in ${dataDir}`, dynamo.endpoint, () => dynamo.stop());
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT']);

/**
 * The store errors an operator fixes (a missing table, a DynamoDB not running) as CliErrors
 * naming the table and where; any other error as it is.
 */
export function storeProblem(error: unknown, tableName: string, endpoint: string | undefined): unknown {
  const { name, code } = error as { name?: string; code?: string };
  if (name === 'ResourceNotFoundException')
    return new CliError(
      endpoint
        ? `table ${tableName} not found at ${endpoint}`
        : `table ${tableName} not found in AWS: deploy the client's stack, or pass --table with its TableName output (and AWS_REGION its region)`,
      { cause: error },
    );
  if (code !== undefined && CONNECTION_CODES.has(code))
    return new CliError(`cannot reach DynamoDB at ${endpoint ?? 'AWS'} (${code}): is it running?`, {
      cause: error,
    });
  return error;
}

/** Opens the target, runs `use` on it and closes it; store errors as storeProblem says. */
export async function withTarget<T>(
  options: TargetOptions,
  log: (line: string) => void,
  use: (target: OpenTarget) => Promise<T>,
): Promise<T> {
  const target = await openTarget(options, log);
  try {
    return await use(target);
  } catch (error) {
    throw storeProblem(error, target.tableName, target.endpoint);
  } finally {
    await target.close();
  }
}
