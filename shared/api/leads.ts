import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { HttpError, ValidationError } from '#shared/http/errors.ts';
import { zodFieldIssues } from '#shared/http/middleware.ts';
import { scoreAt } from '#shared/scoring/engine.ts';
import { type Explanation, explain, topReasons } from '#shared/scoring/explain.ts';
import { bandFor, gradeFor } from '#shared/scoring/model.ts';
import { accountDomainOf, type LeadItem, stateOf } from '#shared/store/lead-item.ts';
import type { LeadStore } from '#shared/store/lead-store.ts';
import { accountPartitionKey, INDEXES, segmentPartitionKey } from '#shared/store/table-definition.ts';

const round = (n: number) => Math.round(n * 100) / 100;

/** A lead as readers see it, scored as of `now` (decay applied at read time, PRODUCT §2.7). */
export interface LeadSummary {
  leadId: string;
  email: string | null;
  name: string | null;
  company: string | null;
  score: number;
  fitScore: number;
  engagementScore: number;
  segment: string;
  grade: string;
  lifecycle: string;
  owner: { name: string; email: string } | null;
  topReasons: string[];
  modelVersion: string;
  updatedAt: string;
}

export function summarise(
  item: LeadItem,
  store: LeadStore,
  now: number,
): LeadSummary & { explanation: Explanation } {
  const state = stateOf(item);
  const model = store.model;
  const score = scoreAt(state, model, now);
  const explanation = explain(state, model, now);
  return {
    leadId: item.leadId,
    email: item.email ?? null,
    name: item.name ?? null,
    company: item.company ?? null,
    score: round(score.total),
    fitScore: round(score.fit + score.source),
    engagementScore: round(score.engagement),
    segment: state.disqualified ? 'disqualified' : bandFor(model.segments, score.total),
    grade: gradeFor(model.grades, score.fit),
    lifecycle: state.lifecycle,
    owner: item.owner ? { name: item.owner.name, email: item.owner.email } : null,
    topReasons: topReasons(explanation),
    modelVersion: state.modelVersion,
    updatedAt: item.updatedAt,
    explanation,
  };
}

/** GET /v1/leads/{leadId}: profile, scores now, segment, grade, explanation, history, account. */
export async function getLead(store: LeadStore, leadId: string, now: number) {
  if (!/^(ld|an)_[\w-]{22}$/.test(leadId)) {
    throw new ValidationError([{ field: 'leadId', message: 'not a leadscore lead id' }]);
  }
  const item = await store.getLeadItem(leadId);
  if (!item)
    throw new HttpError(404, 'not_found', `no lead ${leadId}`, [
      { field: 'leadId', message: 'unknown lead' },
    ]);
  if (item.mergedInto) {
    throw new HttpError(404, 'merged', `visitor ${leadId} was merged into ${item.mergedInto}`, [
      { field: 'leadId', message: `merged into ${item.mergedInto}` },
    ]);
  }
  const state = stateOf(item);
  const summary = summarise(item, store, now);
  const domain = accountDomainOf(state);
  return {
    ...summary,
    explanation: {
      ...summary.explanation,
      lines: summary.explanation.lines.map((l) => ({ ...l, points: round(l.points) })),
      total: round(summary.explanation.total),
    },
    profile: state.profile,
    disqualified: state.disqualified,
    kind: item.kind,
    createdAt: item.createdAt,
    history: state.history.map((h) => ({ ...h, at: new Date(h.at).toISOString(), total: round(h.total) })),
    account: domain ? await accountScore(store, domain) : null,
  };
}

/**
 * The account roll-up (PRODUCT §2.10): the leads of one company domain, from the byAccount
 * index (sorted by score), combined as the config says (sum, top-N contacts, capped sum).
 */
export async function accountScore(store: LeadStore, domain: string) {
  const { account } = store.model;
  const { Items = [] } = await store.query(
    new QueryCommand({
      TableName: store.tableName,
      IndexName: INDEXES.byAccount.name,
      KeyConditionExpression: 'gsi3pk = :pk',
      ExpressionAttributeValues: { ':pk': accountPartitionKey(domain) },
      ScanIndexForward: false,
      ...(account.method === 'topN' ? { Limit: account.topN } : {}),
      ProjectionExpression: 'leadId, score',
    }),
  );
  const scores = Items.map((i) => Number(i.score)).filter((s) => s > 0);
  const sum = scores.reduce((a, b) => a + b, 0);
  const score = account.method === 'cappedSum' ? Math.min(sum, account.cap ?? sum) : sum;
  return {
    domain,
    score: round(score),
    segment: bandFor(account.segments, score),
    leads: Items.length,
    method: account.method,
  };
}

export const listQuerySchema = z
  .object({
    segment: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .optional(),
    grade: z
      .string()
      .regex(/^[A-Z]$/)
      .optional(),
    owner: z.email().optional(),
    minScore: z.coerce.number().finite().optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

interface Cursor {
  s: number;
  k?: Record<string, unknown>;
}

/** A key value DynamoDB accepts (no empty strings, numbers it can store). */
const keyNumber = z
  .number()
  .min(-1e9)
  .max(1e9)
  .refine((n) => n === 0 || Math.abs(n) >= 1e-130);

/** The cursor's shape: a segment index and the bySegment index's LastEvaluatedKey. */
const cursorSchema = z
  .object({
    s: z.number().int().min(0),
    k: z
      .object({
        pk: z.string().min(1),
        sk: z.string().min(1),
        gsi1pk: z.string().min(1),
        gsi1sk: keyNumber,
      })
      .strict()
      .optional(),
  })
  .strict();

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

/**
 * Decodes a cursor for this query's segment order. A cursor that this API could not have returned
 * for it (bad JSON, a made-up start key, a segment index out of range) is a 400 naming `cursor`,
 * never a DynamoDB error.
 */
function decodeCursor(text: string, order: readonly string[]): Cursor {
  const invalid = new ValidationError([{ field: 'cursor', message: 'not a cursor returned by this API' }]);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString());
  } catch {
    throw invalid;
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success) throw invalid;
  const segment = order[parsed.data.s];
  if (segment === undefined) throw invalid;
  if (parsed.data.k && parsed.data.k.gsi1pk !== segmentPartitionKey(segment)) throw invalid;
  return parsed.data;
}

/**
 * GET /v1/leads: leads ranked by score, segment by segment from the highest band down (the
 * bySegment index sorts by the score stored at the last write or decay run; each page is
 * re-scored at read time and the page re-ranked by that current score).
 */
export async function listLeads(store: LeadStore, query: Record<string, string | undefined>, now: number) {
  const parsed = listQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError(zodFieldIssues(parsed.error));
  const q = parsed.data;
  const segments = store.model.segments.map((s) => s.name);
  if (q.segment && !segments.includes(q.segment) && q.segment !== 'disqualified') {
    throw new ValidationError([
      { field: 'segment', message: `one of ${[...segments, 'disqualified'].join(', ')}` },
    ]);
  }
  const order = q.segment ? [q.segment] : segments;
  let cursor: Cursor = q.cursor ? decodeCursor(q.cursor, order) : { s: 0 };
  const items: (LeadSummary & { explanation?: unknown })[] = [];
  while (items.length < q.limit && cursor.s < order.length) {
    const page = await store.query(
      new QueryCommand({
        TableName: store.tableName,
        IndexName: INDEXES.bySegment.name,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': segmentPartitionKey(order[cursor.s]!) },
        ScanIndexForward: false,
        Limit: q.limit - items.length,
        ...(cursor.k ? { ExclusiveStartKey: cursor.k } : {}),
      }),
    );
    for (const raw of page.Items ?? []) {
      const { explanation: _, ...summary } = summarise(raw as LeadItem, store, now);
      if (q.grade && summary.grade !== q.grade) continue;
      if (q.owner && summary.owner?.email !== q.owner) continue;
      if (q.minScore !== undefined && summary.score < q.minScore) continue;
      items.push(summary);
    }
    cursor = page.LastEvaluatedKey ? { s: cursor.s, k: page.LastEvaluatedKey } : { s: cursor.s + 1 };
  }
  items.sort((a, b) => b.score - a.score);
  return { items, nextCursor: cursor.s < order.length ? encodeCursor(cursor) : null };
}
