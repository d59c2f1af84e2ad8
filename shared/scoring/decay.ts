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

/** The pool's parts scaled by a factor common to every award. */
function scaled(pool: EngagementPool, factor: number): EngagementPool {
  if (factor === 1) return pool;
  return {
    ...pool,
    pos: pool.pos * factor,
    neg: pool.neg * factor,
    posScale: pool.posScale * factor,
    negScale: pool.negScale * factor,
  };
}

/** One inactivity step applied to the pool's parts (a subtract step comes out of `pos`). */
function stepped(pool: EngagementPool, step: InactivityStep): EngagementPool {
  if (step.multiply !== undefined) return scaled(pool, step.multiply);
  const total = pool.pos + pool.neg;
  if (step.subtract === undefined || total <= 0) return pool;
  const cut = total - Math.max(0, total - step.subtract);
  const factor = (pool.pos - cut) / pool.pos;
  return { ...pool, pos: pool.pos * factor, posScale: pool.posScale * factor };
}

/**
 * The pool decayed to `t` (never before `pool.at`): half-life decay interleaved, in time order,
 * with the inactivity steps that fire in (pool.at, t]. Both move the total toward zero and never
 * across it, so the total is monotone in t.
 */
export function poolAt(pool: EngagementPool, model: CompiledModel, t: number): EngagementPool {
  if (t <= pool.at) return pool;
  let current = pool;
  let cursor = pool.at;
  if (pool.lastActivity !== null) {
    for (const step of model.inactivity) {
      const time = pool.lastActivity + step.afterMs;
      if (time <= cursor) continue;
      if (time > t) break;
      current = stepped(scaled(current, halfLifeFactor(time - cursor, model.halfLifeMs)), step);
      cursor = time;
    }
  }
  return { ...scaled(current, halfLifeFactor(t - cursor, model.halfLifeMs)), at: t };
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
 * Adds `points` earned at `t` (not before `pool.at`: the engine folds events in time order).
 * Returns the new pool and the normalised share the award adds to its rule.
 */
export function addToPool(
  pool: EngagementPool,
  model: CompiledModel,
  points: number,
  t: number,
  activity: boolean,
): { pool: EngagementPool; share: number } {
  const decayed = poolAt(pool, model, t);
  const lastActivity = activity ? t : decayed.lastActivity;
  if (points > 0) {
    return {
      pool: { ...decayed, pos: decayed.pos + points, lastActivity },
      share: points / decayed.posScale,
    };
  }
  if (points < 0) {
    return {
      pool: { ...decayed, neg: decayed.neg + points, lastActivity },
      share: points / decayed.negScale,
    };
  }
  return { pool: decayed.lastActivity === lastActivity ? decayed : { ...decayed, lastActivity }, share: 0 };
}

/** True when a scale has shrunk so far that the shares must be renormalised before more are added. */
export function needsRenormalising(pool: EngagementPool): boolean {
  return pool.posScale < MIN_SCALE || pool.negScale < MIN_SCALE;
}
