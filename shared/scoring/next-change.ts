import { applyStep, halfLifeDecay, poolValueAt, stepTimes } from './decay.ts';
import { bandFor, type CompiledModel } from './model.ts';
import type { LeadState } from './types.ts';

/** How far ahead the decay index looks; a lead that changes later is found on a later run. */
export const HORIZON_MS = 400 * 86_400_000;

/** The score at `t`, computed exactly as `observe` computes it. */
function totalAt(state: LeadState, model: CompiledModel, t: number): number {
  const engagement = Math.max(0, poolValueAt(state.pool, model, t)) * state.source.multiplier;
  return state.fit.score + state.source.points + engagement;
}

/**
 * True when observing the lead at `t` would report a change of segment or a threshold crossing
 * against its stored classification (the same rules `observe` applies).
 */
function classificationChangesAt(state: LeadState, model: CompiledModel, t: number): boolean {
  const total = totalAt(state, model, t);
  const disqualified = state.disqualified !== null;
  const segment = disqualified ? 'disqualified' : bandFor(model.segments, total);
  if (segment !== state.segment) return true;
  for (const threshold of model.thresholds) {
    const above = state.thresholds[threshold.name] === true;
    if (!above && !disqualified && total >= threshold.score) return true;
    if (above && (disqualified || total < threshold.rearmBelow)) return true;
  }
  return false;
}

/**
 * The score below which the lead's reported classification changes: the lower edge of its
 * current segment, or a threshold's rearm line while the lead is above it. Decay only lowers
 * scores, so the next change is the first time the score falls below the highest such edge.
 */
function nextEdge(state: LeadState, model: CompiledModel, score: number): number | null {
  if (state.disqualified) return null;
  let edge: number | null = null;
  for (const band of model.segments) {
    if (band.min !== undefined && band.min <= score) {
      edge = band.min;
      break;
    }
  }
  for (const threshold of model.thresholds) {
    if (state.thresholds[threshold.name] === true && threshold.rearmBelow <= score) {
      edge = edge === null ? threshold.rearmBelow : Math.max(edge, threshold.rearmBelow);
    }
  }
  return edge;
}

/**
 * The first whole millisecond after `from` at which the pool falls below `target`, or null
 * beyond the horizon. Closed form between inactivity steps: pool(t) = P·2^(−(t−t0)/H), so it
 * crosses at t0 + H·log2(P / target); a step that takes it below does so at the step's time.
 */
function poolCrossing(state: LeadState, model: CompiledModel, from: number, target: number): number | null {
  let pool = poolValueAt(state.pool, model, from);
  let cursor = from;
  const steps = stepTimes({ ...state.pool, value: pool, at: from }, model);
  for (const { time, step } of [...steps, { time: from + HORIZON_MS, step: undefined }]) {
    if (model.halfLifeMs !== null && pool > 0) {
      const crossing = cursor + model.halfLifeMs * Math.log2(pool / target);
      if (crossing < time) return Math.max(from + 1, Math.floor(crossing) + 1);
    }
    if (step === undefined) return null;
    pool = applyStep(halfLifeDecay(pool, time - cursor, model.halfLifeMs), step);
    cursor = time;
    if (pool < target) return Math.ceil(time);
  }
  return null;
}

/**
 * The first instant after `now` at which decay changes the lead's segment or threshold state,
 * or null if that does not happen within the horizon. `now` itself when the stored
 * classification is already out of date (the state was last evaluated before a change). The
 * decay job indexes leads by this instant, so it reads only the leads that will change.
 */
export function nextChangeAt(state: LeadState, model: CompiledModel, now: number): number | null {
  if (classificationChangesAt(state, model, now)) return now;
  const base = state.fit.score + state.source.points;
  const edge = nextEdge(state, model, totalAt(state, model, now));
  if (edge === null || edge <= base) return null; // engagement >= 0 cannot take the score below it
  const candidate = poolCrossing(state, model, now, (edge - base) / state.source.multiplier);
  if (candidate === null) return null;
  return settle(state, model, now, candidate);
}

/**
 * Moves a closed-form estimate to the exact millisecond `observe` agrees with: floating-point
 * rounding in the logarithm can put it one or two milliseconds off. The classification only
 * changes once as the score decays, so the first changed millisecond is well defined. Should it
 * still disagree, the estimate stands: the decay job then observes a lead a little early.
 */
function settle(state: LeadState, model: CompiledModel, now: number, candidate: number): number {
  let t = candidate;
  for (let i = 0; i < 8 && !classificationChangesAt(state, model, t); i++) t++;
  if (!classificationChangesAt(state, model, t)) return candidate;
  for (let i = 0; i < 8 && t - 1 > now && classificationChangesAt(state, model, t - 1); i++) t--;
  return t;
}
