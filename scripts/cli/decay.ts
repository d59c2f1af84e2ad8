import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { localDynamoClientConfig } from '#local/dynamodb-local.ts';
import type { DecayReport } from '#shared/app/decay.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { tableNameFor } from '#shared/store/table-definition.ts';
import { CliError, clientOf, parseCommandArgs, UsageError } from './usage.ts';

const nowSchema = z.iso.datetime({ offset: true });
const urlSchema = z.url({ protocol: /^https?$/ });

/** Where the decay runs: a local DynamoDB (fixed fake credentials) or AWS (default chain). */
interface Target {
  readonly client: string;
  readonly tableName: string;
  readonly dynamoEndpoint: string | undefined;
}

function endpointOf(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!urlSchema.safeParse(value).success)
    throw new UsageError(`${name} must be an http(s) URL (got "${value}")`);
  return value;
}

/** The summary an operator reads after a run. */
export function formatDecayReport(report: DecayReport, target: Target): string {
  const first = report.days[0] ?? '-';
  const last = report.days.at(-1) ?? '-';
  const lines = [
    `Decay at ${report.now} on table ${target.tableName} (client ${target.client})`,
    `Days scanned: ${report.days.length} (${first === last ? first : `${first} … ${last}`})`,
    `Items read: ${report.itemsRead}, written: ${report.itemsWritten}`,
    `Changed leads: ${report.changed.length}`,
    ...report.changed.map((c) => {
      const crossings = c.crossings.length > 0 ? `  (${c.crossings.join(', ')})` : '';
      return `  ${c.leadId}  ${c.from ?? 'none'} → ${c.to}${crossings}`;
    }),
    `Events emitted: ${report.eventsEmitted} (stored with the leads; the table's stream puts them on the bus)`,
    ...report.failed.map((f) => `  failed: ${f.leadId}: ${f.error} (still due: the next run retries it)`),
  ];
  if (!report.complete) lines.push('Stopped before the end: run again to finish.');
  return lines.join('\n');
}

/** `leadscore decay --now <ISO> ...`: runs the decay job once for that instant (PRODUCT §5.3). */
export async function decayCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    now: { type: 'string' },
    client: { type: 'string' },
    endpoint: { type: 'string' },
    table: { type: 'string' },
  });
  if (!values.now) throw new UsageError('decay needs --now <ISO time>, e.g. --now 2026-11-02T06:00:00Z');
  if (!nowSchema.safeParse(values.now).success)
    throw new UsageError(
      `--now must be an ISO 8601 time with a zone, e.g. 2026-11-02T06:00:00Z (got "${values.now}")`,
    );
  const config = loadClientConfig(clientOf(values.client));
  const target: Target = {
    client: config.client,
    tableName: values.table ?? tableNameFor(config.client),
    dynamoEndpoint: endpointOf('--endpoint', values.endpoint ?? process.env.LEADSCORE_DYNAMODB_ENDPOINT),
  };
  const dynamo = new DynamoDBClient(
    target.dynamoEndpoint ? localDynamoClientConfig(target.dynamoEndpoint) : {},
  );
  const app = Leadscore.forTable({ doc: wrapDocument(dynamo), tableName: target.tableName, config });
  try {
    const report = await app.decay(Date.parse(values.now));
    console.log(formatDecayReport(report, target));
    return report.failed.length > 0 ? 1 : 0;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException')
      throw new CliError(`table ${target.tableName} not found (${target.dynamoEndpoint ?? 'AWS'})`);
    throw error;
  } finally {
    dynamo.destroy();
  }
}
