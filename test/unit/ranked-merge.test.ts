import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listLeads } from '#shared/api/leads.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { compileModel } from '#shared/scoring/model.ts';
import type { LeadItem } from '#shared/store/lead-item.ts';
import { queryRankedLeads, rankedReadBound } from '#shared/store/lead-queries.ts';
import {
  INDEXES,
  leadIdOfRankSortKey,
  RANK_SORT_KEY_PATTERN,
  rankingKeys,
  rankPartitionKey,
  rankScoreKey,
  rankSortKey,
} from '#shared/store/table-definition.ts';
import { generateListLeads } from '../../bench/list-leads.ts';

/** The ranking index keys (shared/store/table-definition.ts) and the k-way merge over them. */

const leadId = (n: number) => `ld_${String(n).padStart(22, '0')}`;

describe('ranking index keys', () => {
  it('It should order score keys like the scores, at fixed width', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -2e9, max: 2e9, noNaN: true }),
        fc.double({ min: -2e9, max: 2e9, noNaN: true }),
        (a, b) => {
          const [ka, kb] = [rankScoreKey(a), rankScoreKey(b)];
          expect(ka).toHaveLength(17);
          if (a <= b) expect(ka <= kb).toBe(true);
          if (b - a > 1e-5 && a > -1e9 && b < 1e9) expect(ka < kb).toBe(true);
        },
      ),
    );
    expect(rankScoreKey(0)).toBe('1000000000.000000');
    expect(rankScoreKey(-50.5)).toBe('0999999949.500000');
    expect(rankScoreKey(123.4567891)).toBe('1000000123.456789');
  });

  it('It should make sort keys unique per lead, ordered by score then lead id', () => {
    const keys = [rankSortKey(10, leadId(2)), rankSortKey(10, leadId(1)), rankSortKey(9.99, leadId(3))];
    expect([...keys].sort().reverse()).toEqual(keys);
    for (const key of keys) expect(key).toMatch(RANK_SORT_KEY_PATTERN);
    expect(leadIdOfRankSortKey(keys[0]!)).toBe(leadId(2));
    // Every key of a score at or above a minimum sorts at or above the minimum's score key.
    expect(rankSortKey(50, leadId(1)) >= rankScoreKey(50)).toBe(true);
    expect(rankSortKey(49.999999, leadId(9)) >= rankScoreKey(50)).toBe(false);
  });

  it('It should put a lead in the partition of its segment, grade and owner route; visitors nowhere', () => {
    const lead = { kind: 'lead' as const, segment: 'hot', grade: 'A', score: 120, leadId: leadId(1) };
    expect(rankingKeys({ ...lead, ownerRouteId: 'emea' })).toEqual({
      gsi1pk: 'RANK#hot#A#emea',
      gsi1sk: rankSortKey(120, leadId(1)),
    });
    expect(rankingKeys({ ...lead, ownerRouteId: null }).gsi1pk).toBe(rankPartitionKey('hot', 'A', 'default'));
    expect(rankingKeys({ ...lead, kind: 'anonymous', ownerRouteId: 'emea' })).toEqual({});
    expect(INDEXES.byRank).toMatchObject({ projection: 'KEYS_ONLY', sortKey: { type: 'S' } });
  });
});

/**
 * A DynamoDB Query over in-memory `byRank` partitions, as queryRankedLeads issues it: key
 * condition on the partition and the sort key (>=, <, BETWEEN), descending, Limit,
 * ExclusiveStartKey. Counts the items it reads.
 */
function fakeIndex(partitions: Record<string, string[]>, table: ReadonlyMap<string, LeadItem> = new Map()) {
  let read = 0;
  let requests = 0;
  const doc = {
    send: async (command: { input: Record<string, unknown> }) => {
      requests++;
      const batch = command.input.RequestItems as Record<string, { Keys: { pk: string }[] }> | undefined;
      if (batch) {
        const [[name, { Keys }]] = Object.entries(batch) as [[string, { Keys: { pk: string }[] }]];
        const found = Keys.map((k) => table.get(k.pk.slice('LEAD#'.length))).filter((i) => i !== undefined);
        return { Responses: { [name]: found } };
      }
      const input = command.input as {
        IndexName: string;
        KeyConditionExpression: string;
        ExpressionAttributeValues: Record<string, string>;
        ScanIndexForward: boolean;
        Limit: number;
        ExclusiveStartKey?: { gsi1sk: string };
      };
      expect(input.IndexName).toBe('byRank');
      expect(input.ScanIndexForward).toBe(false);
      expect(input.Limit).toBeGreaterThan(0);
      const v = input.ExpressionAttributeValues;
      const condition = input.KeyConditionExpression;
      const keys = [...(partitions[v[':pk']!] ?? [])].sort().reverse();
      const inRange = keys.filter((k) => {
        if (condition.includes('BETWEEN')) return k >= v[':from']! && k <= v[':before']!;
        if (condition.includes('<')) return k < v[':before']!;
        if (condition.includes('>=')) return k >= v[':from']!;
        return true;
      });
      const start = input.ExclusiveStartKey ? inRange.indexOf(input.ExclusiveStartKey.gsi1sk) + 1 : 0;
      const page = inRange.slice(start, start + input.Limit);
      read += page.length;
      return {
        Items: page.map((k) => ({
          pk: `LEAD#${leadIdOfRankSortKey(k)}`,
          sk: 'LEAD',
          gsi1pk: v[':pk'],
          gsi1sk: k,
        })),
        // As DynamoDB: a page cut by Limit has a LastEvaluatedKey, even when nothing follows.
        ...(page.length === input.Limit ? { LastEvaluatedKey: { gsi1sk: page.at(-1) } } : {}),
      };
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, read: () => read, requests: () => requests };
}

describe('queryRankedLeads (k-way merge)', () => {
  const arbitraryIndex = fc
    .array(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 60 }), { minLength: 1, maxLength: 12 })
    .map((lists) => {
      let n = 0;
      return Object.fromEntries(
        lists.map((scores, p) => [`RANK#p${p}`, scores.map((score) => rankSortKey(score / 2, leadId(n++)))]),
      );
    });

  it('It should return the top `limit` entries of the merged partitions within the bounds, reading a bounded number', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryIndex,
        fc.integer({ min: 1, max: 100 }),
        fc.option(fc.integer({ min: 0, max: 160 }), { nil: undefined }),
        fc.option(fc.nat(), { nil: undefined }),
        async (index, limit, min, cut) => {
          const all = Object.entries(index)
            .flatMap(([partition, keys]) => keys.map((rankKey) => ({ partition, rankKey })))
            .sort((a, b) => (a.rankKey < b.rankKey ? 1 : -1));
          const from = min === undefined ? undefined : rankScoreKey(min);
          // Continue below an existing entry (a cursor) or from the top.
          const before = cut === undefined || all.length === 0 ? undefined : all[cut % all.length]!.rankKey;
          const want = all.filter(
            (e) => (from === undefined || e.rankKey >= from) && (before === undefined || e.rankKey < before),
          );
          const fake = fakeIndex(index);
          const page = await queryRankedLeads(fake.doc, 't', {
            partitions: Object.keys(index),
            from,
            before,
            limit,
          });
          expect(page.entries.map((e) => [e.partition, e.rankKey])).toEqual(
            want.slice(0, limit).map((e) => [e.partition, e.rankKey]),
          );
          expect(page.entries.every((e) => e.leadId === leadIdOfRankSortKey(e.rankKey))).toBe(true);
          // Exhausted: nothing left below the last entry (a full page may not know it yet).
          if (want.length < limit) expect(page.exhausted).toBe(true);
          if (want.length > limit) expect(page.exhausted).toBe(false);
          expect(fake.read()).toBeLessThanOrEqual(rankedReadBound(limit, Object.keys(index).length));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('It should read little more than the page when one partition holds all of it', async () => {
    const keys = Array.from({ length: 1_000 }, (_, i) => rankSortKey(1_000 - i, leadId(i)));
    const index: Record<string, string[]> = { 'RANK#big': keys };
    for (let p = 0; p < 15; p++) index[`RANK#empty${p}`] = [];
    const fake = fakeIndex(index);
    const page = await queryRankedLeads(fake.doc, 't', { partitions: Object.keys(index), limit: 100 });
    expect(page.entries.map((e) => e.rankKey)).toEqual(keys.slice(0, 100));
    expect(page.exhausted).toBe(false);
    expect(fake.read()).toBeLessThanOrEqual(200);
    // Doubling: log2(100 / first) + 1 queries for the big partition, one for each empty one.
    expect(fake.requests()).toBeLessThanOrEqual(15 + 8);
  });

  it('It should read nothing for no partitions or an empty range', async () => {
    const fake = fakeIndex({ 'RANK#a': [rankSortKey(5, leadId(1))] });
    expect(await queryRankedLeads(fake.doc, 't', { partitions: [], limit: 5 })).toEqual({
      entries: [],
      exhausted: true,
    });
    const empty = await queryRankedLeads(fake.doc, 't', {
      partitions: ['RANK#a'],
      from: rankScoreKey(10),
      before: rankSortKey(9, leadId(2)),
      limit: 5,
    });
    expect(empty).toEqual({ entries: [], exhausted: true });
    expect(fake.requests()).toBe(0);
  });
});

describe('listLeads over an index that lags behind its items', () => {
  it('It should list a lead once when its index entry is stale and its new one lies ahead', async () => {
    const config = loadClientConfig('example');
    const model = compileModel(config);
    const now = Date.parse('2026-12-01T05:00:00Z');
    const items = generateListLeads({ leads: 200, now, seed: 7, dueShare: 0.3 }, config, model).filter(
      (i) => i.segment === 'cold',
    );
    const table = new Map(items.map((i) => [i.leadId, i]));
    const partitions: Record<string, string[]> = {};
    for (const item of items) {
      partitions[item.gsi1pk!] ??= [];
      partitions[item.gsi1pk!]!.push(item.gsi1sk!);
    }
    // The lead ranked first was rewritten lower (decay) and is already indexed there; the index
    // still shows it at its old place too, as a lagging GSI can.
    const top = [...items].sort((a, b) => (a.gsi1sk! < b.gsi1sk! ? 1 : -1))[0]!;
    const moved: LeadItem = { ...top, gsi1sk: rankSortKey(-1e6, top.leadId) };
    table.set(top.leadId, moved);
    partitions[top.gsi1pk!]!.push(moved.gsi1sk!);
    const fake = fakeIndex(partitions, table);
    const store = Leadscore.forTable({ doc: fake.doc, tableName: 'fake', config });
    const listed: string[] = [];
    let last: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { leadId: string }[]; nextCursor: string | null } = await listLeads(
        store,
        { segment: 'cold', limit: '7', ...(cursor ? { cursor } : {}) },
        now,
      );
      last = page.items.map((l) => l.leadId);
      listed.push(...last);
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed.filter((id) => id === top.leadId)).toHaveLength(1);
    // Listed where it is now: the end of the ranking (a score of -10^6 stored), not the top.
    expect(last).toContain(top.leadId);
    expect(listed.slice(0, 7)).not.toContain(top.leadId);
    expect(new Set(listed).size).toBe(listed.length);
  });
});
