import type { ModelRow, RuleInfo } from '#shared/analytics/dataset.ts';
import { explain } from '#shared/scoring/explain.ts';
import type { CompiledModel } from '#shared/scoring/model.ts';
import { finalOutcome } from '#shared/scoring/outcomes.ts';
import type { LeadState } from '#shared/scoring/types.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import type { LeadRepository } from '#shared/store/lead-repository.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * What the report and training read of one lead: with a final outcome, the score, segment,
 * grade and rules it had when the outcome was reached (what the model knew then); without,
 * the lead as it is at `now`.
 */
export function modelRowOf(
  state: LeadState,
  model: CompiledModel,
  now: number,
  createdAt?: string,
): ModelRow {
  const outcome = finalOutcome(state);
  const profile = { ...state.profile };
  delete profile.email;
  const base = {
    leadId: state.leadId,
    ...(createdAt ? { createdAt } : {}),
    ...(state.reached?.mql !== undefined ? { mqlAt: iso(state.reached.mql) } : {}),
    profile,
  };
  if (outcome) {
    return {
      ...base,
      score: outcome.score,
      segment: outcome.segment,
      grade: outcome.grade,
      label: outcome.kind === 'converted' ? 1 : 0,
      outcome: {
        kind: outcome.kind as 'converted' | 'lost' | 'disqualified',
        at: new Date(outcome.at).toISOString(),
        ...(outcome.value !== undefined ? { value: outcome.value } : {}),
        ...(outcome.currency !== undefined ? { currency: outcome.currency } : {}),
        ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      },
      ruleHits: outcome.hits,
      rulePoints: outcome.points,
    };
  }
  const explanation = explain(state, model, now);
  const ruleHits: Record<string, number> = {};
  const rulePoints: Record<string, number> = {};
  for (const line of explanation.lines) {
    if (line.ruleId === undefined) continue;
    ruleHits[line.ruleId] = line.count ?? 1;
    rulePoints[line.ruleId] = round2(line.points);
  }
  return {
    ...base,
    score: round2(explanation.total),
    segment: explanation.segment,
    grade: explanation.grade,
    label: undefined,
    ruleHits,
    rulePoints,
  };
}

/** The model's rules as the analytics name them. */
export function ruleInfoOf(model: CompiledModel): RuleInfo[] {
  return [
    ...model.fitRules.map((r) => ({ ruleId: r.id, kind: 'fit' as const, points: r.points })),
    ...model.sourceRules.map((r) => ({ ruleId: r.id, kind: 'source' as const, points: r.points })),
    ...[...model.rulesById.values()].map((r) => ({
      ruleId: r.id,
      kind: 'engagement' as const,
      points: r.points,
    })),
  ];
}

/**
 * Every known lead of the table as a model row, read by a parallel scan (`segments` at a time).
 * Anonymous visitors are left out: they have no outcome and no profile to judge.
 */
export async function modelRows(
  repo: LeadRepository,
  model: CompiledModel,
  now: number,
  options: { segments?: number; onProgress?: (rows: number) => void } = {},
): Promise<ModelRow[]> {
  const segments = options.segments ?? 4;
  const rows: ModelRow[] = [];
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await repo.scanLeads(segment, segments, cursor);
        for (const item of page.items) {
          if (item.kind !== 'lead' || item.mergedInto) continue;
          rows.push(modelRowOf(stateOf(item), model, now, item.createdAt));
        }
        options.onProgress?.(rows.length);
        cursor = page.cursor;
      } while (cursor);
    }),
  );
  return rows.sort((a, b) => (a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0));
}
