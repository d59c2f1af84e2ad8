import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoClientConfig, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import type { DecayReport } from '#shared/app/decay.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { countRequests } from '#shared/clients/request-counter.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { compileModel } from '#shared/scoring/model.ts';
import type { LeadItem } from '#shared/store/lead-item.ts';
import { ensureTable } from '#shared/store/table-definition.ts';
import { bulkLoad } from './bulk-load.ts';
import { generateDecayLeads } from './decay-leads.ts';
import { runDecayByScan, type ScanDecayReport } from './decay-scan.ts';

const DAY_MS = 86_400_000;
const WARM_UP_ITEMS = 2_000;
const TABLE = 'decay-bench';
const WARM_UP_TABLE = 'decay-warm-up';

/** The bench's own checks failed: the numbers it would print mean nothing. */
export class DecayBenchError extends Error {
  override name = 'DecayBenchError';
}

interface Settings {
  leads: number;
  dueShare: number;
  runAt: number;
  parallel: number;
  scanSegments: number;
  seed: number;
}

function settingsOf(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      leads: { type: 'string', default: '100000' },
      'due-share': { type: 'string', default: '0.01' },
      now: { type: 'string', default: '2026-12-01T05:00:00Z' },
      parallel: { type: 'string', default: '8' },
      'scan-segments': { type: 'string', default: '8' },
      seed: { type: 'string', default: '20261201' },
    },
  });
  const settings = {
    leads: Number(values.leads),
    dueShare: Number(values['due-share']),
    runAt: Date.parse(values.now),
    parallel: Number(values.parallel),
    scanSegments: Number(values['scan-segments']),
    seed: Number(values.seed),
  };
  if (!Number.isInteger(settings.leads) || settings.leads < 100)
    throw new DecayBenchError('--leads: an integer ≥ 100');
  if (!(settings.dueShare > 0 && settings.dueShare <= 1)) throw new DecayBenchError('--due-share: in (0, 1]');
  if (Number.isNaN(settings.runAt)) throw new DecayBenchError('--now: an ISO 8601 time');
  if (!Number.isInteger(settings.parallel) || settings.parallel < 1)
    throw new DecayBenchError('--parallel: ≥ 1');
  if (!Number.isInteger(settings.scanSegments) || settings.scanSegments < 1)
    throw new DecayBenchError('--scan-segments: ≥ 1');
  return settings;
}

/** Times `work` in ms. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const changeKeys = (changed: readonly { leadId: string; to: string }[]) =>
  new Set(changed.map((c) => `${c.leadId}→${c.to}`));

/** Fails the bench unless both implementations changed the same leads to the same segments. */
function assertSameChanges(job: DecayReport, scan: ScanDecayReport, due: ReadonlySet<string>): void {
  const fromJob = changeKeys(job.changed);
  const fromScan = changeKeys(scan.changed);
  const onlyJob = [...fromJob].filter((k) => !fromScan.has(k));
  const onlyScan = [...fromScan].filter((k) => !fromJob.has(k));
  if (onlyJob.length > 0 || onlyScan.length > 0) {
    throw new DecayBenchError(
      `decay job and full scan disagree: ${onlyJob.length} change(s) only in the job ` +
        `(${onlyJob.slice(0, 5).join(', ')}), ${onlyScan.length} only in the scan (${onlyScan.slice(0, 5).join(', ')})`,
    );
  }
  if (fromJob.size === 0) throw new DecayBenchError('no lead changed: the generated data is wrong');
  if (!job.complete) throw new DecayBenchError('the decay job stopped before it was complete');
  const missed = job.changed.filter((c) => !due.has(c.leadId)).length;
  if (missed > 0 || job.changed.length !== due.size) {
    throw new DecayBenchError(`expected the ${due.size} due lead(s) to change, ${job.changed.length} did`);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * PRODUCT §5.2 / §8.3: the daily decay on a table of `--leads` leads of which about `--due-share`
 * change band that day. A full-scan decay runs first; the leads it changed are put back as they
 * were, then the real job (`app.decay`, reading the due-day index) runs on the same table. Both
 * must change the same leads. The job's items touched (read + written) are reported against the
 * table size, and its time against the scan's. Both store their events out with the leads they
 * write (the outbox): no bus is involved. Timings go to stderr, the BENCH line to stdout.
 */
export async function run(args: string[]): Promise<void> {
  const settings = settingsOf(args);
  const config = loadClientConfig('example');
  const model = compileModel(config);
  const generated = await timed(async () =>
    generateDecayLeads(
      { leads: settings.leads, dueShare: settings.dueShare, runAt: settings.runAt, seed: settings.seed },
      config,
      model,
    ),
  );
  const { items, due } = generated.value;
  console.error(
    `decay: generated ${items.length} leads in ${seconds(generated.ms)} (${JSON.stringify(generated.value.segments)}, ${due.size} due)`,
  );

  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({ ...localDynamoClientConfig(dynamo.endpoint), maxAttempts: 10 });
  const doc = wrapDocument(client);
  try {
    const appFor = (tableName: string) => Leadscore.forTable({ doc, tableName, config });
    await Promise.all([WARM_UP_TABLE, TABLE].map((name) => ensureTable(client, name)));
    const warmUp = await timed(() =>
      warmUpTables(doc, WARM_UP_TABLE, appFor(WARM_UP_TABLE), items, settings),
    );
    const load = await timed(() => bulkLoad(doc, TABLE, items, settings));
    console.error(
      `decay: warm-up ${seconds(warmUp.ms)}; loaded ${items.length} items in ${seconds(load.ms)} ` +
        `(${Math.round(items.length / (load.ms / 1000))} items/s)`,
    );

    const app = appFor(TABLE);
    // Yesterday's run: changes nothing (the data is in steady state) and leaves the checkpoint.
    // It reads the leads indexed under its own day that are due later that day (byDueDay is
    // keyed by day and lead id, so a day's partition is read whole) and leaves them as they are.
    const yesterday = await app.decay(settings.runAt - DAY_MS);
    if (yesterday.itemsWritten !== 0 || yesterday.changed.length !== 0) {
      throw new DecayBenchError(
        `the previous day's run wrote ${yesterday.itemsWritten} item(s) (${yesterday.changed.length} changed), expected 0`,
      );
    }
    const requests = countRequests(client);
    const scan = await timed(() => runDecayByScan(app, settings.runAt, { segments: settings.scanSegments }));
    const scanRequests = requests.total();
    // Put the changed leads back as they were, so the job starts from the same table.
    const byId = new Map(items.map((item) => [item.leadId, item]));
    await bulkLoad(
      doc,
      TABLE,
      scan.value.changed.map((c) => byId.get(c.leadId)!),
      settings,
    );
    requests.reset();
    const job = await timed(() => app.decay(settings.runAt));
    const jobRequests = requests.total();
    requests.detach();
    assertSameChanges(job.value, scan.value, due);

    const jobItems = job.value.itemsRead + job.value.itemsWritten;
    const scanItems = scan.value.itemsScanned + scan.value.itemsWritten;
    console.error(
      `decay: job ${seconds(job.ms)} (days ${job.value.days.join(',')}, read ${job.value.itemsRead}, ` +
        `wrote ${job.value.itemsWritten}, ${jobRequests} requests, ${job.value.eventsEmitted} events emitted); ` +
        `scan ${seconds(scan.ms)} (${settings.scanSegments} segment(s), scanned ${scan.value.itemsScanned}, wrote ${scan.value.itemsWritten}, ` +
        `${scanRequests} requests, ${scan.value.eventsEmitted} events emitted, ${scanItems} items touched)`,
    );
    console.log(
      `BENCH decay leads=${items.length} changed=${job.value.changed.length} items_touched=${jobItems} ` +
        `touched_ratio=${(jobItems / items.length).toFixed(4)} speedup=${(scan.ms / job.ms).toFixed(1)}`,
    );
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

/**
 * Exercises every path the measurement uses (BatchWriteItem, the due-day query, conditional
 * puts, Scan) on a separate table, so neither JVM nor V8 is measured cold.
 */
async function warmUpTables(
  doc: DynamoDBDocumentClient,
  tableName: string,
  app: Leadscore,
  items: readonly LeadItem[],
  settings: Settings,
): Promise<void> {
  await bulkLoad(doc, tableName, items.slice(0, WARM_UP_ITEMS), settings);
  await app.decay(settings.runAt);
  await runDecayByScan(app, settings.runAt + DAY_MS, { segments: settings.scanSegments });
}
