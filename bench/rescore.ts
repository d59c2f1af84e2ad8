/**
 * `npm run bench -- rescore [--leads 10000] [--events 200000] [--segments 4]` (PRODUCT §8.8):
 * a table of `leads` leads holding `events` stored events (the synthetic mix, loaded as
 * ingestion would have stored them) on DynamoDB Local; then, in the same run, the bare Query of
 * every lead's events (what any rescore must read) and the rescore to a candidate model version
 * (pricing views 15 points instead of 10), both over `segments` workers. Prints
 * `BENCH rescore leads=… events=… events_per_s=… query_only_events_per_s=… ratio=…`, ratio being
 * rescore time over query time (goal ≤ 1.3), and the diagnostics of the same run: the scan the
 * rescore reads alone (`scan_s`), the queries (`query_s`), the lead writes alone
 * (`writes_only_s`: each lead item put back once) and the rescore (`rescore_s`).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { localDynamoClientConfig, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { toEventItem, toScoringEvent } from '#shared/app/ingest.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig, parseClientConfig } from '#shared/config/load.ts';
import { foldEvents, observe } from '#shared/scoring/engine.ts';
import { compileModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import { routeFor } from '#shared/scoring/routing.ts';
import type { ScoringEvent } from '#shared/scoring/types.ts';
import { leadIdFor, normaliseEmail } from '#shared/store/identity.ts';
import { LEAD_SK, toLeadItem } from '#shared/store/lead-item.ts';
import { ensureTable, tableNameFor } from '#shared/store/table-definition.ts';
import { generateEvents } from './synthetic-events.ts';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      leads: { type: 'string', default: '10000' },
      events: { type: 'string', default: '200000' },
      segments: { type: 'string', default: '4' },
    },
  });
  const leads = Number(values.leads);
  const eventCount = Number(values.events);
  const segments = Number(values.segments);
  const config = loadClientConfig('example');
  const model = compileModel(config);
  const candidate = parseClientConfig({
    ...config,
    model: {
      ...config.model,
      version: 'bench-candidate',
      engagement: {
        ...config.model.engagement,
        rules: config.model.engagement.rules.map((r) => (r.id === 'pricing-page' ? { ...r, points: 15 } : r)),
      },
    },
  });

  const generated = generateEvents({ events: eventCount, leads });
  const byLead = new Map<string, ScoringEvent[]>();
  for (const e of generated) {
    const email = normaliseEmail(e.email);
    const event = toScoringEvent({
      eventId: e.eventId,
      type: e.type,
      occurredAt: Date.parse(e.occurredAt),
      attributes: e.attributes,
      profile: { ...e.profile, email },
    });
    const leadId = leadIdFor(email);
    const list = byLead.get(leadId);
    if (list) list.push(event);
    else byLead.set(leadId, [event]);
  }
  const now = generated.reduce((latest, e) => Math.max(latest, Date.parse(e.occurredAt)), 0) + 3_600_000;
  const items: object[] = [];
  for (const [leadId, events] of byLead) {
    const { state } = observe(foldEvents(leadId, events, model), model, now);
    items.push(
      toLeadItem({
        state,
        kind: 'lead',
        version: events.length,
        route: routeFor(state.profile, config),
        nextChangeAt: nextChangeAt(state, model, now),
        createdAt: new Date(events[0]!.occurredAt).toISOString(),
        now,
      }),
    );
    for (const event of events) items.push(toEventItem(leadId, event, config, now));
  }

  const ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient(localDynamoClientConfig(ddb.endpoint));
  try {
    const tableName = tableNameFor(config.client);
    await ensureTable(client, tableName);
    const doc = wrapDocument(client);
    const loading = performance.now();
    const current = Leadscore.forTable({ doc, tableName, config });
    await current.repo.loadItems(items, 8);
    console.error(
      `rescore: loaded ${byLead.size} leads and ${generated.length} events in ${((performance.now() - loading) / 1000).toFixed(1)} s`,
    );

    const ids = [...byLead.keys()];
    const queryStarted = performance.now();
    let read = 0;
    await Promise.all(
      Array.from({ length: segments }, async (_, w) => {
        for (let i = w; i < ids.length; i += segments) {
          const events = await current.repo.listEvents(ids[i]!);
          read += events.length; // after the await: `read += await …` would add to a stale value
        }
      }),
    );
    const querySeconds = (performance.now() - queryStarted) / 1000;
    if (read !== generated.length) throw new Error(`read ${read} events, stored ${generated.length}`);

    // Diagnostics: the one-pass scan alone (what the rescore reads), no fold and no write.
    const scanStarted = performance.now();
    let scannedEvents = 0;
    await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        for await (const page of current.repo.segmentPartitions(segment, segments))
          for (const partition of page.partitions) scannedEvents += partition.events.length;
      }),
    );
    const scanSeconds = (performance.now() - scanStarted) / 1000;
    console.error(
      `rescore: the one-pass scan alone read ${scannedEvents} events in ${scanSeconds.toFixed(1)} s`,
    );

    const app = Leadscore.forTable({ doc, tableName, config: candidate });
    const report = await app.rescore(now, { segments });
    if (!report.complete || report.leads !== byLead.size)
      throw new Error(`rescore incomplete: ${JSON.stringify({ ...report, changes: undefined })}`);
    console.error(
      `rescore: ${report.rescored} leads written (${report.changedCount} changed score, segment or grade), ${report.wcu.toFixed(0)} WCU, ${report.seconds.toFixed(1)} s; queries alone ${querySeconds.toFixed(1)} s`,
    );

    // Diagnostics: the bare writes. Each lead item as loaded, put back over the rescored one
    // (one PutItem per lead, its index keys changing as the rescore's do), over the same workers.
    const leadItems = items.filter(
      (item): item is { sk: string } => (item as { sk?: string }).sk === LEAD_SK,
    );
    const writesStarted = performance.now();
    await Promise.all(
      Array.from({ length: segments }, async (_, w) => {
        for (let i = w; i < leadItems.length; i += segments)
          await doc.send(new PutCommand({ TableName: tableName, Item: leadItems[i]! }));
      }),
    );
    const writeSeconds = (performance.now() - writesStarted) / 1000;
    console.error(
      `rescore: the ${leadItems.length} lead writes alone took ${writeSeconds.toFixed(1)} s; queries + writes ${(querySeconds + writeSeconds).toFixed(1)} s`,
    );
    console.log(
      `BENCH rescore leads=${byLead.size} events=${generated.length} events_per_s=${Math.round(generated.length / report.seconds)} ` +
        `query_only_events_per_s=${Math.round(generated.length / querySeconds)} ratio=${(report.seconds / querySeconds).toFixed(2)} ` +
        `scan_s=${scanSeconds.toFixed(1)} query_s=${querySeconds.toFixed(1)} writes_only_s=${writeSeconds.toFixed(1)} rescore_s=${report.seconds.toFixed(1)}`,
    );
  } finally {
    client.destroy();
    await ddb.stop();
  }
}
