import { applyStep, halfLifeDecay, poolValueAt, stepTimes } from './decay.ts';
import { classify, thresholdState } from './evaluate.ts';
import type { CompiledModel } from './model.ts';
import type { LeadState } from './types.ts';

/** How far ahead the decay index looks; a lead that changes later is found on a later run. */
export const HORIZON_MS = 400 * 86_400_000;

/**
 * True when observing the lead at `t` would report a change of segment or a threshold crossing
 * against what was last reported (the same `classify` that `observe` uses).
 */
export function classificationChangesAt(state: LeadState, model: CompiledModel, t: number): boolean {
  const now = classify(state, model, t);
  if (now.segment !== state.reported.segment) return true;
  for (const threshold of model.thresholds) {
    const was = thresholdState(state.reported.thresholds, threshold.name);
    const is = thresholdState(now.thresholds, threshold.name);
    if (was.above !== is.above || (is.above && is.ups > was.ups)) return true;
  }
  return false;
}

/**
 * The first whole millisecond after `from` at which the pool falls below `target`, or null
 * beyond the horizon. Closed form between inactivity steps: pool(t) = P·2^(−(t−t0)/H), so it
 * crosses at t0 + H·log2(P / target); a step that takes it below does so at the step's time.
 */
function poolCrossing(state: LeadState, model: CompiledModel, from: number, target: number): number | null {
  let pool = poolValueAt(state.pool, model, from);
  if (pool < target) return from;
  let cursor = from;
  const steps = stepTimes({ at: from, lastActivity: state.pool.lastActivity }, model);
  for (const { time, step } of [...steps, { time: from + HORIZON_MS, step: undefined }]) {
    if (model.halfLifeMs !== null && pool > 0 && target > 0) {
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

/** The first instant after `now` at which the score falls below `edge`, or null. */
function timeBelow(state: LeadState, model: CompiledModel, now: number, edge: number): number | null {
  const base = state.fit.score + state.source.points;
  if (edge <= base) return null; // engagement >= 0 cannot take the score below it
  return poolCrossing(state, model, now, (edge - base) / state.source.multiplier);
}

/**
 * The first instant after `now` at which decay changes the lead's segment or threshold state,
 * or null if that does not happen within the horizon. `now` itself when what was reported is
 * already out of date. The decay job indexes leads by this instant, so it reads only the leads
 * that will change. Decay only lowers scores, so the candidates are the lower edge of the
 * current segment and, for each threshold the lead is above, its rearm line (not before a
 * fast-track hold ends).
 */
export function nextChangeAt(state: LeadState, model: CompiledModel, now: number): number | null {
  if (classificationChangesAt(state, model, now)) return now;
  if (state.disqualified) return null;
  const current = classify(state, model, now);
  const candidates: number[] = [];
  const band = model.segments.find((b) => b.min !== undefined && b.min <= current.breakdown.total);
  if (band?.min !== undefined) {
    const t = timeBelow(state, model, now, band.min);
    if (t !== null) candidates.push(t);
  }
  for (const threshold of model.thresholds) {
    const held = thresholdState(current.thresholds, threshold.name);
    if (!held.above) continue;
    const hold = held.holdUntil ?? Number.NEGATIVE_INFINITY;
    const from = Math.max(now, hold);
    if (from - now > HORIZON_MS) continue;
    const t = timeBelow(state, model, from, threshold.rearmBelow);
    if (t !== null) candidates.push(Math.max(t, hold === Number.NEGATIVE_INFINITY ? t : Math.ceil(hold)));
  }
  if (candidates.length === 0) return null;
  return settle(state, model, now, Math.min(...candidates));
}

/**
 * Moves a closed-form estimate to the exact millisecond `observe` agrees with: floating-point
 * rounding in the logarithm can put it one or two milliseconds off. Should it still disagree,
 * the estimate stands: the decay job then observes a lead a little early.
 */
function settle(state: LeadState, model: CompiledModel, now: number, candidate: number): number {
  let t = candidate;
  for (let i = 0; i < 8 && !classificationChangesAt(state, model, t); i++) t++;
  if (!classificationChangesAt(state, model, t)) return candidate;
  for (let i = 0; i < 8 && t - 1 > now && classificationChangesAt(state, model, t - 1); i++) t--;
  return t;
}
