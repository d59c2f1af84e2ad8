import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseClientConfig } from '#shared/config/load.ts';
import { foldEvent, foldEvents, newLeadState, observe, replay } from '#shared/scoring/engine.ts';
import { explain } from '#shared/scoring/explain.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import { OUTCOME_KINDS, outcomeEventId, outcomeEventType } from '#shared/scoring/outcomes.ts';
import type { LeadState, ScoringEvent } from '#shared/scoring/types.ts';
import { DAY, exampleConfig, exampleModel, inTimeOrder } from '#test/fixtures/scoring.ts';
import { eventsArbitrary, leadArbitrary, shuffled } from '#test/fixtures/scoring-arbitraries.ts';

/*
 * A replay (`foldEvents`, `replay`) folds all of a lead's events into one working copy of the
 * lead and freezes it once; the live path (`foldEvent`) folds one event on a copy of the stored
 * state. Both must give exactly the same state, explanation and next change, whatever the model.
 */

const RUNS = { numRuns: 200 };

/** Through JSON, as the store keeps a state. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The events folded one at a time, in event-time order, each step from the previous state. */
function oneByOne(events: readonly ScoringEvent[], model: CompiledModel, through = (s: LeadState) => s) {
  return inTimeOrder(events).reduce(
    (state, e) => through(foldEvent(state, e, model)),
    newLeadState('lead', model),
  );
}

const latest = (events: readonly ScoringEvent[]) => Math.max(...events.map((e) => e.occurredAt));

/** What a reader sees of a lead at `at`: its explanation, its report and the decay index's time. */
function readAt(state: LeadState, model: CompiledModel, at: number) {
  const observed = observe(state, model, at);
  return {
    explanation: explain(state, model, at),
    reported: observed.state.reported,
    changes: observed.changes,
    nextChangeAt: nextChangeAt(observed.state, model, at),
  };
}

/** The example model with an opt-in predictive blend (PRODUCT §6.4) on rules and the profile. */
const blendModel = compileModel(
  parseClientConfig({
    ...exampleConfig,
    model: {
      ...exampleConfig.model,
      predictive: {
        weight: 40,
        model: {
          intercept: -2,
          coefficients: [1.2, 0.4, 0.8],
          encoding: {
            version: 1,
            columns: [
              { kind: 'rule', name: 'rule:pricing-page', ruleId: 'pricing-page', transform: 'log1p' },
              { kind: 'rule', name: 'rule:email-open', ruleId: 'email-open', transform: 'log1p' },
              { kind: 'level', name: 'industry=saas', field: 'industry', value: 'saas' },
            ],
          },
        },
      },
    },
  }),
);

/** Example-client events with some turned into outcomes from sales (`outcome.<kind>` events). */
const withOutcomes = eventsArbitrary(exampleModel, { disqualify: true }).chain((events) =>
  fc
    .array(fc.option(fc.constantFrom(...OUTCOME_KINDS), { freq: 4 }), {
      minLength: events.length,
      maxLength: events.length,
    })
    .map((kinds) =>
      events.map((e, i): ScoringEvent => {
        const kind = kinds[i];
        if (kind === null || kind === undefined) return e;
        const { profile: _, ...rest } = e;
        const id = `${outcomeEventId(kind)}-${i}`;
        return { ...rest, id, type: outcomeEventType(kind), attributes: { value: 900 } };
      }),
    ),
);

describe('replay fold', () => {
  it('It should replay a lead to exactly the state, explanation and next change its events give one at a time', () => {
    const arrivals = leadArbitrary({}, { disqualify: true }).chain(({ model, events }) =>
      shuffled(events).map((arrival) => ({ model, events, arrival })),
    );
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 0, max: 120 * DAY }), ({ model, events, arrival }, later) => {
        const expected = oneByOne(events, model);
        const replayed = foldEvents('lead', arrival, model);
        expect(stored(replayed)).toEqual(stored(expected));
        const at = latest(events) + later;
        expect(readAt(replayed, model, at)).toEqual(readAt(expected, model, at));
      }),
      RUNS,
    );
  });

  it('It should replay to the same state when each step goes through storage, dense events and caps included', () => {
    fc.assert(
      fc.property(leadArbitrary({}, { dense: true, maxEvents: 40 }), ({ model, events }) => {
        expect(stored(foldEvents('lead', events, model))).toEqual(stored(oneByOne(events, model, stored)));
      }),
      RUNS,
    );
  });

  it('It should replay outcomes from sales and the predictive blend as folding them one at a time does', () => {
    const leads = fc
      .constantFrom(exampleModel, blendModel)
      .chain((model) =>
        withOutcomes.chain((events) => shuffled(events).map((arrival) => ({ model, events, arrival }))),
      );
    fc.assert(
      fc.property(leads, fc.integer({ min: 0, max: 60 * DAY }), ({ model, events, arrival }, later) => {
        const expected = oneByOne(events, model, stored);
        const replayed = foldEvents('lead', arrival, model);
        expect(stored(replayed)).toEqual(stored(expected));
        const at = latest(events) + later;
        expect(readAt(replayed, model, at)).toEqual(readAt(expected, model, at));
      }),
      RUNS,
    );
  });

  it('It should keep what was reported and never change the state it starts from', () => {
    fc.assert(
      fc.property(leadArbitrary(), fc.integer({ min: 0, max: 10 * DAY }), ({ model, events }, wait) => {
        const [first, ...rest] = inTimeOrder(events);
        const start = observe(
          foldEvent(newLeadState('lead', model), first!, model),
          model,
          latest(events) + wait,
        ).state;
        const before = JSON.stringify(start);
        const folded = rest.reduce((state, e) => foldEvent(deepFrozen(state), e, model), deepFrozen(start));
        const replayed = replay(deepFrozen(start), events, model);
        expect(JSON.stringify(start)).toBe(before);
        expect(replayed.reported).toEqual(start.reported);
        expect(stored(replayed)).toEqual(stored(folded));
      }),
      RUNS,
    );
  });
});

/** The value frozen all the way down: a fold that changed it would throw (ES modules are strict). */
function deepFrozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFrozen((value as Record<string, unknown>)[key]);
  }
  return value;
}
