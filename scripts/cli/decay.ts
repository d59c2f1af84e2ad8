import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { localDynamoClientConfig } from '#local/dynamodb-local.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { type DecayReport, runDecay } from '#shared/store/decay-job.ts';
import { LeadStore } from '#shared/store/lead-store.ts';
import { tableNameFor } from '#shared/store/table-definition.ts';
import { CliError, clientOf, parseCommandArgs, UsageError } from './usage.ts';

const nowSchema = z.iso.datetime({ offset: true });
const urlSchema = z.url({ protocol: /^https?$/ });

/** Where the decay runs: local endpoints (fixed fake credentials) or AWS (default chain). */
interface Target {
  readonly client: string;
  readonly tableName: string;
  readonly busName: string;
  readonly dynamoEndpoint: string | undefined;
  readonly busEndpoint: string | undefined;
}

function endpointOf(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!urlSchema.safeParse(value).success)
    throw new UsageError(`${name} must be an http(s) URL (got "${value}")`);
  return value;
}

function dynamoClientFor(endpoint: string | undefined): DynamoDBClient {
  return new DynamoDBClient(endpoint ? localDynamoClientConfig(endpoint) : {});
}

function eventBridgeClientFor(endpoint: string | undefined): EventBridgeClient {
  if (!endpoint) return new EventBridgeClient({});
  const { region, credentials } = localDynamoClientConfig(endpoint);
  return new EventBridgeClient({ endpoint, region, credentials });
}

/** The summary an operator reads after a run. */
export function formatDecayReport(report: DecayReport, target: Target, keptInOutbox: number): string {
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
    `Events published: ${report.eventsPublished} to ${target.busName}`,
  ];
  if (keptInOutbox > 0)
    lines.push(`  of which ${keptInOutbox} could not be put on the bus and are kept in the outbox`);
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
    'bus-endpoint': { type: 'string' },
    bus: { type: 'string' },
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
    busName: values.bus ?? `leadscore-${config.client}`,
    dynamoEndpoint: endpointOf('--endpoint', values.endpoint ?? process.env.LEADSCORE_DYNAMODB_ENDPOINT),
    busEndpoint: endpointOf(
      '--bus-endpoint',
      values['bus-endpoint'] ?? process.env.LEADSCORE_EVENTBRIDGE_ENDPOINT,
    ),
  };
  if (target.dynamoEndpoint && !target.busEndpoint) {
    throw new UsageError(
      'a local DynamoDB (--endpoint) needs a local bus too (--bus-endpoint or LEADSCORE_EVENTBRIDGE_ENDPOINT): ' +
        'its events must not go to AWS',
    );
  }
  const dynamo = dynamoClientFor(target.dynamoEndpoint);
  const eventBridge = eventBridgeClientFor(target.busEndpoint);
  let keptInOutbox = 0;
  const store = new LeadStore({
    doc: wrapDocument(dynamo),
    tableName: target.tableName,
    config,
    eventBridge,
    busName: target.busName,
    onPublishFailure: (failed) => {
      keptInOutbox += failed;
    },
  });
  try {
    const report = await runDecay(store, Date.parse(values.now));
    console.log(formatDecayReport(report, target, keptInOutbox));
    return 0;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException')
      throw new CliError(`table ${target.tableName} not found (${target.dynamoEndpoint ?? 'AWS'})`);
    throw error;
  } finally {
    dynamo.destroy();
    eventBridge.destroy();
  }
}
