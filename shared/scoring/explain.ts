import { liveValue, poolAt } from './decay.ts';
import { classify } from './evaluate.ts';
import type { CompiledModel } from './model.ts';
import type { LeadState } from './types.ts';

export type ExplanationKind = 'fit' | 'source' | 'engagement' | 'floor' | 'multiplier' | 'predictive';

/** One line of an explanation; the lines' points sum to the total score. */
export interface ExplanationLine {
  readonly kind: ExplanationKind;
  readonly ruleId?: string;
  /** What the line contributes to the score now (engagement: what is left after decay). */
  readonly points: number;
  /** Engagement lines: the points the rule awarded (after caps, before decay). */
  readonly awarded?: number;
  /** Engagement lines: how many events fired the rule, its repeat bonuses and what caps cut. */
  readonly count?: number;
  readonly bonus?: number;
  readonly capped?: number;
  readonly text: string;
}

/** A threshold a fast-track rule holds (PRODUCT §2.13). */
export interface FastTrackNote {
  readonly threshold: string;
  readonly ruleId: string;
  readonly until: string;
  readonly text: string;
}

export interface Explanation {
  readonly modelVersion: string;
  readonly at: string;
  readonly total: number;
  readonly fit: number;
  readonly source: number;
  readonly engagement: number;
  /** The predictive blend's points (0 without one). */
  readonly predictive: number;
  readonly segment: string;
  readonly grade: string;
  readonly disqualified: LeadState['disqualified'];
  readonly fastTrack: readonly FastTrackNote[];
  readonly lines: readonly ExplanationLine[];
}

export const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

/**
 * Accounts for every point of a lead's score at `now` (PRODUCT §2.12): each fit and source
 * rule, and each engagement rule with the points it awarded and what is left of them after
 * decay (no lump "decay" line), then the zero floor, the source multiplier and the predictive
 * blend. The lines sum to the total. A fast track that holds a threshold is said as well.
 */
export function explain(state: LeadState, model: CompiledModel, now: number): Explanation {
  const classification = classify(state, model, now);
  const { breakdown } = classification;
  const lines: ExplanationLine[] = [];
  for (const r of state.fit.rules)
    lines.push({
      kind: 'fit',
      ruleId: r.ruleId,
      points: r.points,
      text: `${r.ruleId}: ${fmt(r.points)} (fit)`,
    });
  for (const r of state.source.rules) {
    if (r.points !== 0)
      lines.push({
        kind: 'source',
        ruleId: r.ruleId,
        points: r.points,
        text: `${r.ruleId}: ${fmt(r.points)} (source)`,
      });
  }
  const pool = poolAt(state.pool, model, classification.at);
  let engagement = 0;
  for (const [ruleId, tally] of Object.entries(state.tallies)) {
    if (!tally) continue; // rules that never fired may hold an empty slot
    const left = liveValue(tally, pool);
    engagement += left;
    const extras = [`${tally.count}×`];
    if (tally.bonus > 0) extras.push(`incl. ${fmt(tally.bonus)} repeat bonus`);
    if (tally.capped > 0) extras.push(`${fmt(tally.capped)} not counted (caps, resubmissions)`);
    lines.push({
      kind: 'engagement',
      ruleId,
      points: left,
      awarded: tally.awarded,
      count: tally.count,
      bonus: tally.bonus,
      capped: tally.capped,
      text: `${ruleId}: ${fmt(tally.awarded)} awarded, ${fmt(left)} now (${extras.join(', ')})`,
    });
  }
  if (engagement < 0) {
    lines.push({ kind: 'floor', points: -engagement, text: `engagement floor at 0: +${fmt(-engagement)}` });
  }
  const multiplied = Math.max(0, engagement) * (state.source.multiplier - 1);
  if (multiplied !== 0) {
    lines.push({
      kind: 'multiplier',
      points: multiplied,
      text: `source multiplier ×${state.source.multiplier}: ${fmt(multiplied)}`,
    });
  }
  if (state.predictive !== undefined && model.predictive !== null) {
    const { probability, points } = state.predictive;
    lines.push({
      kind: 'predictive',
      points,
      text: `predictive model: ${fmt(probability * 100)}% likely to convert × ${model.predictive.weight}: ${fmt(points)}`,
    });
  }
  const fastTrack: FastTrackNote[] = [];
  for (const [threshold, t] of Object.entries(classification.thresholds)) {
    if (
      !t.above ||
      t.fastTrackedBy === undefined ||
      t.holdUntil === undefined ||
      t.holdUntil <= classification.at
    )
      continue;
    const until = new Date(t.holdUntil).toISOString();
    fastTrack.push({
      threshold,
      ruleId: t.fastTrackedBy,
      until,
      text: `${threshold} by fast track: ${t.fastTrackedBy} (held until ${until.slice(0, 10)})`,
    });
  }
  return {
    modelVersion: state.modelVersion,
    at: new Date(classification.at).toISOString(),
    total: breakdown.total,
    fit: breakdown.fit,
    source: breakdown.source,
    engagement: breakdown.engagement,
    predictive: breakdown.predictive,
    segment: classification.segment,
    grade: classification.grade,
    disqualified: state.disqualified,
    fastTrack,
    lines,
  };
}

/**
 * The reasons that carry the most points now, for alerts: a fast track first, then the lines
 * with the largest effect either way ("pricing-page: 40 awarded, 12.3 now", "personal-email: -10").
 */
export function topReasons(explanation: Explanation, limit = 3): string[] {
  const lines = explanation.lines
    .filter((l) => l.ruleId !== undefined && Math.abs(l.points) >= 0.005)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
    .map((l) => l.text);
  return [...explanation.fastTrack.map((f) => f.text), ...lines].slice(0, limit);
}
