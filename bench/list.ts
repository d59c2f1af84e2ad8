import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoClientConfig, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { type LeadSummary, listLeads } from '#shared/api/leads.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { countReads } from '#shared/clients/request-counter.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { compileModel } from '#shared/scoring/model.ts';
import { ensureTable } from '#shared/store/table-definition.ts';
import { bulkLoad } from './bulk-load.ts';
import { generateListLeads } from './list-leads.ts';

const TABLE = 'list-bench';

/** The bench's own checks failed: the numbers it would print mean nothing. */
export class ListBenchError extends Error {
  override name = 'ListBenchError';
}

interface Settings {
  leads: number;
  now: number;
  pages: number;
  parallel: number;
  seed: number;
}

function settingsOf(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      leads: { type: 'string', default: '100000' },
      now: { type: 'string', default: '2026-12-01T05:00:00Z' },
      pages: { type: 'string', default: '5' },
      parallel: { type: 'string', default: '8' },
      seed: { type: 'string', default: '20261201' },
    },
  });
  const settings = {
    leads: Number(values.leads),
    now: Date.parse(values.now),
    pages: Number(values.pages),
    parallel: Number(values.parallel),
    seed: Number(values.seed),
  };
  if (!Number.isInteger(settings.leads) || settings.leads < 100)
    throw new ListBenchError('--leads: an integer ≥ 100');
  if (Number.isNaN(settings.now)) throw new ListBenchError('--now: an ISO 8601 time');
  if (!Number.isInteger(settings.pages) || settings.pages < 1) throw new ListBenchError('--pages: ≥ 1');
  if (!Number.isInteger(settings.parallel) || settings.parallel < 1)
    throw new ListBenchError('--parallel: ≥ 1');
  return settings;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

/** The filter mix: none, each filter alone, and combinations, at two page sizes. */
function queries(owners: { emea: string; enterprise: string; healthcare: string; fallback: string }) {
  const { emea, enterprise, healthcare, fallback } = owners;
  const filters: Record<string, string>[] = [
    {},
    { segment: 'hot' },
    { segment: 'warm' },
    { segment: 'cold' },
    { segment: 'disqualified' },
    { grade: 'A' },
    { grade: 'B' },
    { grade: 'C' },
    { grade: 'D' },
    { owner: emea },
    { owner: enterprise },
    { owner: healthcare },
    { owner: fallback },
    { minScore: '50' },
    { minScore: '100' },
    { minScore: '150' },
    { segment: 'warm', grade: 'A' },
    { segment: 'cold', grade: 'B', owner: emea },
    { grade: 'A', owner: enterprise },
    { segment: 'hot', owner: fallback, minScore: '120' },
    { grade: 'C', minScore: '40' },
    { segment: 'cold', grade: 'D', owner: healthcare, minScore: '10' },
  ];
  return filters.flatMap((f) => [
    { ...f, limit: '25' },
    { ...f, limit: '100' },
  ]);
}

/**
 * GET /v1/leads on a table of `--leads` leads (PRODUCT §6.1): the listing is timed page by page
 * for a mix of filters, each followed through `--pages` pages with its cursor. Reads per page
 * are the items DynamoDB read for it (index entries queried plus lead items fetched), also
 * reported as read capacity units on stderr. The bench checks what it lists: every lead matches
 * its filters, no lead comes twice in a walk, no page exceeds its limit.
 */
export async function run(args: string[]): Promise<void> {
  const settings = settingsOf(args);
  const config = loadClientConfig('example');
  const model = compileModel(config);
  let started = performance.now();
  const items = generateListLeads(
    { leads: settings.leads, now: settings.now, seed: settings.seed },
    config,
    model,
  );
  const segments: Record<string, number> = {};
  for (const item of items) segments[item.segment] = (segments[item.segment] ?? 0) + 1;
  console.error(
    `list: generated ${items.length} leads in ${seconds(performance.now() - started)} (${JSON.stringify(segments)})`,
  );

  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({ ...localDynamoClientConfig(dynamo.endpoint), maxAttempts: 10 });
  const doc = wrapDocument(client);
  try {
    await ensureTable(client, TABLE);
    started = performance.now();
    await bulkLoad(doc, TABLE, items, settings);
    console.error(`list: loaded ${items.length} items in ${seconds(performance.now() - started)}`);
    const store = Leadscore.forTable({ doc, tableName: TABLE, config });
    const routing = config.notifications.routing;
    const email = (id: string) =>
      routing.rules.find((r) => r.id === id)?.owner.email ?? routing.default.owner.email;
    const mix = queries({
      emea: email('emea'),
      enterprise: email('enterprise-na'),
      healthcare: email('healthcare'),
      fallback: routing.default.owner.email,
    });
    // Warm-up (JIT, DynamoDB Local's first queries), not measured.
    for (const query of mix.slice(0, 10)) await listLeads(store, query, settings.now);

    const reads = countReads(client);
    const times: number[] = [];
    let maxReads = 0;
    let maxUnits = 0;
    let listed = 0;
    for (const query of mix) {
      const seen = new Set<string>();
      let cursor: string | null = null;
      for (let page = 0; page < settings.pages; page++) {
        reads.reset();
        const t0 = performance.now();
        const result: { items: LeadSummary[]; nextCursor: string | null } = await listLeads(
          store,
          { ...query, ...(cursor ? { cursor } : {}) },
          settings.now,
        );
        times.push(performance.now() - t0);
        const counts = reads.counts();
        maxReads = Math.max(maxReads, counts.items);
        maxUnits = Math.max(maxUnits, counts.capacityUnits);
        check(query, result.items, seen);
        listed += result.items.length;
        cursor = result.nextCursor;
        if (!cursor) break;
      }
    }
    reads.detach();
    times.sort((a, b) => a - b);
    console.error(
      `list: ${times.length} pages of ${mix.length} queries (${listed} leads listed); ` +
        `max ${maxUnits} read capacity units per page; max ${times.at(-1)!.toFixed(1)} ms`,
    );
    console.log(
      `BENCH list leads=${items.length} p50_ms=${quantile(times, 0.5).toFixed(2)} ` +
        `p99_ms=${quantile(times, 0.99).toFixed(2)} max_reads_per_page=${maxReads}`,
    );
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

/** Fails the bench unless a page is what its query asked for. */
function check(query: Record<string, string>, page: readonly LeadSummary[], seen: Set<string>): void {
  if (page.length > Number(query.limit))
    throw new ListBenchError(`${page.length} leads for limit ${query.limit}`);
  for (const lead of page) {
    const wrong =
      (query.segment !== undefined && lead.segment !== query.segment) ||
      (query.grade !== undefined && lead.grade !== query.grade) ||
      (query.owner !== undefined && lead.owner?.email !== query.owner) ||
      (query.minScore !== undefined && lead.score < Number(query.minScore));
    if (wrong)
      throw new ListBenchError(`${lead.leadId} listed for ${JSON.stringify(query)}: ${JSON.stringify(lead)}`);
    if (seen.has(lead.leadId))
      throw new ListBenchError(`${lead.leadId} listed twice for ${JSON.stringify(query)}`);
    seen.add(lead.leadId);
  }
}
