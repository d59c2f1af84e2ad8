import { describe, expect, it } from 'vitest';
import { loadClientConfig } from '#shared/config/load.ts';
import { applyEvent, newLeadState, observe, scoreAt } from '#shared/scoring/engine.ts';
import { explain } from '#shared/scoring/explain.ts';
import { compileModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import type { LeadState, Profile, ScoringEvent } from '#shared/scoring/types.ts';

/** Examples from the background articles' point tables, on `clients/example.yaml`. */
const config = loadClientConfig('example');
const model = compileModel(config);
const T0 = Date.parse('2026-11-02T09:00:00Z');
const DAY = 86_400_000;
const MIN = 60_000;

let seq = 0;
const ev = (
  type: string,
  at: number,
  attributes: Record<string, unknown> = {},
  profile?: Profile,
): ScoringEvent => ({
  id: `e${++seq}`,
  type,
  occurredAt: at,
  attributes,
  ...(profile ? { profile } : {}),
});

function run(events: ScoringEvent[], state: LeadState = newLeadState('ld_test', model)) {
  let s = state;
  const crossings: string[] = [];
  const segments: string[] = [];
  for (const e of events) {
    const r = applyEvent(s, e, model);
    s = r.state;
    crossings.push(...r.changes.thresholdCrossings.map((c) => `${c.name}:${c.direction}`));
    if (r.changes.segmentChange) segments.push(r.changes.segmentChange.to);
  }
  return { state: s, crossings, segments };
}

/** A profile that earns no fit points and no penalties. */
const neutral: Profile = { email: 'pat@neutralco.com', company: 'NeutralCo', phone: '1', country: 'US' };

describe('engagement points from the background tables', () => {
  it.each([
    ['pricing page', 'page_view', { url: 'https://x.com/pricing' }, 10],
    ['brochure download', 'content_download', { tier: 'brochure' }, 15],
    ['demo video', 'video_watch', { percent: 75 }, 20],
    ['email open', 'email_open', {}, 5],
    ['email click', 'email_click', {}, 12],
    ['premium content', 'content_download', { tier: 'premium' }, 30],
    ['social engagement', 'social_engagement', {}, 15],
    ['demo request', 'demo_request', {}, 30],
    ['contact form', 'form_submit', { formId: 'contact' }, 25],
  ])('It should give %s its points', (_, type, attributes, points) => {
    const { state } = run([
      ev('form_submit', T0, { formId: 'none' }, neutral),
      ev(type, T0 + MIN, attributes),
    ]);
    expect(scoreAt(state, model, T0 + MIN).engagement).toBeCloseTo(points, 9);
  });

  it('It should give each repeat of the pricing page a +5 bonus, up to three repeats, within its cap', () => {
    const views = Array.from({ length: 5 }, (_, i) =>
      ev('page_view', T0 + i * 10 * DAY, { url: '/pricing' }),
    );
    const { state } = run(views);
    // 10 + 15 + 15 + 15 + 10 (no bonus after three repeats); ten days apart, the 50-in-30-days cap never binds.
    expect(state.tallies['pricing-page']).toMatchObject({ count: 5, bonus: 15, awarded: 65, capped: 0 });
    const burst = run(
      Array.from({ length: 5 }, (_, i) => ev('page_view', T0 + i, { url: '/pricing' })),
    ).state;
    expect(burst.tallies['pricing-page']).toMatchObject({ count: 5, awarded: 50, capped: 15 });
  });

  it('It should cap email opens at 25 points in 30 days and count them again after the window', () => {
    const opens = Array.from({ length: 8 }, (_, i) => ev('email_open', T0 + i * DAY));
    const { state } = run(opens);
    expect(state.tallies['email-open']).toMatchObject({ count: 8, awarded: 25, capped: 15 });
    const later = run([ev('email_open', T0 + 31 * DAY)], state).state;
    expect(later.tallies['email-open']!.awarded).toBe(30);
  });

  it('It should share the email category cap (40 in 30 days) between opens and clicks', () => {
    const events = [
      ...Array.from({ length: 5 }, (_, i) => ev('email_open', T0 + i)),
      ...Array.from({ length: 3 }, (_, i) => ev('email_click', T0 + 10 + i)),
    ];
    const { state } = run(events);
    const email = state.tallies['email-open']!.awarded + state.tallies['email-click']!.awarded;
    expect(email).toBe(40);
  });
});

describe('fit, negatives and disqualification', () => {
  it('It should score target industry, size and a senior title as fit', () => {
    const profile = { ...neutral, industry: 'Software', employees: 800, jobTitle: 'VP of Marketing' };
    const { state } = run([ev('form_submit', T0, { formId: 'none' }, profile)]);
    expect(state.fit.score).toBe(15 + 10 + 20);
    expect(state.reported.grade).toBe('A');
  });

  it('It should penalise personal and disposable domains from the maintained lists, and missing fields', () => {
    const gmail = run([ev('form_submit', T0, { formId: 'none' }, { email: 'pat@gmail.com' })]).state;
    expect(gmail.fit.rules.map((r) => r.ruleId).sort()).toEqual([
      'missing-company',
      'missing-phone',
      'personal-email',
    ]);
    const burner = run([
      ev('form_submit', T0, { formId: 'none' }, { ...neutral, email: 'x@mailinator.com' }),
    ]).state;
    expect(burner.fit.rules.map((r) => r.ruleId)).toContain('disposable-email');
  });

  it('It should penalise students, unsupported countries, careers visits, unsubscribes and bounces', () => {
    const profile = { ...neutral, jobTitle: 'Student', country: 'BR' };
    const { state } = run([
      ev('form_submit', T0, { formId: 'none' }, profile),
      ev('page_view', T0 + 1, { url: '/careers' }),
      ev('unsubscribe', T0 + 2),
      ev('email_bounce', T0 + 3),
    ]);
    expect(state.fit.score).toBe(-20 - 15);
    expect(
      state.tallies.unsubscribe!.awarded +
        state.tallies['email-bounce']!.awarded +
        state.tallies['careers-page']!.awarded,
    ).toBe(-45);
    // Engagement never goes below zero: the negative events floor at 0.
    expect(scoreAt(state, model, T0 + 3).engagement).toBe(0);
  });

  it('It should disqualify a competitor whatever the points, and never report a threshold crossing', () => {
    const { state, crossings } = run([
      ev(
        'form_submit',
        T0,
        { formId: 'demo-request' },
        { ...neutral, email: 'spy@rivalmetrics.com', jobTitle: 'CEO' },
      ),
      ev('demo_request', T0 + 1),
      ev('webinar_attended', T0 + 2),
      ev('content_download', T0 + 3, { tier: 'premium' }),
    ]);
    expect(scoreAt(state, model, T0 + 3).total).toBeGreaterThan(100);
    expect(state.reported.segment).toBe('disqualified');
    expect(crossings).toEqual([]);
  });
});

describe('source weighting', () => {
  it('It should add source points and multiply engagement for paid campaigns', () => {
    const { state } = run([
      ev('form_submit', T0, { formId: 'contact' }, { ...neutral, source: 'linkedin-ads' }),
    ]);
    const score = scoreAt(state, model, T0);
    expect(score.source).toBe(5);
    expect(score.engagement).toBeCloseTo(25 * 1.2, 9);
  });
});

describe('decay', () => {
  it('It should halve engagement after exactly one half-life and never decay fit', () => {
    const { state } = run([
      ev('form_submit', T0, { formId: 'demo-request' }, { ...neutral, industry: 'saas' }),
    ]);
    const now = scoreAt(state, model, T0);
    const week = scoreAt(state, model, T0 + 7 * DAY);
    expect(week.engagement).toBeCloseTo(now.engagement / 2, 9);
    expect(week.fit).toBe(now.fit);
  });

  it('It should apply the inactivity steps at 30 and 90 days', () => {
    const { state } = run([ev('demo_request', T0)]);
    const before = scoreAt(state, model, T0 + 30 * DAY - 1).engagement;
    const after = scoreAt(state, model, T0 + 30 * DAY).engagement;
    expect(after).toBeCloseTo(before / 2, 6);
    expect(scoreAt(state, model, T0 + 90 * DAY).engagement).toBe(0);
  });
});

describe('thresholds, segments and hysteresis', () => {
  const hotProfile: Profile = {
    ...neutral,
    industry: 'software',
    employees: 600,
    jobTitle: 'Director of IT',
  };

  it('It should cross MQL once while hovering at the line, and again only after falling below 85', () => {
    const { state, crossings, segments } = run([
      ev('form_submit', T0, { formId: 'demo-request' }, hotProfile), // 45 fit + 30
      ev('webinar_attended', T0), // exactly 100
    ]);
    expect(scoreAt(state, model, T0).total).toBeCloseTo(100, 9);
    expect(crossings).toEqual(['mql:up']);
    expect(segments).toEqual(['warm', 'hot']);
    expect(state.lifecycle).toBe('mql');
    // A day later it has dipped under 100 but not under 85; coming back above 100 alerts no one.
    const dipped = observe(state, model, T0 + DAY);
    expect(dipped.state.reported.score).toBeLessThan(100);
    expect(dipped.changes.thresholdCrossings).toEqual([]);
    const back = run([ev('email_click', T0 + DAY + MIN)], dipped.state);
    expect(back.state.reported.score).toBeGreaterThan(100);
    expect(back.crossings).toEqual([]);
    // The demo form fast-tracked this A-grade lead, which holds MQL for 30 days whatever the score.
    expect(observe(back.state, model, T0 + 20 * DAY).changes.thresholdCrossings).toEqual([]);
    // After the hold it has fallen under 85: the threshold re-arms (a down crossing), then can fire again.
    const low = observe(back.state, model, T0 + 31 * DAY);
    expect(low.changes.thresholdCrossings.map((c) => `${c.name}:${c.direction}`)).toEqual(['mql:down']);
    const again = run([ev('webinar_attended', T0 + 31 * DAY), ev('demo_request', T0 + 31 * DAY)], low.state);
    expect(again.crossings).toContain('mql:up');
  });

  it('It should predict the instant decay changes the segment', () => {
    const { state } = run([
      ev('form_submit', T0, { formId: 'demo-request' }, hotProfile),
      ev('webinar_attended', T0 + 1),
    ]);
    const at = nextChangeAt(state, model, T0 + 1)!;
    expect(at).toBeGreaterThan(T0);
    expect(observe(state, model, at - 1).changes.segmentChange).toBeNull();
    expect(observe(state, model, at).changes.segmentChange).not.toBeNull();
  });
});

describe('explanation', () => {
  it('It should account for every point, with the model version', () => {
    const { state } = run([
      ev(
        'form_submit',
        T0,
        { formId: 'demo-request' },
        { ...neutral, source: 'google-ads', jobTitle: 'CTO' },
      ),
      ...Array.from({ length: 7 }, (_, i) => ev('email_open', T0 + i * MIN)),
      ev('page_view', T0 + DAY, { url: '/pricing' }),
      ev('unsubscribe', T0 + 2 * DAY),
    ]);
    const now = T0 + 10 * DAY;
    const explanation = explain(state, model, now);
    const sum = explanation.lines.reduce((total, line) => total + line.points, 0);
    expect(sum).toBeCloseTo(scoreAt(state, model, now).total, 9);
    expect(explanation.modelVersion).toBe('2026-11-01');
    const emailOpen = explanation.lines.find((l) => l.ruleId === 'email-open');
    expect(emailOpen).toMatchObject({ count: 7, awarded: 25, capped: 10 });
    // Per rule after decay (PRODUCT §2.12): what is left now, no lump "decay" line.
    expect(emailOpen!.points).toBeGreaterThan(0);
    expect(emailOpen!.points).toBeLessThan(25);
    expect(explanation.lines.every((l) => (l.kind as string) !== 'decay')).toBe(true);
  });
});
