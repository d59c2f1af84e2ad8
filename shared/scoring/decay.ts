import type { CompiledModel, InactivityStep } from './model.ts';

/**
 * The engagement pool: the sum of every engagement award, each decayed from its own time.
 * `value` is exact at instant `at`; later values follow in closed form (half-life decay and
 * inactivity steps), so a score is right at any moment it is read, not only after a job ran.
 */
export interface EngagementPool {
  readonly value: number;
  /** Epoch ms at which `value` is exact. */
  readonly at: number;
  /** Epoch ms of the last activity (an event that earned points); inactivity counts from it. */
  readonly lastActivity: number | null;
}

export const EMPTY_POOL: EngagementPool = { value: 0, at: 0, lastActivity: null };

/** Half-life decay of a value over `elapsedMs`. */
export function halfLifeDecay(value: number, elapsedMs: number, halfLifeMs: number | null): number {
  if (halfLifeMs === null || elapsedMs <= 0 || value === 0) return value;
  return value * 2 ** (-elapsedMs / halfLifeMs);
}

/** Applies one inactivity step; it moves the value toward zero and never across it. */
export function applyStep(value: number, step: InactivityStep): number {
  if (step.multiply !== undefined) return value * step.multiply;
  if (step.subtract !== undefined && value > 0) return Math.max(0, value - step.subtract);
  return value;
}

/** Epoch ms times at which inactivity steps fire after `pool.at`, in order. */
export function stepTimes(
  pool: EngagementPool,
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
 * The pool's value at `t` (never before `pool.at`): half-life decay interleaved, in time order,
 * with the inactivity steps that fire in (pool.at, t]. Because both move toward zero and never
 * across it, the result is monotone in t.
 */
export function poolValueAt(pool: EngagementPool, model: CompiledModel, t: number): number {
  let value = pool.value;
  let cursor = pool.at;
  if (t <= cursor) return value;
  if (pool.lastActivity !== null) {
    for (const step of model.inactivity) {
      const time = pool.lastActivity + step.afterMs;
      if (time <= cursor) continue;
      if (time > t) break;
      value = applyStep(halfLifeDecay(value, time - cursor, model.halfLifeMs), step);
      cursor = time;
    }
  }
  return halfLifeDecay(value, t - cursor, model.halfLifeMs);
}

/**
 * Adds `points` earned at `t`. A late event (t before pool.at, as when anonymous history is
 * merged into a lead) is added already decayed to pool.at, so the order of arrival does not
 * change the result under half-life decay.
 */
export function addToPool(
  pool: EngagementPool,
  model: CompiledModel,
  points: number,
  t: number,
  activity: boolean,
): EngagementPool {
  const lastActivity = activity ? Math.max(pool.lastActivity ?? t, t) : pool.lastActivity;
  if (t >= pool.at) {
    return { value: poolValueAt(pool, model, t) + points, at: t, lastActivity };
  }
  return {
    value: pool.value + halfLifeDecay(points, pool.at - t, model.halfLifeMs),
    at: pool.at,
    lastActivity,
  };
}
