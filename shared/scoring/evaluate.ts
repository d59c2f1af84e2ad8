import { poolValueAt } from './decay.ts';
import { bandFor, type CompiledModel, gradeFor } from './model.ts';
import type {
  HistoryEntry,
  LeadState,
  Lifecycle,
  RuleContribution,
  ScoreChanges,
  ThresholdCrossing,
} from './types.ts';

/** How many audit-trail entries a lead keeps inline; the full trail is its stored events. */
export const HISTORY_LIMIT = 20;

const NO_CROSSINGS: readonly ThresholdCrossing[] = Object.freeze([]);

/** The parts of a lead's state an event or a profile update produces; `evaluate` derives the rest. */
export type ScoredParts = Pick<
  LeadState,
  'profile' | 'fit' | 'source' | 'pool' | 'tallies' | 'windows' | 'disqualified' | 'eventCount'
>;

/** Why a lead was evaluated: recorded in its audit trail. */
export interface Cause {
  readonly cause: string;
  readonly eventId: string | undefined;
  readonly rules: readonly RuleContribution[];
}

/** The threshold crossings a score of `total` makes from the current threshold states. */
function crossingsAt(
  model: CompiledModel,
  current: LeadState['thresholds'],
  total: number,
  disqualified: boolean,
): readonly ThresholdCrossing[] {
  let crossings = NO_CROSSINGS;
  for (const threshold of model.thresholds) {
    const above = current[threshold.name] === true;
    let crossing: ThresholdCrossing | undefined;
    if (!above && !disqualified && total >= threshold.score) {
      crossing = { name: threshold.name, direction: 'up', threshold: threshold.score };
    } else if (above && (disqualified || total < threshold.rearmBelow)) {
      crossing = { name: threshold.name, direction: 'down', threshold: threshold.rearmBelow };
    }
    if (crossing === undefined) continue;
    if (crossings === NO_CROSSINGS) crossings = [];
    (crossings as ThresholdCrossing[]).push(crossing);
  }
  return crossings;
}

/** Threshold states after the crossings: above after an upward one, armed after a downward one. */
function thresholdsAfter(current: LeadState['thresholds'], crossings: readonly ThresholdCrossing[]) {
  if (crossings.length === 0) return current;
  const next: Record<string, boolean> = { ...current };
  for (const crossing of crossings) next[crossing.name] = crossing.direction === 'up';
  return next;
}

/** The lifecycle stage after upward crossings: lead → mql → sql, never backwards. */
function lifecycleAfter(model: CompiledModel, lifecycle: Lifecycle, crossings: readonly ThresholdCrossing[]) {
  let stage = lifecycle;
  for (const crossing of crossings) {
    if (crossing.direction !== 'up') continue;
    const reached = model.thresholds.find((th) => th.name === crossing.name)?.lifecycle;
    if (reached === 'mql' && stage === 'lead') stage = 'mql';
    if (reached === 'sql' && (stage === 'lead' || stage === 'mql')) stage = 'sql';
  }
  return stage;
}

/** The audit trail with one entry added, keeping the last HISTORY_LIMIT entries. */
function appendHistory(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const keep = Math.min(history.length, HISTORY_LIMIT - 1);
  const next: HistoryEntry[] = new Array(keep + 1);
  const offset = history.length - keep;
  for (let i = 0; i < keep; i++) next[i] = history[offset + i]!;
  next[keep] = entry;
  return next;
}

/**
 * The lead's new state at `now` from the new parts: its total, segment, grade, threshold states
 * and lifecycle, and what changed since `state` was last reported (for the caller to publish).
 */
export function evaluate(
  state: LeadState,
  parts: ScoredParts,
  model: CompiledModel,
  now: number,
  cause: Cause,
): { state: LeadState; changes: ScoreChanges } {
  const fit = parts.fit.score;
  const engagement = Math.max(0, poolValueAt(parts.pool, model, now)) * parts.source.multiplier;
  const total = fit + parts.source.points + engagement;
  const disqualified = parts.disqualified;
  const segment = disqualified ? 'disqualified' : bandFor(model.segments, total);
  const grade = gradeFor(model.grades, fit);
  const crossings = crossingsAt(model, state.thresholds, total, disqualified !== null);
  const segmentChange = segment !== state.segment ? { from: state.segment, to: segment } : null;
  const changes: ScoreChanges = {
    scoreBefore: state.score,
    scoreAfter: total,
    segmentChange,
    gradeChange: grade !== state.grade ? { from: state.grade, to: grade } : null,
    thresholdCrossings: crossings,
    newlyDisqualified: disqualified && segmentChange !== null ? disqualified : null,
  };
  const moved = total !== state.score || segmentChange !== null || crossings.length > 0;
  const { eventId, rules } = cause;
  const history = moved
    ? appendHistory(
        state.history,
        eventId === undefined
          ? { at: now, cause: cause.cause, rules, total }
          : { at: now, cause: cause.cause, eventId, rules, total },
      )
    : state.history;
  const next: LeadState = {
    leadId: state.leadId,
    modelVersion: model.version,
    profile: parts.profile,
    fit: parts.fit,
    source: parts.source,
    pool: parts.pool,
    tallies: parts.tallies,
    windows: parts.windows,
    thresholds: thresholdsAfter(state.thresholds, crossings),
    segment,
    grade,
    score: total,
    disqualified,
    lifecycle: crossings.length === 0 ? state.lifecycle : lifecycleAfter(model, state.lifecycle, crossings),
    eventCount: parts.eventCount,
    updatedAt: Math.max(state.updatedAt, now),
    history,
  };
  return { state: next, changes };
}
