import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Leadscore } from '#shared/app/leadscore.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { HttpError, ValidationError } from '#shared/http/errors.ts';
import { zodFieldIssues } from '#shared/http/middleware.ts';
import { type Explanation, explain, topReasons } from '#shared/scoring/explain.ts';
import { bandFor } from '#shared/scoring/model.ts';
import { DEFAULT_ROUTE_ID } from '#shared/scoring/routing.ts';
import type { LeadState } from '#shared/scoring/types.ts';
import { accountDomainOf, type LeadItem, stateOf } from '#shared/store/lead-item.ts';
import type { RankedEntry } from '#shared/store/lead-queries.ts';
import { RANK_SORT_KEY_PATTERN, rankPartitionKey, rankScoreKey } from '#shared/store/table-definition.ts';
import { outcomeView } from './outcomes.ts';

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
  /** The lead's newest event (its last activity, outcomes included), or null. */
  lastEventAt: string | null;
}

/**
 * The instant a lead is read at: now, or the last time the lead was observed when that is later
 * (a decay run for a future `--now` has stored and indexed the lead as of then). A lead never
 * reads as of before what its index entry says, so the filters of the listing (which pick
 * `byRank` partitions by the stored segment) and the scores shown agree: stored scores only
 * decay toward the read time.
 */
export function readTimeOf(state: LeadState, now: number): number {
  return Math.max(now, state.reported.at);
}

/** A summary of a lead scored at its read time (see readTimeOf). */
export function summarise(
  item: LeadItem,
  store: Leadscore,
  now: number,
): LeadSummary & { explanation: Explanation } {
  const state = stateOf(item);
  const explanation = explain(state, store.model, readTimeOf(state, now));
  return {
    leadId: item.leadId,
    email: item.email ?? null,
    name: item.name ?? null,
    company: item.company ?? null,
    score: round(explanation.total),
    fitScore: round(explanation.fit + explanation.source),
    engagementScore: round(explanation.engagement),
    segment: explanation.segment,
    grade: explanation.grade,
    lifecycle: state.lifecycle,
    owner: item.owner ? { name: item.owner.name, email: item.owner.email } : null,
    topReasons: topReasons(explanation),
    modelVersion: state.modelVersion,
    updatedAt: item.updatedAt,
    lastEventAt: state.last ? new Date(state.last.at).toISOString() : null,
    explanation,
  };
}

/** The stored item of a lead the API may show: 400 for a malformed id, 404 unknown or merged. */
export async function storedLead(store: Leadscore, leadId: string): Promise<LeadItem> {
  if (!/^(ld|an)_[\w-]{22}$/.test(leadId)) {
    throw new ValidationError([{ field: 'leadId', message: 'not a leadscore lead id' }]);
  }
  const item = await store.repo.getLead(leadId);
  if (!item)
    throw new HttpError(404, 'not_found', `no lead ${leadId}`, [
      { field: 'leadId', message: 'unknown lead' },
    ]);
  if (item.mergedInto) {
    throw new HttpError(404, 'merged', `visitor ${leadId} was merged into ${item.mergedInto}`, [
      { field: 'leadId', message: `merged into ${item.mergedInto}` },
    ]);
  }
  return item;
}

/** GET /v1/leads/{leadId}: profile, scores now, segment, grade, explanation, history, account. */
export async function getLead(store: Leadscore, leadId: string, now: number) {
  const item = await storedLead(store, leadId);
  const state = stateOf(item);
  const summary = summarise(item, store, now);
  const domain = accountDomainOf(state);
  return {
    ...summary,
    explanation: {
      ...summary.explanation,
      lines: summary.explanation.lines.map((l) => ({
        ...l,
        points: round(l.points),
        ...(l.awarded === undefined ? {} : { awarded: round(l.awarded) }),
      })),
      total: round(summary.explanation.total),
    },
    profile: state.profile,
    disqualified: state.disqualified,
    outcomes: Object.values(state.outcomes ?? {})
      .map(outcomeView)
      .sort((a, b) => (a.at < b.at ? -1 : 1)),
    lifecycleReached: Object.fromEntries(
      Object.entries(state.reached ?? {}).map(([stage, at]) => [stage, new Date(at).toISOString()]),
    ),
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
export async function accountScore(store: Leadscore, domain: string) {
  const { account } = store.model;
  const items = await store.repo.accountLeads(domain, account.method === 'topN' ? account.topN : undefined);
  return {
    domain,
    ...rollUp(
      store,
      items.map((i) => i.score),
    ),
    leads: items.length,
  };
}

/** The account's score from its leads' scores, as the config combines them. */
function rollUp(store: Leadscore, leadScores: readonly number[]) {
  const { account } = store.model;
  const scores = [...leadScores].filter((s) => s > 0).sort((a, b) => b - a);
  const counted = account.method === 'topN' ? scores.slice(0, account.topN) : scores;
  const sum = counted.reduce((a, b) => a + b, 0);
  const score = account.method === 'cappedSum' ? Math.min(sum, account.cap ?? sum) : sum;
  return { score: round(score), segment: bandFor(account.segments, score), method: account.method };
}

const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'a company domain such as acme.com',
  );

/**
 * GET /v1/accounts/{domain} (PRODUCT §6.1): the account score and segment, with its leads
 * scored as of `now`, highest first. 404 when no lead rolls up into the domain.
 */
export async function getAccount(store: Leadscore, domainParam: string | undefined, now: number) {
  const parsed = domainSchema.safeParse(domainParam ?? '');
  if (!parsed.success)
    throw new ValidationError([{ field: 'domain', message: parsed.error.issues[0]!.message }]);
  const domain = parsed.data;
  const items = await store.repo.accountLeads(domain);
  if (items.length === 0)
    throw new HttpError(404, 'not_found', `no leads for account ${domain}`, [
      { field: 'domain', message: 'no lead rolls up into this domain' },
    ]);
  const leads = items.map((item) => {
    const { explanation: _, ...summary } = summarise(item, store, now);
    return summary;
  });
  leads.sort((a, b) => b.score - a.score || (a.leadId < b.leadId ? -1 : 1));
  return {
    domain,
    ...rollUp(
      store,
      leads.map((l) => l.score),
    ),
    leads: leads.length,
    members: leads,
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

type ListQuery = z.infer<typeof listQuerySchema>;

/**
 * The values each filter of GET /v1/leads accepts, from the client's configuration: segments in
 * ranking order (`disqualified` last), grades, and the owners of the routing rules. A console
 * offers these without hard-coding one client's model.
 */
export function listFilters(config: ClientConfig) {
  const { rules, default: fallback } = config.notifications.routing;
  const owners = new Map<string, { name: string; email: string }>();
  for (const { owner } of [...rules, fallback]) {
    const key = owner.email.toLowerCase();
    if (!owners.has(key)) owners.set(key, { name: owner.name, email: owner.email });
  }
  return {
    segments: [...config.model.segments.map((s) => s.name), DISQUALIFIED],
    grades: config.model.grades.map((g) => g.grade),
    owners: [...owners.values()],
  };
}

/** The segment listed after the score bands when no segment is asked for. */
const DISQUALIFIED = 'disqualified';
/**
 * The displayed score is rounded to cents, so a lead shown with `minScore` may be just below it:
 * the index is read from this much lower (a superset) and the displayed score decides.
 */
const ROUNDING_MARGIN = 0.01;

/** One step of a listing: the `byRank` partitions of one segment that match the filters. */
interface RankGroup {
  readonly segment: string;
  readonly partitions: readonly string[];
}

/** The routing rule ids (and the default route) whose owner is `owner`, or all of them. */
function routeIdsFor(config: ClientConfig, owner: string | undefined): string[] {
  const { rules, default: fallback } = config.notifications.routing;
  const routes = [
    ...rules.map((r) => ({ id: r.id, email: r.owner.email })),
    { id: DEFAULT_ROUTE_ID, email: fallback.owner.email },
  ];
  const wanted = owner?.toLowerCase();
  return [
    ...new Set(
      routes.filter((r) => wanted === undefined || r.email.toLowerCase() === wanted).map((r) => r.id),
    ),
  ];
}

/**
 * The walk of a listing (PRODUCT §6.1): its segments in ranking order, each with the partitions
 * of the grades and owner routes the filters allow. Without a segment filter: the score bands
 * from the highest down, skipping bands entirely below `minScore`, then `disqualified` (listed
 * after every qualified lead, whatever its score). Stored scores lie within their band, so walking
 * bands in order is walking the stored scores in order.
 */
function rankWalk(config: ClientConfig, q: ListQuery): RankGroup[] {
  const bands = config.model.segments;
  const lowest = q.minScore === undefined ? undefined : q.minScore - ROUNDING_MARGIN;
  const segments = q.segment
    ? [q.segment]
    : [
        // Band i holds stored scores below the min of band i - 1.
        ...bands
          .filter((_, i) => i === 0 || lowest === undefined || bands[i - 1]!.min! > lowest)
          .map((b) => b.name),
        DISQUALIFIED,
      ];
  const grades = q.grade ? [q.grade] : config.model.grades.map((g) => g.grade);
  const routes = routeIdsFor(config, q.owner);
  return segments.map((segment) => ({
    segment,
    partitions: grades.flatMap((grade) => routes.map((route) => rankPartitionKey(segment, grade, route))),
  }));
}

/** Where the next page starts: step `s` of the walk, below position `k` (or from its top). */
interface Cursor {
  s: number;
  k?: string;
  /** Fingerprint of the filters the cursor was made for. */
  f: string;
}

const cursorSchema = z
  .object({
    s: z.number().int().min(0),
    k: z.string().regex(RANK_SORT_KEY_PATTERN).optional(),
    f: z.string().regex(/^[\w-]{1,16}$/),
  })
  .strict();

/** A short fingerprint of a query's filters: a cursor only continues the listing it came from. */
function filterFingerprint(q: ListQuery): string {
  const filters = [q.segment ?? null, q.grade ?? null, q.owner?.toLowerCase() ?? null, q.minScore ?? null];
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 12);
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

/**
 * Decodes a cursor for this listing. A cursor this API could not have returned for it (bad
 * JSON, an unknown shape, another listing's, a step out of range) is a 400 naming `cursor`,
 * never a DynamoDB error.
 */
function decodeCursor(text: string, steps: number, fingerprint: string): Cursor {
  const invalid = new ValidationError([{ field: 'cursor', message: 'not a cursor returned by this API' }]);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString());
  } catch {
    throw invalid;
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success || parsed.data.s >= steps || parsed.data.f !== fingerprint) throw invalid;
  return parsed.data;
}

/** Whether a listed lead matches the filters now (its segment and score as read, PRODUCT §2.7). */
function matches(summary: LeadSummary, item: LeadItem, q: ListQuery): boolean {
  if (q.segment !== undefined && summary.segment !== q.segment) return false;
  if (q.grade !== undefined && summary.grade !== q.grade) return false;
  if (q.owner !== undefined && item.owner?.email.toLowerCase() !== q.owner.toLowerCase()) return false;
  return q.minScore === undefined || summary.score >= q.minScore;
}

/**
 * GET /v1/leads (PRODUCT §6.1): leads ranked by score, filtered by segment, grade, owner and
 * minimum score, in pages that each cost a bounded number of reads, whatever the filters and
 * the table size. The filters choose `byRank` partitions (see rankWalk); each step of the walk
 * k-way merges its partitions by stored score from the cursor's position down (queryRankedLeads,
 * `minScore` as a key condition), until the page has `limit` entries; the page's lead items
 * are then read in one BatchGetItem. Reads per page: at most 3 × limit + Σ partitions × (first
 * query + 3) index keys over the steps it visits (rankedReadBound), plus `limit` items.
 *
 * The index orders by the score stored at the last write or decay run; each lead is re-scored
 * at read time, and a lead whose current segment, grade, owner or score no longer matches is
 * left out (a page may then be short; `nextCursor` still continues after it). Within a page,
 * leads are sorted by segment step, then current score. A lead rewritten between two pages to
 * a position the next pages will reach is left for them, so it is listed once.
 */
export async function listLeads(store: Leadscore, query: Record<string, string | undefined>, now: number) {
  const parsed = listQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError(zodFieldIssues(parsed.error));
  const q = parsed.data;
  const { config } = store;
  const segments = config.model.segments.map((s) => s.name);
  if (q.segment && !segments.includes(q.segment) && q.segment !== DISQUALIFIED) {
    throw new ValidationError([
      { field: 'segment', message: `one of ${[...segments, DISQUALIFIED].join(', ')}` },
    ]);
  }
  const grades = config.model.grades.map((g) => g.grade);
  if (q.grade && !grades.includes(q.grade)) {
    throw new ValidationError([{ field: 'grade', message: `one of ${grades.join(', ')}` }]);
  }
  const walk = rankWalk(config, q);
  const fingerprint = filterFingerprint(q);
  const start = q.cursor ? decodeCursor(q.cursor, walk.length, fingerprint) : { s: 0, f: fingerprint };
  const from = q.minScore === undefined ? undefined : rankScoreKey(q.minScore - ROUNDING_MARGIN);

  const entries: (RankedEntry & { step: number })[] = [];
  let next: Cursor | null = null;
  for (let step = start.s, before = start.k; step < walk.length; step++, before = undefined) {
    const page = await store.repo.rankedLeads({
      partitions: walk[step]!.partitions,
      from,
      before,
      limit: q.limit - entries.length,
    });
    entries.push(...page.entries.map((e) => ({ ...e, step })));
    if (entries.length >= q.limit) {
      if (!page.exhausted) next = { s: step, k: entries.at(-1)!.rankKey, f: fingerprint };
      else if (step + 1 < walk.length) next = { s: step + 1, f: fingerprint };
      break;
    }
  }

  const items = await store.repo.leadsById(entries.map((e) => e.leadId));
  const stepOf = new Map(walk.flatMap((group, step) => group.partitions.map((p) => [p, step] as const)));
  /** Whether a rewritten lead now sits where a later page of this walk will find it. */
  const aheadOfPage = (item: LeadItem) => {
    const step = item.gsi1pk === undefined ? undefined : stepOf.get(item.gsi1pk);
    if (next === null || step === undefined || item.gsi1sk === undefined) return false;
    if (next.k === undefined) return step >= next.s;
    return step > next.s || (step === next.s && item.gsi1sk < next.k);
  };
  const listed: { summary: LeadSummary; step: number }[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const item = items.get(entry.leadId);
    if (item?.kind !== 'lead' || item.mergedInto || seen.has(item.leadId) || aheadOfPage(item)) continue;
    seen.add(item.leadId);
    const { explanation: _, ...summary } = summarise(item, store, now);
    if (matches(summary, item, q)) listed.push({ summary, step: entry.step });
  }
  listed.sort((a, b) => a.step - b.step || b.summary.score - a.summary.score);
  return {
    items: listed.map((l) => l.summary),
    nextCursor: next ? encodeCursor(next) : null,
    filters: listFilters(config),
  };
}
