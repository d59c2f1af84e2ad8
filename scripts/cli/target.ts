import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { localDynamoClientConfig, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { readStackFile } from '#local/stack-file.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { ensureTable, tableNameFor } from '#shared/store/table-definition.ts';
import { clientOf, UsageError } from './usage.ts';

/** Where a command reads and writes, as given on its command line. */
export interface TargetOptions {
  readonly client?: string | undefined;
  /** A DynamoDB endpoint (DynamoDB Local); with neither this nor `table`: the local data directory. */
  readonly endpoint?: string | undefined;
  /** A table name; without `endpoint`, the deployed table in AWS (default credentials and region). */
  readonly table?: string | undefined;
  /** The local data directory (default `LEADSCORE_DATA_DIR`, else `.leadscore`). */
  readonly dataDir?: string | undefined;
}

/** An open application over the chosen table; `close` releases what opening started. */
export interface OpenTarget {
  readonly app: Leadscore;
  /** Says where, for the command's output: `local data directory .leadscore (running npm start)`. */
  readonly describe: string;
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
  const config = loadClientConfig(clientOf(options.client));
  const tableName = options.table ?? tableNameFor(config.client);
  const endpoint = endpointOf(options.endpoint ?? process.env.LEADSCORE_DYNAMODB_ENDPOINT);
  const open = (
    client: DynamoDBClient,
    describe: string,
    stop?: () => Promise<void>,
    table: string = tableName,
  ): OpenTarget => ({
    app: Leadscore.forTable({ doc: wrapDocument(client), tableName: table, config }),
    describe,
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
      throw error;
    }
    return open(client, `table ${tableName} at ${endpoint}`);
  }
  if (options.table) return open(new DynamoDBClient({}), `table ${tableName} in AWS`);

  const dataDir = resolve(options.dataDir ?? (process.env.LEADSCORE_DATA_DIR || '.leadscore'));
  const running = await readStackFile(dataDir);
  if (running) {
    if (running.client !== config.client)
      throw new UsageError(
        `npm start runs client ${running.client} on ${dataDir}; pass --client ${running.client}`,
      );
    return open(
      new DynamoDBClient(localDynamoClientConfig(running.dynamoEndpoint)),
      `table ${running.tableName} of the running npm start (${dataDir})`,
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
    throw error;
  }
  return open(client, `table ${tableName} in ${dataDir}`, () => dynamo.stop());
}
