import { applyStep, halfLifeDecay, poolValueAt, stepTimes } from './decay.ts';
import type { CompiledModel } from './model.ts';
import type { LeadState } from './types.ts';

/** How far ahead the decay index looks; a lead that changes later is found on a later run. */
export const HORIZON_MS = 400 * 86_400_000;

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
 * The first instant after `now` at which decay changes the lead's segment or threshold state,
 * or null if that does not happen within the horizon. Closed form between inactivity steps:
 * engagement(t) = P·2^(−(t−t0)/H), so the crossing time is t0 + H·log2(P·m / (edge − base)).
 * The decay job indexes leads by this instant, so it reads only the leads that will change.
 */
export function nextChangeAt(state: LeadState, model: CompiledModel, now: number): number | null {
  const base = state.fit.score + state.source.points;
  const m = state.source.multiplier;
  let pool = poolValueAt(state.pool, model, now);
  const score = base + Math.max(0, pool) * m;
  const edge = nextEdge(state, model, score);
  if (edge === null || edge <= base) return null; // engagement >= 0 cannot take the score below it
  const target = (edge - base) / m; // the pool value below which the classification changes
  let cursor = now;
  const steps = stepTimes({ ...state.pool, value: pool, at: now }, model);
  for (const { time, step } of [...steps, { time: now + HORIZON_MS, step: undefined }]) {
    if (pool < target) return cursor + 1;
    if (model.halfLifeMs !== null && pool > 0) {
      const crossing = cursor + model.halfLifeMs * Math.log2(pool / target);
      if (crossing < time) return Math.floor(crossing) + 1;
    }
    pool = halfLifeDecay(pool, time - cursor, model.halfLifeMs);
    if (step) pool = applyStep(pool, step);
    cursor = time;
  }
  return pool < target ? cursor : null;
}
