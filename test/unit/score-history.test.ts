import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldEvents, scoreAt } from '#shared/scoring/engine.ts';
import { explain } from '#shared/scoring/explain.ts';
import { scoreHistory } from '#shared/scoring/score-history.ts';
import { DAY, event, exampleModel, HOUR, profileEvent } from '#test/fixtures/scoring.ts';
import { leadArbitrary } from '#test/fixtures/scoring-arbitraries.ts';

/*
 * The console's chart (PRODUCT §6.1) is the engine's replay of a lead's events: the points between
 * events are the engine's decayed score, the markers its awards, and the line ends at the score
 * the lead has now.
 */

const T0 = Date.parse('2026-11-02T09:00:00Z');
const profile = {
  email: 'ava@northwind.io',
  jobTitle: 'VP Engineering',
  industry: 'software',
  employees: 900,
  company: 'Northwind',
  phone: '+1 555 0100',
  country: 'US',
};

function story() {
  return [
    profileEvent(T0, profile),
    event('page_view', T0 + HOUR, { url: 'https://site/pricing' }),
    event('webinar_attended', T0 + 3 * DAY, { webinar: 'Q4' }),
    event('page_view', T0 + 10 * DAY, { url: 'https://site/careers' }),
  ];
}

describe('scoreHistory: the score over time from the engine', () => {
  it('It should end at the score the engine gives the lead now, and mark every event with its awards', () => {
    const events = story();
    const now = T0 + 60 * DAY;
    const history = scoreHistory('ld_x', events, exampleModel, now);
    const state = foldEvents('ld_x', events, exampleModel);
    expect(history.points.at(-1)).toMatchObject({ at: now, score: scoreAt(state, exampleModel, now).total });
    expect(history.markers.map((m) => m.eventId)).toEqual(events.map((e) => e.id));
    expect(history.markers[1]!.rules).toEqual([{ ruleId: 'pricing-page', points: 10 }]);
    // The profile event moved the fit points; the page views did not.
    expect(history.markers[0]!.profilePoints).toBe(state.fit.score + state.source.points);
    expect(history.markers[1]!.profilePoints).toBe(0);
    expect(history.markers[2]!.rules).toEqual([{ ruleId: 'webinar-attended', points: 25 }]);
    // A negative rule is marked as such, and the score drops at it.
    expect(history.markers[3]!.rules).toEqual([{ ruleId: 'careers-page', points: -10 }]);
    expect(history.markers[3]!.scoreAfter).toBeLessThan(history.markers[3]!.scoreBefore);
    // What the awards sum to is what the explanation says was awarded.
    const awarded = explain(state, exampleModel, now)
      .lines.filter((l) => l.kind === 'engagement')
      .reduce((sum, l) => sum + (l.awarded ?? 0), 0);
    const marked = history.markers.flatMap((m) => m.rules).reduce((sum, r) => sum + r.points, 0);
    expect(marked).toBeCloseTo(awarded, 9);
    expect(history.thresholds).toContainEqual({ name: 'mql', score: 100, rearmBelow: 85 });
    expect(history.bands).toEqual([
      { name: 'hot', min: 100 },
      { name: 'warm', min: 50 },
    ]);
  });

  it('It should draw the decay between events: the half-life, and the inactivity step at 30 days as a drop', () => {
    const events = story();
    const history = scoreHistory('ld_x', events, exampleModel, T0 + 60 * DAY, { samples: 60 });
    const between = history.points.filter((p) => p.at > T0 + 3 * DAY && p.at < T0 + 10 * DAY);
    expect(between.length).toBeGreaterThan(3);
    for (let i = 1; i < between.length; i++) expect(between[i]!.score).toBeLessThan(between[i - 1]!.score);
    // The last activity (an event that earned points) is the webinar: the ×0.5 step fires 30 days later.
    const stepAt = T0 + 3 * DAY + 30 * DAY;
    const justBefore = history.points.find((p) => p.at === stepAt - 1)!;
    const atStep = history.points.find((p) => p.at === stepAt)!;
    const fit = foldEvents('ld_x', events, exampleModel).fit.score;
    expect(atStep.score - fit).toBeCloseTo((justBefore.score - fit) * 0.5, 6);
    // The marker says how much decayed since the previous event.
    const webinar = history.markers[2]!;
    expect(webinar.decayedSincePrevious).toBeCloseTo(history.markers[1]!.scoreAfter - webinar.scoreBefore, 9);
    expect(webinar.decayedSincePrevious).toBeGreaterThan(0);
  });

  it('It should say which thresholds an event crossed, and the lifecycle it moved the lead to', () => {
    const events = [
      profileEvent(T0, profile),
      event('demo_request', T0 + HOUR),
      event('webinar_attended', T0 + 2 * HOUR, { webinar: 'Q4' }),
    ];
    const history = scoreHistory('ld_x', events, exampleModel, T0 + DAY);
    expect(history.markers[1]).toMatchObject({ crossed: ['mql'], lifecycle: 'mql' });
    expect(history.markers[2]!.crossed).toEqual([]);
  });

  it('It should give the same history whatever order the events arrive in, and never change the events', () => {
    fc.assert(
      fc.property(leadArbitrary(), ({ model, events }) => {
        const now = Math.max(T0, ...events.map((e) => e.occurredAt)) + 5 * DAY;
        const copy = JSON.parse(JSON.stringify(events));
        const forward = scoreHistory('ld_p', events, model, now, { samples: 20 });
        const backward = scoreHistory('ld_p', [...events].reverse(), model, now, { samples: 20 });
        expect(backward).toEqual(forward);
        expect(events).toEqual(copy);
        if (events.length === 0) return;
        const state = foldEvents('ld_p', events, model);
        expect(forward.points.at(-1)!.score).toBeCloseTo(scoreAt(state, model, now).total, 9);
        for (let i = 1; i < forward.points.length; i++)
          expect(forward.points[i]!.at).toBeGreaterThanOrEqual(forward.points[i - 1]!.at);
      }),
      { numRuns: 100 },
    );
  });

  it('It should give an empty chart for a lead without events', () => {
    const history = scoreHistory('ld_x', [], exampleModel, T0);
    expect(history).toMatchObject({ points: [], markers: [], from: T0, to: T0 });
  });
});
