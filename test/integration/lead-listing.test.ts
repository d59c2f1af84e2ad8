import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LeadSummary, listLeads, summarise } from '#shared/api/leads.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { countReads, type ReadCounter, type ReadCounts } from '#shared/clients/request-counter.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { compileModel } from '#shared/scoring/model.ts';
import type { LeadItem } from '#shared/store/lead-item.ts';
import { rankedReadBound } from '#shared/store/lead-queries.ts';
import { rankScoreKey } from '#shared/store/table-definition.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';
import { bulkLoad } from '../../bench/bulk-load.ts';
import { generateListLeads } from '../../bench/list-leads.ts';

/**
 * GET /v1/leads on a table much larger than a page (PRODUCT §6.1): every filter and
 * combinations, walked page by page with the cursor; the pages together are exactly the leads
 * that match, in ranking order, and each page reads a bounded number of items.
 */
const config = loadClientConfig('example');
const model = compileModel(config);
const NOW = Date.parse('2026-12-01T05:00:00Z');
const LEADS = 3_000;
const BANDS = [...config.model.segments.map((s) => s.name), 'disqualified'];
const GRADES = config.model.grades.map((g) => g.grade);
const ROUTES = [
  ...config.notifications.routing.rules.map((r) => ({ id: r.id, email: r.owner.email })),
  { id: 'default', email: config.notifications.routing.default.owner.email },
];
const OWNER = (id: string) => ROUTES.find((r) => r.id === id)!.email;

let client: ReturnType<typeof testDynamoClient>;
let store: Leadscore;
let reads: ReadCounter;
let items: LeadItem[];
/** Each stored lead as read at NOW. */
let now: Map<string, LeadSummary>;

beforeAll(async () => {
  client = testDynamoClient();
  const doc = wrapDocument(client);
  const tableName = await freshTable('listing');
  items = generateListLeads({ leads: LEADS, now: NOW, seed: 20261201, dueShare: 0.25 }, config, model);
  await bulkLoad(doc, tableName, items, { parallel: 4 });
  store = Leadscore.forTable({ doc, tableName, config });
  reads = countReads(client);
  now = new Map(
    items.map((item) => {
      const { explanation: _, ...summary } = summarise(item, store, NOW);
      return [item.leadId, summary];
    }),
  );
}, 120_000);

afterAll(() => {
  reads?.detach();
  client?.destroy();
});

type Filters = { segment?: string; grade?: string; owner?: string; minScore?: number };

/** The walk step of a stored lead: its stored segment's place among the bands. */
const stepOf = (item: LeadItem, f: Filters) => (f.segment ? 0 : BANDS.indexOf(item.segment));

/** Ranking order: walk step, then stored position (score, lead id), highest first. */
const byRank = (f: Filters) => (a: LeadItem, b: LeadItem) =>
  stepOf(a, f) - stepOf(b, f) || (a.gsi1sk! < b.gsi1sk! ? 1 : a.gsi1sk! > b.gsi1sk! ? -1 : 0);

/**
 * What a complete walk must list, computed from the items alone: the leads stored under the
 * filters (segment, grade, owner's route, stored score from minScore) that match them as read
 * now (segment, grade, owner, displayed score), in ranking order.
 */
function expected(f: Filters): LeadItem[] {
  return items
    .filter((item) => {
      const s = now.get(item.leadId)!;
      const stored =
        (f.segment === undefined || item.segment === f.segment) &&
        (f.grade === undefined || item.grade === f.grade) &&
        (f.owner === undefined || item.owner?.email === f.owner) &&
        (f.minScore === undefined || item.gsi1sk! >= rankScoreKey(f.minScore - 0.01));
      const current =
        (f.segment === undefined || s.segment === f.segment) &&
        (f.grade === undefined || s.grade === f.grade) &&
        (f.owner === undefined || s.owner?.email === f.owner) &&
        (f.minScore === undefined || s.score >= f.minScore);
      return stored && current;
    })
    .sort(byRank(f));
}

/** Most items one page may read: the lead items plus, for each step of the walk, rankedReadBound. */
function readBound(f: Filters, limit: number): number {
  const steps = f.segment ? 1 : BANDS.length;
  const partitions =
    (f.grade ? 1 : GRADES.length) *
    (f.owner ? ROUTES.filter((r) => r.email === f.owner).length : ROUTES.length);
  return limit + steps * rankedReadBound(limit, partitions);
}

async function walk(f: Filters, limit: number, maxPages = LEADS) {
  const query: Record<string, string> = { limit: String(limit) };
  for (const [key, value] of Object.entries(f)) query[key] = String(value);
  const pages: { items: LeadSummary[]; reads: ReadCounts }[] = [];
  let cursor: string | null = null;
  do {
    reads.reset();
    const page: { items: LeadSummary[]; nextCursor: string | null } = await listLeads(
      store,
      { ...query, ...(cursor ? { cursor } : {}) },
      NOW,
    );
    pages.push({ items: page.items, reads: reads.counts() });
    cursor = page.nextCursor;
    expect(pages.length).toBeLessThan(LEADS);
  } while (cursor && pages.length < maxPages);
  return pages;
}

const cases: { f: Filters; limit: number }[] = [
  { f: {}, limit: 100 },
  { f: { segment: 'hot' }, limit: 10 },
  { f: { segment: 'warm' }, limit: 40 },
  { f: { segment: 'cold' }, limit: 100 },
  { f: { segment: 'disqualified' }, limit: 7 },
  { f: { grade: 'A' }, limit: 25 },
  { f: { grade: 'D' }, limit: 60 },
  { f: { owner: OWNER('emea') }, limit: 40 },
  { f: { owner: OWNER('default') }, limit: 50 },
  { f: { minScore: 100 }, limit: 10 },
  { f: { minScore: 55.5 }, limit: 30 },
  { f: { segment: 'warm', grade: 'B' }, limit: 9 },
  { f: { grade: 'A', owner: OWNER('enterprise-na') }, limit: 4 },
  { f: { segment: 'cold', owner: OWNER('default'), minScore: 10 }, limit: 30 },
  { f: { segment: 'hot', grade: 'A', owner: OWNER('emea'), minScore: 120 }, limit: 3 },
  { f: { grade: 'C', minScore: 40 }, limit: 15 },
  { f: { segment: 'disqualified', grade: 'A', minScore: 0 }, limit: 2 },
];

describe('GET /v1/leads over a large table', () => {
  it('It should hold leads of every segment, grade and owner, some stored above their current score', () => {
    for (const segment of BANDS) expect(expected({ segment }).length, segment).toBeGreaterThan(5);
    for (const grade of GRADES) expect(expected({ grade }).length, grade).toBeGreaterThan(5);
    for (const route of ROUTES) expect(expected({ owner: route.email }).length, route.id).toBeGreaterThan(5);
    const stale = items.filter((i) => now.get(i.leadId)!.score < i.score - 1).length;
    expect(stale).toBeGreaterThan(LEADS / 10);
  });

  for (const { f, limit } of cases) {
    it(`It should list exactly the matching leads, ranked, in pages of ${limit} with ${JSON.stringify(f)}`, async () => {
      const want = expected(f);
      const pages = await walk(f, limit);
      const listed = pages.flatMap((p) => p.items);
      const byId = new Map(items.map((i) => [i.leadId, i]));
      for (const page of pages) {
        expect(page.items.length).toBeLessThanOrEqual(limit);
        // Within a page: walk step, then current score, highest first.
        for (let i = 1; i < page.items.length; i++) {
          const [a, b] = [page.items[i - 1]!, page.items[i]!];
          const [sa, sb] = [stepOf(byId.get(a.leadId)!, f), stepOf(byId.get(b.leadId)!, f)];
          expect(sa < sb || (sa === sb && a.score >= b.score), `${a.leadId} before ${b.leadId}`).toBe(true);
        }
        // Bounded, whatever the table holds.
        expect(page.reads.items).toBeLessThanOrEqual(readBound(f, limit));
      }
      // Together, page after page in ranking order: no lead twice, none missing, none extra.
      const inRankOrder = pages.flatMap((p) => p.items.map((s) => byId.get(s.leadId)!).sort(byRank(f)));
      expect(inRankOrder.map((i) => i.leadId)).toEqual(want.map((i) => i.leadId));
      expect(new Set(listed.map((l) => l.leadId)).size).toBe(listed.length);
      // Every listed lead matches the filters as read now.
      for (const lead of listed) {
        if (f.segment) expect(lead.segment).toBe(f.segment);
        if (f.grade) expect(lead.grade).toBe(f.grade);
        if (f.owner) expect(lead.owner?.email).toBe(f.owner);
        if (f.minScore !== undefined) expect(lead.score).toBeGreaterThanOrEqual(f.minScore);
      }
    });
  }

  it('It should read far less than the table per page, with or without filters', async () => {
    const unfiltered = await walk({}, 10, 20);
    const max = Math.max(...unfiltered.map((p) => p.reads.items));
    expect(readBound({}, 10)).toBeLessThan(LEADS / 5);
    expect(max).toBeLessThanOrEqual(readBound({}, 10));
    // A rare combination: few matches, still a bounded page that reads no more than its partitions.
    const few = { segment: 'hot', grade: 'D', owner: OWNER('healthcare') };
    const rare = await walk(few, 25);
    expect(rare.length).toBeLessThanOrEqual(2);
    for (const page of rare) expect(page.reads.items).toBeLessThanOrEqual(readBound(few, 25));
    // One partition: its entries, plus the query that finds it exhausted.
    expect(readBound(few, 25)).toBeLessThan(200);
  });

  it('It should put disqualified leads after every qualified lead when no segment is asked for', async () => {
    const pages = await walk({}, 100);
    const segments = pages.flatMap((p) => p.items.map((l) => l.segment));
    const first = segments.indexOf('disqualified');
    expect(first).toBeGreaterThan(0);
    expect(segments.slice(first).every((s) => s === 'disqualified')).toBe(true);
  });
});
