import type { CompiledModel, InactivityStep } from './model.ts';

/**
 * The engagement pool: the sum of every engagement award, each decayed from its own time.
 * Positive and negative awards are kept apart (`pos` ≥ 0, `neg` ≤ 0), exact at instant `at`;
 * later values follow in closed form (half-life decay and inactivity steps), so a score is right
 * at any moment it is read, not only after a job ran.
 *
 * Every rule's share is kept too, without touching the other rules on each event: a rule holds
 * normalised amounts, and its live value is `share × scale`, where `posScale` and `negScale`
 * carry every decay factor applied since. Half-life and multiply steps scale every award alike;
 * a subtract step is shared among the positive awards in proportion to what is left of them.
 */
export interface EngagementPool {
  readonly pos: number;
  readonly neg: number;
  /** Epoch ms at which `pos` and `neg` are exact. */
  readonly at: number;
  /** Epoch ms of the last activity (an event that earned points); inactivity counts from it. */
  readonly lastActivity: number | null;
  readonly posScale: number;
  readonly negScale: number;
}

export const EMPTY_POOL: EngagementPool = {
  pos: 0,
  neg: 0,
  at: 0,
  lastActivity: null,
  posScale: 1,
  negScale: 1,
};

/** Below this a scale is renormalised (the shares would lose precision or underflow). */
export const MIN_SCALE = 1e-200;

/** Half-life decay factor over `elapsedMs`. */
export function halfLifeFactor(elapsedMs: number, halfLifeMs: number | null): number {
  if (halfLifeMs === null || elapsedMs <= 0) return 1;
  return 2 ** (-elapsedMs / halfLifeMs);
}

/** Half-life decay of a value over `elapsedMs`. */
export function halfLifeDecay(value: number, elapsedMs: number, halfLifeMs: number | null): number {
  return value === 0 ? 0 : value * halfLifeFactor(elapsedMs, halfLifeMs);
}

/** Applies one inactivity step to a total; it moves the value toward zero and never across it. */
export function applyStep(value: number, step: InactivityStep): number {
  if (step.multiply !== undefined) return value * step.multiply;
  if (step.subtract !== undefined && value > 0) return Math.max(0, value - step.subtract);
  return value;
}

/** Epoch ms times at which inactivity steps fire after `pool.at`, in order. */
export function stepTimes(
  pool: Pick<EngagementPool, 'at' | 'lastActivity'>,
  model: CompiledModel,
): { time: number; step: InactivityStep }[] {
  if (pool.lastActivity === null) return [];
  const times: { time: number; step: InactivityStep }[] = [];
  for (const step of model.inactivity) {
    const time = pool.lastActivity + step.afterMs;
    if (time > pool.at) times.push({ time, step });
  }
  return times;
}

/**
 * A pool owned by one fold (a working lead, see working-lead.ts, or a private copy) and updated
 * in place: the one implementation of decay, which the immutable functions below copy into.
 */
export type MutablePool = { -readonly [K in keyof EngagementPool]: EngagementPool[K] };

/** A private copy of a pool (same key order as every stored pool). */
export function copyPool(pool: EngagementPool): MutablePool {
  return {
    pos: pool.pos,
    neg: pool.neg,
    at: pool.at,
    lastActivity: pool.lastActivity,
    posScale: pool.posScale,
    negScale: pool.negScale,
  };
}

/** Scales the pool's parts by a factor common to every award. */
function scaleInPlace(pool: MutablePool, factor: number): void {
  if (factor === 1) return;
  pool.pos *= factor;
  pool.neg *= factor;
  pool.posScale *= factor;
  pool.negScale *= factor;
}

/** Applies one inactivity step to the pool's parts (a subtract step comes out of `pos`). */
function stepInPlace(pool: MutablePool, step: InactivityStep): void {
  if (step.multiply !== undefined) {
    scaleInPlace(pool, step.multiply);
    return;
  }
  const total = pool.pos + pool.neg;
  if (step.subtract === undefined || total <= 0) return;
  const cut = total - Math.max(0, total - step.subtract);
  const factor = (pool.pos - cut) / pool.pos;
  pool.pos *= factor;
  pool.posScale *= factor;
}

/**
 * Decays the pool in place to `t` (nothing before `pool.at`): half-life decay interleaved, in
 * time order, with the inactivity steps that fire in (pool.at, t]. Both move the total toward
 * zero and never across it, so the total is monotone in t.
 */
export function advancePool(pool: MutablePool, model: CompiledModel, t: number): void {
  if (t <= pool.at) return;
  let cursor = pool.at;
  const lastActivity = pool.lastActivity;
  if (lastActivity !== null) {
    for (const step of model.inactivity) {
      const time = lastActivity + step.afterMs;
      if (time <= cursor) continue;
      if (time > t) break;
      scaleInPlace(pool, halfLifeFactor(time - cursor, model.halfLifeMs));
      stepInPlace(pool, step);
      cursor = time;
    }
  }
  scaleInPlace(pool, halfLifeFactor(t - cursor, model.halfLifeMs));
  pool.at = t;
}

/** The pool decayed to `t` (never before `pool.at`; see `advancePool`). */
export function poolAt(pool: EngagementPool, model: CompiledModel, t: number): EngagementPool {
  if (t <= pool.at) return pool;
  const next = copyPool(pool);
  advancePool(next, model, t);
  return next;
}

/** The pool's total (positive and negative awards) at `t`. */
export function poolValueAt(pool: EngagementPool, model: CompiledModel, t: number): number {
  const at = poolAt(pool, model, t);
  return at.pos + at.neg;
}

/** What is left now of a rule's awards, given the pool decayed to now. */
export function liveValue(share: { readonly pos: number; readonly neg: number }, pool: EngagementPool) {
  return share.pos * pool.posScale + share.neg * pool.negScale;
}

/**
 * Adds `points` earned at `t` (not before `pool.at`: the engine folds events in time order) to
 * a pool in place, and returns the normalised share the award adds to its rule.
 */
export function addPoints(
  pool: MutablePool,
  model: CompiledModel,
  points: number,
  t: number,
  activity: boolean,
): number {
  advancePool(pool, model, t);
  if (activity) pool.lastActivity = t;
  if (points > 0) {
    pool.pos += points;
    return points / pool.posScale;
  }
  if (points < 0) {
    pool.neg += points;
    return points / pool.negScale;
  }
  return 0;
}

/** True when a scale has shrunk so far that the shares must be renormalised before more are added. */
export function needsRenormalising(pool: EngagementPool): boolean {
  return pool.posScale < MIN_SCALE || pool.negScale < MIN_SCALE;
}
