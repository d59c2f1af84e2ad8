import { type EngagementPool, poolAt } from './decay.ts';
import { bandFor, type CompiledModel, type CompiledThreshold, gradeFor } from './model.ts';
import type {
  Classification,
  LeadState,
  Lifecycle,
  Reported,
  ScoreBreakdown,
  ScoreChanges,
  ThresholdCrossing,
  ThresholdState,
} from './types.ts';

/** How many audit-trail entries a lead keeps inline; the full trail is its stored events. */
export const HISTORY_LIMIT = 20;

const BELOW: ThresholdState = Object.freeze({ above: false, ups: 0 });
const NO_CROSSINGS: readonly ThresholdCrossing[] = Object.freeze([]);

type ScoreParts = Pick<LeadState, 'fit' | 'source' | 'predictive'>;

/** Engagement counts the pool floored at zero, times the source multiplier. */
const engagementOf = (parts: ScoreParts, pool: Pick<EngagementPool, 'pos' | 'neg'>) =>
  Math.max(0, pool.pos + pool.neg) * parts.source.multiplier;

const predictiveOf = (parts: ScoreParts, model: CompiledModel) =>
  model.predictive === null ? 0 : (parts.predictive?.points ?? 0);

/** The total score given the pool already decayed to the instant (see `breakdownAt`). */
export function totalWith(
  parts: ScoreParts,
  pool: Pick<EngagementPool, 'pos' | 'neg'>,
  model: CompiledModel,
) {
  return parts.fit.score + parts.source.points + engagementOf(parts, pool) + predictiveOf(parts, model);
}

/**
 * The lead's score at `t`: fit and source never decay; engagement does, floored at zero; the
 * predictive blend, if any, is constant between events.
 */
export function breakdownAt(
  state: ScoreParts & Pick<LeadState, 'pool'>,
  model: CompiledModel,
  t: number,
): ScoreBreakdown {
  const pool = poolAt(state.pool, model, t);
  return {
    fit: state.fit.score,
    source: state.source.points,
    engagement: engagementOf(state, pool),
    predictive: predictiveOf(state, model),
    total: totalWith(state, pool, model),
  };
}

export const thresholdState = (states: LeadState['thresholds'], name: string): ThresholdState =>
  states[name] ?? BELOW;

/** An engagement rule that fast-tracks the lead to a threshold at an event (PRODUCT §2.13). */
export interface FastTrack {
  readonly threshold: string;
  readonly ruleId: string;
  readonly holdMs: number;
}

/** The first fast track to the threshold among an event's (no closure: this runs per event). */
export function fastTrackFor(fastTracks: readonly FastTrack[], threshold: string): FastTrack | undefined {
  for (const track of fastTracks) if (track.threshold === threshold) return track;
  return undefined;
}

/** True when a lead above `threshold` falls back (is armed again) at `t` with score `total`. */
function rearms(threshold: CompiledThreshold, state: ThresholdState, t: number, total: number, dq: boolean) {
  if (!state.above) return false;
  if (dq) return true;
  return total < threshold.rearmBelow && (state.holdUntil === undefined || t >= state.holdUntil);
}

/**
 * One threshold's state after the score became `total` at `t` (hysteresis, PRODUCT §2.8): a
 * lead above it is armed again once below its rearm line (and past any fast-track hold); an
 * armed lead crosses upward when it reaches the score, or when a fast track qualifies it.
 * Returns `state` itself when nothing changes.
 */
export function nextThresholdState(
  threshold: CompiledThreshold,
  state: ThresholdState,
  t: number,
  total: number,
  disqualified: boolean,
  track: FastTrack | undefined,
): ThresholdState {
  let next = state;
  if (rearms(threshold, next, t, total, disqualified)) next = { above: false, ups: next.ups };
  if (disqualified) return next;
  if (!next.above && (total >= threshold.score || track)) {
    return track
      ? { above: true, ups: next.ups + 1, holdUntil: t + track.holdMs, fastTrackedBy: track.ruleId }
      : { above: true, ups: next.ups + 1 };
  }
  if (next.above && track) {
    return {
      ...next,
      holdUntil: Math.max(next.holdUntil ?? 0, t + track.holdMs),
      fastTrackedBy: track.ruleId,
    };
  }
  return next;
}

/**
 * The threshold states after the score became `total` at `t` (see `nextThresholdState`). The
 * same rule applies the decay before an event, the event itself, and the decay until a lead is
 * observed, so the states are a function of the lead's events and the instant.
 */
export function thresholdsAt(
  model: CompiledModel,
  current: LeadState['thresholds'],
  t: number,
  total: number,
  disqualified: boolean,
  fastTracks: readonly FastTrack[] = [],
): LeadState['thresholds'] {
  let next: Record<string, ThresholdState> | undefined;
  for (const threshold of model.thresholds) {
    const before = thresholdState(current, threshold.name);
    const track = fastTrackFor(fastTracks, threshold.name);
    const state = nextThresholdState(threshold, before, t, total, disqualified, track);
    if (state === before) continue;
    next ??= { ...current };
    next[threshold.name] = state;
  }
  return next ?? current;
}

/** The lifecycle stage after an upward crossing of `threshold`: lead → mql → sql, never backwards. */
export function lifecycleAfterCrossing(threshold: CompiledThreshold, stage: Lifecycle): Lifecycle {
  if (threshold.lifecycle === 'mql' && stage === 'lead') return 'mql';
  if (threshold.lifecycle === 'sql' && (stage === 'lead' || stage === 'mql')) return 'sql';
  return stage;
}

/**
 * The lead as classified at `t` (not before its last event): total, segment, grade and the
 * threshold states with the decay until `t` applied. The one decision that evaluation, the
 * decay index and the read API share.
 */
export function classify(state: LeadState, model: CompiledModel, t: number): Classification {
  const at = Math.max(t, state.last?.at ?? t);
  const breakdown = breakdownAt(state, model, at);
  const disqualified = state.disqualified !== null;
  return {
    at,
    breakdown,
    segment: disqualified ? 'disqualified' : bandFor(model.segments, breakdown.total),
    grade: gradeFor(model.grades, breakdown.fit),
    disqualified,
    thresholds: thresholdsAt(model, state.thresholds, at, breakdown.total, disqualified),
  };
}

/** What changed between what was reported and a classification (the events to publish). */
export function changesSince(
  reported: Reported,
  now: Classification,
  state: Pick<LeadState, 'disqualified'>,
  model: CompiledModel,
): ScoreChanges {
  let crossings = NO_CROSSINGS;
  for (const threshold of model.thresholds) {
    const was = thresholdState(reported.thresholds, threshold.name);
    const is = thresholdState(now.thresholds, threshold.name);
    let crossing: ThresholdCrossing | undefined;
    if (is.above && (!was.above || is.ups > was.ups)) {
      crossing = {
        name: threshold.name,
        direction: 'up',
        threshold: threshold.score,
        ...(is.fastTrackedBy && is.holdUntil !== undefined && now.breakdown.total < threshold.score
          ? { fastTrack: is.fastTrackedBy }
          : {}),
      };
    } else if (was.above && !is.above) {
      crossing = { name: threshold.name, direction: 'down', threshold: threshold.rearmBelow };
    }
    if (crossing === undefined) continue;
    if (crossings === NO_CROSSINGS) crossings = [];
    (crossings as ThresholdCrossing[]).push(crossing);
  }
  return {
    scoreBefore: reported.score,
    scoreAfter: now.breakdown.total,
    segmentChange: now.segment !== reported.segment ? { from: reported.segment, to: now.segment } : null,
    gradeChange: now.grade !== reported.grade ? { from: reported.grade, to: now.grade } : null,
    thresholdCrossings: crossings,
    newlyDisqualified: now.disqualified && !reported.disqualified ? state.disqualified : null,
  };
}

/** What a classification reports (stored so that the next report says only what changed since). */
export function reportOf(now: Classification): Reported {
  return {
    at: now.at,
    score: now.breakdown.total,
    segment: now.segment,
    grade: now.grade,
    disqualified: now.disqualified,
    thresholds: now.thresholds,
  };
}
