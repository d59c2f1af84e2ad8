import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldEvents, HISTORY_LIMIT, newLeadState, observe, scoreAt } from '#shared/scoring/engine.ts';
import { explain } from '#shared/scoring/explain.ts';
import type { CompiledModel } from '#shared/scoring/model.ts';
import { HORIZON_MS, nextChangeAt } from '#shared/scoring/next-change.ts';
import type { LeadState, RuleContribution, ScoringEvent } from '#shared/scoring/types.ts';
import { arrive, classificationChanges, DAY, folded, inTimeOrder, replay } from '#test/fixtures/scoring.ts';
import {
  eventsArbitrary,
  leadArbitrary,
  modelArbitrary,
  shuffled,
} from '#test/fixtures/scoring-arbitraries.ts';

/*
 * Properties of the scoring engine over the example client's model and over random models
 * (random rules, repeats, caps, categories, half-life, inactivity steps, thresholds, bands),
 * with random event histories, including events that arrive late.
 */

const RUNS = { numRuns: 150 };

/** Equal up to rounding: 1e-9 relative to the largest magnitude involved. */
function near(a: number, b: number, scale = 0): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b), scale);
}

/** Through JSON, as the store keeps a state. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const latestTime = (events: readonly ScoringEvent[]) => Math.max(...events.map((e) => e.occurredAt));

/** A lead in a random arrival order of its events (late events included). */
const lateLead = (options: Parameters<typeof leadArbitrary>[0] = {}, eventOptions = {}) =>
  leadArbitrary(options, eventOptions).chain(({ model, events }) =>
    shuffled(events).map((arrival) => ({ model, events: arrival })),
  );

describe('scoring properties', () => {
  it('It should reach, one event at a time through storage, the state its stored events replay to in time order', () => {
    fc.assert(
      fc.property(lateLead(), ({ model, events }) => {
        let state: LeadState = newLeadState('lead', model);
        const seen: ScoringEvent[] = [];
        for (const e of events) {
          state = stored(arrive(stored(state), e, model, seen).state);
          seen.push(e);
        }
        expect(folded(state)).toEqual(folded(foldEvents('lead', inTimeOrder(events), model)));
      }),
      RUNS,
    );
  });

  it('It should give the same score, explanation, thresholds and segment for any arrival order of the same events', () => {
    const twoOrders = leadArbitrary({}, { disqualify: true }).chain(({ model, events }) =>
      fc.tuple(shuffled(events), shuffled(events)).map(([a, b]) => ({ model, a, b })),
    );
    fc.assert(
      fc.property(twoOrders, fc.integer({ min: 0, max: 90 * DAY }), ({ model, a, b }, later) => {
        const one = replay(a, model).state;
        const other = replay(b, model).state;
        expect(folded(one)).toEqual(folded(other));
        const at = latestTime(a) + later;
        expect(explain(one, model, at)).toEqual(explain(other, model, at));
        const seenOne = observe(one, model, at).state.reported;
        const seenOther = observe(other, model, at).state.reported;
        expect(seenOne).toEqual(seenOther);
      }),
      RUNS,
    );
  });

  it('It should give the same totals, segments and tallies when the decay job observes the lead in between', () => {
    const withLooks = lateLead().chain(({ model, events }) =>
      fc
        .array(fc.option(fc.integer({ min: 0, max: 40 * DAY }), { freq: 2 }), {
          minLength: events.length,
          maxLength: events.length,
        })
        .map((looks) => ({ model, events, looks })),
    );
    fc.assert(
      fc.property(withLooks, ({ model, events, looks }) => {
        let incremental = newLeadState('lead', model);
        events.forEach((e, i) => {
          incremental = stored(arrive(incremental, e, model, events.slice(0, i)).state);
          const look = looks[i];
          if (look !== null && look !== undefined)
            incremental = stored(observe(incremental, model, e.occurredAt + look).state);
        });
        const at = Math.max(latestTime(events), incremental.reported.at) + DAY;
        const a = observe(incremental, model, at).state;
        const b = observe(replay(events, model).state, model, at).state;
        expect(a.reported.score).toBe(b.reported.score);
        expect(a.reported.segment).toBe(b.reported.segment);
        expect(a.reported.grade).toBe(b.reported.grade);
        expect(stored(a.tallies)).toEqual(stored(b.tallies));
        expect(a.disqualified).toEqual(b.disqualified);
      }),
      RUNS,
    );
  });

  it('It should not depend on the order events arrive in under half-life decay alone', () => {
    const halfLifeOnly = modelArbitrary({ inactivity: false, caps: false, repeats: false }).chain((model) =>
      eventsArbitrary(model, { profiles: false }).chain((events) =>
        fc.tuple(shuffled(events), shuffled(events)).map(([a, b]) => ({ model, a, b })),
      ),
    );
    fc.assert(
      fc.property(halfLifeOnly, fc.integer({ min: 0, max: 60 * DAY }), ({ model, a, b }, later) => {
        const at = latestTime(a) + later;
        const one = replay(a, model).state;
        const other = replay(b, model).state;
        const scale =
          [...model.rulesById.values()].reduce((sum, r) => sum + Math.abs(r.points), 0) * a.length;
        expect(near(scoreAt(one, model, at).total, scoreAt(other, model, at).total, scale)).toBe(true);
      }),
      RUNS,
    );
  });

  it('It should never let a rule or a category give more than its cap within any window', () => {
    fc.assert(
      fc.property(lateLead({}, { dense: true, maxEvents: 40 }), ({ model, events }) => {
        const awards: { key: string; t: number; points: number; cap: number; window: number }[] = [];
        // Whatever the arrival order, the awards are those of the history in time order.
        const history = foldEvents('lead', events, model).history;
        expect(history.length).toBeLessThanOrEqual(HISTORY_LIMIT);
        const inOrder = replay(inTimeOrder(events), model);
        inOrder.steps.forEach((step, i) => {
          for (const a of step.awarded) awards.push(...capKeys(model, a, inTimeOrder(events)[i]!.occurredAt));
        });
        for (const end of awards) {
          const inWindow = awards.filter(
            (a) => a.key === end.key && a.t > end.t - end.window && a.t <= end.t,
          );
          const sum = inWindow.reduce((total, a) => total + a.points, 0);
          expect(sum).toBeLessThanOrEqual(end.cap + 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('It should decay engagement monotonically in time and never below zero', () => {
    const samples = fc.array(fc.integer({ min: 0, max: 200 * DAY }), { minLength: 2, maxLength: 12 });
    fc.assert(
      fc.property(lateLead(), samples, ({ model, events }, offsets) => {
        const state = replay(events, model).state;
        const from = Math.max(state.reported.at, state.pool.at);
        const values = [...offsets]
          .sort((x, y) => x - y)
          .map((o) => scoreAt(state, model, from + o).engagement);
        values.forEach((value, i) => {
          expect(value).toBeGreaterThanOrEqual(0);
          if (i > 0) expect(value).toBeLessThanOrEqual(values[i - 1]! * (1 + 1e-12));
        });
        // Fit and source never decay.
        const first = scoreAt(state, model, from);
        const last = scoreAt(state, model, from + 400 * DAY);
        expect([last.fit, last.source]).toEqual([first.fit, first.source]);
      }),
      RUNS,
    );
  });

  it('It should explain every point: the explanation lines sum to the total', () => {
    fc.assert(
      fc.property(lateLead(), fc.integer({ min: -5 * DAY, max: 200 * DAY }), ({ model, events }, offset) => {
        const state = replay(events, model).state;
        const at = state.reported.at + offset;
        const explanation = explain(state, model, at);
        const total = scoreAt(state, model, at).total;
        const sum = explanation.lines.reduce((s, line) => s + line.points, 0);
        const scale = explanation.lines.reduce((s, line) => s + Math.abs(line.points), 0);
        expect(explanation.total).toBe(total);
        expect(near(sum, total, scale)).toBe(true);
      }),
      RUNS,
    );
  });

  it('It should never report an upward crossing for a disqualified lead', () => {
    const withLooks = lateLead({}, { disqualify: true }).chain(({ model, events }) =>
      fc
        .array(fc.integer({ min: 0, max: 30 * DAY }), { minLength: events.length, maxLength: events.length })
        .map((looks) => ({ model, events, looks })),
    );
    fc.assert(
      fc.property(withLooks, ({ model, events, looks }) => {
        let state = newLeadState('lead', model);
        events.forEach((e, i) => {
          const seen = events.slice(0, i);
          for (const step of [
            arrive(state, e, model, seen),
            observe(state, model, e.occurredAt + looks[i]!),
          ]) {
            if (step.state.disqualified) {
              expect(step.state.reported.segment).toBe('disqualified');
              expect(step.changes.thresholdCrossings.filter((c) => c.direction === 'up')).toEqual([]);
              expect(Object.values(step.state.reported.thresholds).some((t) => t.above)).toBe(false);
            }
          }
          state = arrive(state, e, model, seen).state;
        });
      }),
      RUNS,
    );
  });

  it('It should predict the first millisecond at which decay changes the classification', () => {
    const samples = fc.array(fc.integer({ min: 1, max: HORIZON_MS }), { minLength: 1, maxLength: 10 });
    fc.assert(
      fc.property(
        lateLead(),
        fc.integer({ min: 0, max: 40 * DAY }),
        samples,
        ({ model, events }, wait, offsets) => {
          const replayed = replay(events, model).state;
          const now = replayed.reported.at + wait;
          const state = observe(replayed, model, now).state;
          const predicted = nextChangeAt(state, model, now);
          expect(predicted).toBe(firstChange(state, model, now));
          if (predicted !== null) {
            expect(classificationChanges(state, model, predicted - 1)).toBe(false);
            expect(classificationChanges(state, model, predicted)).toBe(true);
          }
          // Sampled: unchanged before the predicted instant, changed from it on.
          for (const offset of offsets) {
            const t = now + offset;
            expect(classificationChanges(state, model, t)).toBe(predicted !== null && t >= predicted);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** The cap windows an award counts against: the rule's own and its category's. */
function capKeys(model: CompiledModel, award: RuleContribution, t: number) {
  const rule = model.rulesById.get(award.ruleId);
  if (!rule || award.points <= 0) return [];
  const keys = [];
  if (Number.isFinite(rule.capPoints)) {
    keys.push({
      key: `r:${rule.id}`,
      t,
      points: award.points,
      cap: rule.capPoints,
      window: rule.capWindowMs,
    });
  }
  const category = rule.category === undefined ? undefined : model.categoryCaps.get(rule.category);
  if (category)
    keys.push({
      key: `c:${rule.category}`,
      t,
      points: award.points,
      cap: category.points,
      window: category.windowMs,
    });
  return keys;
}

/**
 * Brute force: the first millisecond in (now, now + horizon] at which observing the lead reports
 * a change, found by bisection (the classification changes once as the score only decays), or
 * null when it does not change within the horizon.
 */
function firstChange(state: LeadState, model: CompiledModel, now: number): number | null {
  let quiet = now;
  let changed = now + HORIZON_MS;
  if (!classificationChanges(state, model, changed)) return null;
  while (changed - quiet > 1) {
    const mid = Math.floor((quiet + changed) / 2);
    if (classificationChanges(state, model, mid)) changed = mid;
    else quiet = mid;
  }
  return changed;
}
