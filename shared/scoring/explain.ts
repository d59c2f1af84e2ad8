import { poolValueAt } from './decay.ts';
import { scoreAt } from './engine.ts';
import type { CompiledModel } from './model.ts';
import type { LeadState } from './types.ts';

export type ExplanationKind = 'fit' | 'source' | 'engagement' | 'decay' | 'floor' | 'multiplier';

/** One line of an explanation; the lines' points sum to the total score. */
export interface ExplanationLine {
  readonly kind: ExplanationKind;
  readonly ruleId?: string;
  readonly points: number;
  /** Engagement lines: how many events fired the rule, its repeat bonuses and what caps cut. */
  readonly count?: number;
  readonly bonus?: number;
  readonly capped?: number;
  readonly text: string;
}

export interface Explanation {
  readonly modelVersion: string;
  readonly at: string;
  readonly total: number;
  readonly fit: number;
  readonly source: number;
  readonly engagement: number;
  readonly disqualified: LeadState['disqualified'];
  readonly lines: readonly ExplanationLine[];
}

const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

/**
 * Accounts for every point of a lead's score at `now`: each fit, source and engagement rule
 * (with repeat bonuses and what caps cut), what decay took, the zero floor and the source
 * multiplier. The lines sum to the total.
 */
export function explain(state: LeadState, model: CompiledModel, now: number): Explanation {
  const score = scoreAt(state, model, now);
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
  let awardedSum = 0;
  for (const [ruleId, tally] of Object.entries(state.tallies)) {
    if (!tally) continue; // rules that never fired may hold an empty slot
    awardedSum += tally.awarded;
    const extras = [`${tally.count}×`];
    if (tally.bonus > 0) extras.push(`incl. ${fmt(tally.bonus)} repeat bonus`);
    if (tally.capped > 0) extras.push(`${fmt(tally.capped)} cut by caps`);
    lines.push({
      kind: 'engagement',
      ruleId,
      points: tally.awarded,
      count: tally.count,
      bonus: tally.bonus,
      capped: tally.capped,
      text: `${ruleId}: ${fmt(tally.awarded)} (${extras.join(', ')})`,
    });
  }
  const pool = poolValueAt(state.pool, model, now);
  const decay = pool - awardedSum;
  if (decay !== 0) lines.push({ kind: 'decay', points: decay, text: `decay: ${fmt(decay)}` });
  if (pool < 0) lines.push({ kind: 'floor', points: -pool, text: `engagement floor at 0: +${fmt(-pool)}` });
  const multiplied = Math.max(0, pool) * (state.source.multiplier - 1);
  if (multiplied !== 0) {
    lines.push({
      kind: 'multiplier',
      points: multiplied,
      text: `source multiplier ×${state.source.multiplier}: ${fmt(multiplied)}`,
    });
  }
  return {
    modelVersion: state.modelVersion,
    at: new Date(now).toISOString(),
    total: score.total,
    fit: score.fit,
    source: score.source,
    engagement: score.engagement,
    disqualified: state.disqualified,
    lines,
  };
}

/** The reasons that carry the most points, for alerts ("demo-request: 30"). */
export function topReasons(explanation: Explanation, limit = 3): string[] {
  return explanation.lines
    .filter((l) => l.ruleId !== undefined && l.points > 0)
    .sort((a, b) => b.points - a.points)
    .slice(0, limit)
    .map((l) => l.text);
}
