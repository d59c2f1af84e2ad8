import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClientConfig } from '#shared/config/load.ts';
import { applyEvent, newLeadState, observe, scoreAt } from '#shared/scoring/engine.ts';
import { explain } from '#shared/scoring/explain.ts';
import { compileModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import type { LeadState, ScoringEvent } from '#shared/scoring/types.ts';
import { arrive } from '#test/fixtures/scoring.ts';

const config = loadClientConfig('example');
const model = compileModel(config);
/** The same model with half-life decay only: no caps, no inactivity steps. */
const linearConfig = {
  ...config,
  model: {
    ...config.model,
    decay: { halfLifeDays: 7, inactivity: [] },
    engagement: {
      categories: {},
      rules: config.model.engagement.rules.map(
        ({ cap: _cap, category: _category, repeat: _repeat, ...rule }) => rule,
      ),
    },
  },
};
const linearModel = compileModel(linearConfig);
const T0 = Date.parse('2026-11-02T09:00:00Z');
const DAY = 86_400_000;

const eventArb = fc.oneof(
  fc.record({
    type: fc.constant('page_view'),
    attributes: fc.record({ url: fc.constantFrom('/pricing', '/careers', '/blog/a', '/') }),
  }),
  fc.record({ type: fc.constant('email_open'), attributes: fc.constant({}) }),
  fc.record({ type: fc.constant('email_click'), attributes: fc.constant({}) }),
  fc.record({
    type: fc.constant('content_download'),
    attributes: fc.record({ tier: fc.constantFrom('premium', 'brochure') }),
  }),
  fc.record({
    type: fc.constant('video_watch'),
    attributes: fc.record({ percent: fc.integer({ min: 0, max: 100 }) }),
  }),
  fc.record({
    type: fc.constantFrom(
      'demo_request',
      'webinar_attended',
      'social_engagement',
      'unsubscribe',
      'email_bounce',
    ),
    attributes: fc.constant({}),
  }),
);

const profileArb = fc.record({
  email: fc.constantFrom('a@acme-corp.com', 'b@gmail.com', 'c@rivalmetrics.com', 'd@mailinator.com'),
  jobTitle: fc.constantFrom('CEO', 'Student', 'Manager', 'Engineer'),
  industry: fc.constantFrom('software', 'retail', 'fintech'),
  employees: fc.integer({ min: 1, max: 20_000 }),
  country: fc.constantFrom('US', 'DE', 'BR'),
  source: fc.constantFrom('google-ads', 'referral', 'website'),
});

/**
 * A history: a profile on the first event, then events at non-decreasing times over ~4 months,
 * in the engine's event order. Events at the same instant are ordered by id, so ids are padded
 * (`e09` before `e10`): with `e9` and `e10`, the array's order was not the engine's and folding
 * it one event at a time met a "late" event (found by seed 1869692271).
 */
const historyArb = fc
  .tuple(
    profileArb,
    fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 10 * DAY })), { minLength: 1, maxLength: 40 }),
  )
  .map(([profile, items]) => {
    let t = T0;
    return items.map(([e, gap], i): ScoringEvent => {
      t += gap;
      return {
        id: `e${String(i).padStart(2, '0')}`,
        type: e.type,
        occurredAt: t,
        attributes: e.attributes,
        ...(i === 0 ? { profile } : {}),
      };
    });
  });

function replay(events: readonly ScoringEvent[], m = model) {
  let state = newLeadState('ld_prop', m);
  const awards: { ruleId: string; points: number; at: number }[] = [];
  const crossings: string[] = [];
  for (const [i, e] of events.entries()) {
    const r = arrive(state, e, m, events.slice(0, i));
    state = r.state;
    for (const a of r.awarded) awards.push({ ...a, at: e.occurredAt });
    crossings.push(...r.changes.thresholdCrossings.map((c) => c.direction));
  }
  return { state, awards, crossings };
}

const lastTime = (events: readonly ScoringEvent[]) => events[events.length - 1]!.occurredAt;

describe('scoring properties', () => {
  it('It should give the same state when applied incrementally through storage as replayed at once', () => {
    fc.assert(
      fc.property(historyArb, (events) => {
        let stored = JSON.stringify(newLeadState('ld_prop', model));
        for (const e of events)
          stored = JSON.stringify(applyEvent(JSON.parse(stored) as LeadState, e, model).state);
        const replayed = replay(events).state;
        const incremental = JSON.parse(stored) as LeadState;
        expect(incremental.tallies).toEqual(JSON.parse(JSON.stringify(replayed.tallies)));
        expect(incremental.reported.segment).toBe(replayed.reported.segment);
        expect(scoreAt(incremental, model, lastTime(events)).total).toBeCloseTo(
          scoreAt(replayed, model, lastTime(events)).total,
          9,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('It should not depend on the order of events under half-life decay alone', () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 1_000_000 }), (events, seed) => {
        const shuffled = [...events].sort(
          (a, b) => ((a.occurredAt * 7919 + seed) % 101) - ((b.occurredAt * 7919 + seed) % 101),
        );
        // The profile travels with the first event whatever its position.
        const at = lastTime(events) + DAY;
        const inOrder = scoreAt(replay(events, linearModel).state, linearModel, at);
        const outOfOrder = scoreAt(replay(shuffled, linearModel).state, linearModel, at);
        expect(outOfOrder.total).toBeCloseTo(inOrder.total, 6);
      }),
      { numRuns: 200 },
    );
  });

  it('It should never exceed a rule cap or a category cap within any window', () => {
    fc.assert(
      fc.property(historyArb, (events) => {
        const { awards } = replay(events);
        for (const rule of config.model.engagement.rules) {
          const cap = rule.cap;
          if (!cap) continue;
          const mine = awards.filter((a) => a.ruleId === rule.id);
          for (const a of mine) {
            const inWindow = mine.filter((b) => b.at > a.at - cap.windowDays * DAY && b.at <= a.at);
            expect(inWindow.reduce((s, b) => s + b.points, 0)).toBeLessThanOrEqual(cap.points + 1e-9);
          }
        }
        for (const [category, { cap }] of Object.entries(config.model.engagement.categories)) {
          const ids = new Set(
            config.model.engagement.rules.filter((r) => r.category === category).map((r) => r.id),
          );
          const mine = awards.filter((a) => ids.has(a.ruleId));
          for (const a of mine) {
            const inWindow = mine.filter((b) => b.at > a.at - cap.windowDays * DAY && b.at <= a.at);
            expect(inWindow.reduce((s, b) => s + b.points, 0)).toBeLessThanOrEqual(cap.points + 1e-9);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('It should decay monotonically and never take engagement below zero', () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.array(fc.integer({ min: 0, max: 200 * DAY }), { minLength: 2, maxLength: 8 }),
        (events, offsets) => {
          const { state } = replay(events);
          const times = offsets.map((o) => lastTime(events) + o).sort((a, b) => a - b);
          let previous = Number.POSITIVE_INFINITY;
          for (const t of times) {
            const { engagement, fit } = scoreAt(state, model, t);
            expect(engagement).toBeGreaterThanOrEqual(0);
            expect(engagement).toBeLessThanOrEqual(previous + 1e-9);
            expect(fit).toBe(state.fit.score);
            previous = engagement;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('It should explain every point: the lines sum to the score', () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 120 * DAY }), (events, later) => {
        const { state } = replay(events);
        const at = lastTime(events) + later;
        const sum = explain(state, model, at).lines.reduce((s, l) => s + l.points, 0);
        expect(sum).toBeCloseTo(scoreAt(state, model, at).total, 6);
      }),
      { numRuns: 200 },
    );
  });

  it('It should never report an upward crossing for a disqualified lead', () => {
    fc.assert(
      fc.property(historyArb, (events) => {
        const competitor = events.map((e, i) =>
          i === 0 ? { ...e, profile: { ...e.profile, email: 'x@rivalmetrics.com' } } : e,
        );
        const { state, crossings } = replay(competitor);
        expect(state.reported.segment).toBe('disqualified');
        expect(crossings).not.toContain('up');
      }),
      { numRuns: 200 },
    );
  });

  it('It should predict the first instant decay changes the classification (checked by sampling)', () => {
    fc.assert(
      fc.property(historyArb, (events) => {
        const { state } = replay(events);
        const now = lastTime(events);
        const at = nextChangeAt(state, model, now);
        const changed = (t: number) => {
          const { changes } = observe(state, model, t);
          return changes.segmentChange !== null || changes.thresholdCrossings.length > 0;
        };
        if (at === null) {
          for (const days of [1, 10, 60, 200, 399]) expect(changed(now + days * DAY)).toBe(false);
          return;
        }
        expect(changed(at)).toBe(true);
        for (const f of [0, 0.25, 0.5, 0.9, 0.999])
          expect(changed(now + Math.floor((at - 1 - now) * f))).toBe(false);
        expect(changed(at - 1)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
