import { describe, expect, it } from 'vitest';
import { observe, scoreAt } from '#shared/scoring/engine.ts';
import { explain } from '#shared/scoring/explain.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import type { Profile, ScoreChanges } from '#shared/scoring/types.ts';
import {
  classificationChanges,
  DAY,
  event,
  folded,
  HOUR,
  MINUTE,
  exampleModel as model,
  pointsFor,
  profileEvent,
  replay,
  upCrossings,
} from '#test/fixtures/scoring.ts';

/*
 * Worked cases on clients/example.yaml, whose point values come from the background tables
 * (PRODUCT §2.2): pricing page 10, brochure 15, demo video 20, email open 5, click 10–15,
 * premium content 20–40, social 10–25, demo request 30, contact form 25, repeat bonus 5–10,
 * engagement halving every week.
 */

const T0 = Date.parse('2026-11-02T09:00:00Z');

/** Earns no fit points and no penalties: grade C, base score 0. */
const neutral: Profile = {
  email: 'sam@neutral-co.com',
  company: 'Neutral Co',
  phone: '+1 555 0100',
  country: 'US',
};
/** Target industry 15 + company size 10 + senior title 20 = fit 45, grade A. */
const idealBuyer: Profile = {
  ...neutral,
  email: 'dana@northwind.io',
  company: 'Northwind',
  industry: 'saas',
  employees: 800,
  jobTitle: 'VP Marketing',
};

const engagementAt = (events: Parameters<typeof replay>[0], t: number) =>
  scoreAt(replay(events).state, model, t).engagement;

describe('engagement points from the background tables', () => {
  it.each([
    [
      'a pricing page visit',
      'page_view',
      { url: 'https://www.example-analytics.com/pricing' },
      'pricing-page',
      10,
    ],
    [
      'a brochure download',
      'content_download',
      { asset: 'overview.pdf', tier: 'brochure' },
      'brochure-download',
      15,
    ],
    ['a demo video watched', 'video_watch', { video: 'demo', percent: 80 }, 'demo-video', 20],
    ['an email open', 'email_open', { campaign: 'nurture-1' }, 'email-open', 5],
    ['an email click (10–15)', 'email_click', { campaign: 'nurture-1' }, 'email-click', 12],
    [
      'premium content (20–40)',
      'content_download',
      { asset: 'report.pdf', tier: 'premium' },
      'premium-content',
      30,
    ],
    ['a social engagement (10–25)', 'social_engagement', { network: 'linkedin' }, 'social-engagement', 15],
    ['a webinar attended (10–25)', 'webinar_attended', { webinar: 'q4' }, 'webinar-attended', 25],
    ['a demo request', 'demo_request', {}, 'demo-request', 30],
    ['a contact form', 'form_submit', { formId: 'contact' }, 'contact-form', 25],
  ])('It should give %s its points', (_, type, attributes, ruleId, points) => {
    const { state, steps } = replay([profileEvent(T0, neutral), event(type, T0 + MINUTE, attributes)]);
    expect(pointsFor(steps[1]!, ruleId)).toBe(points);
    expect(scoreAt(state, model, T0 + MINUTE)).toEqual({
      fit: 0,
      source: 0,
      engagement: points,
      predictive: 0,
      total: points,
    });
  });

  it('It should not score a video watched for less than half, nor a page the rules do not name', () => {
    const { steps } = replay([
      event('video_watch', T0, { video: 'demo', percent: 30 }),
      event('content_download', T0, { tier: 'blog' }),
    ]);
    expect(steps.flatMap((s) => s.awarded)).toEqual([]);
  });
});

describe('repeats and caps', () => {
  it('It should add a repeat bonus of 5 to the first three repeats of a pricing visit, then stop', () => {
    // Ten days apart, the 50-points-in-30-days cap of the rule never binds.
    const visits = [0, 10, 20, 30, 40].map((d) => event('page_view', T0 + d * DAY, { url: '/pricing' }));
    const { state, steps } = replay(visits);
    expect(steps.map((s) => pointsFor(s, 'pricing-page'))).toEqual([10, 15, 15, 15, 10]);
    expect(state.tallies['pricing-page']).toMatchObject({ count: 5, awarded: 65, bonus: 15, capped: 0 });
  });

  it('It should count email opens at most 25 points in 30 days, and count again as opens leave the window', () => {
    const opens = Array.from({ length: 8 }, (_, i) => event('email_open', T0 + i * HOUR));
    const { state, steps } = replay(opens);
    expect(steps.map((s) => pointsFor(s, 'email-open'))).toEqual([5, 5, 5, 5, 5, 0, 0, 0]);
    expect(state.tallies['email-open']).toMatchObject({ count: 8, awarded: 25, capped: 15 });
    // Exactly 30 days after the first open it leaves the window (t − 30 d, t]: room for one more.
    const later = replay(
      [event('email_open', T0 + 30 * DAY), event('email_open', T0 + 30 * DAY)],
      model,
      state,
    );
    expect(later.steps.map((s) => pointsFor(s, 'email-open'))).toEqual([5, 0]);
  });

  it('It should share the email category cap of 40 in 30 days between clicks and opens', () => {
    const { state, steps } = replay([
      event('email_click', T0),
      event('email_click', T0 + HOUR),
      event('email_click', T0 + 2 * HOUR),
      event('email_open', T0 + 3 * HOUR),
    ]);
    // 12, then 12 + 3 repeat bonus twice = 42 > 40: the third click is cut to 13, the open to 0.
    expect(steps.map((s) => s.awarded[0]?.points)).toEqual([12, 15, 13, 0]);
    expect(state.tallies['email-click']).toMatchObject({ count: 3, awarded: 40, bonus: 6, capped: 2 });
    expect(state.tallies['email-open']).toMatchObject({ count: 1, awarded: 0, capped: 5 });
  });

  it('It should cap social engagement through its category (50 in 30 days)', () => {
    const { steps } = replay(Array.from({ length: 4 }, (_, i) => event('social_engagement', T0 + i * DAY)));
    expect(steps.map((s) => pointsFor(s, 'social-engagement'))).toEqual([15, 15, 15, 5]);
  });

  it('It should cap minor page views at 10 points a week', () => {
    const { steps } = replay(
      Array.from({ length: 12 }, (_, i) => event('page_view', T0 + i * HOUR, { url: '/blog' })),
    );
    expect(steps.reduce((sum, s) => sum + pointsFor(s, 'other-page'), 0)).toBe(10);
  });
});

describe('negative scores', () => {
  const fitOf = (profile: Profile) => replay([profileEvent(T0, profile)]).state.fit;

  it('It should penalise personal and disposable email domains from the maintained lists', () => {
    expect(fitOf({ ...neutral, email: 'sam@gmail.com' })).toEqual({
      score: -10,
      rules: [{ ruleId: 'personal-email', points: -10 }],
    });
    expect(fitOf({ ...neutral, email: 'sam@0-mail.com' }).rules).toEqual([
      { ruleId: 'disposable-email', points: -25 },
    ]);
    // mailinator.com is on both lists.
    expect(fitOf({ ...neutral, email: 'sam@MAILINATOR.com' }).score).toBe(-35);
  });

  it('It should penalise a missing company and a missing phone', () => {
    const { company: _company, phone: _phone, ...bare } = neutral;
    expect(fitOf(bare).rules.map((r) => r.ruleId)).toEqual(['missing-company', 'missing-phone']);
    expect(fitOf({ ...neutral, company: '  ' }).score).toBe(-5);
  });

  it('It should penalise students and job seekers', () => {
    expect(fitOf({ ...neutral, jobTitle: 'Student' }).score).toBe(-20);
    expect(fitOf({ ...neutral, jobTitle: 'Job seeker, open to work' }).score).toBe(-20);
    expect(fitOf({ ...neutral, jobTitle: 'Account Manager' }).score).toBe(10);
  });

  it('It should penalise an unsupported country, but not a missing one', () => {
    expect(fitOf({ ...neutral, country: 'BR' }).rules).toEqual([
      { ruleId: 'unsupported-country', points: -15 },
    ]);
    expect(fitOf({ ...neutral, country: 'de' }).score).toBe(0);
    const { country: _country, ...noCountry } = neutral;
    expect(fitOf(noCountry).score).toBe(0);
  });

  it('It should take points for careers-page visits, unsubscribes and bounces', () => {
    const { steps } = replay([
      event('page_view', T0, { url: 'https://www.example-analytics.com/careers/engineer' }),
      event('unsubscribe', T0),
      event('email_bounce', T0),
    ]);
    expect(steps.map((s) => s.awarded)).toEqual([
      [{ ruleId: 'careers-page', points: -10 }],
      [{ ruleId: 'unsubscribe', points: -20 }],
      [{ ruleId: 'email-bounce', points: -15 }],
    ]);
  });
});

describe('disqualification', () => {
  const busy = (at: number) => [
    event('demo_request', at),
    event('form_submit', at, { formId: 'contact' }),
    event('webinar_attended', at),
    event('content_download', at, { tier: 'premium' }),
  ];

  it('It should put a competitor in the disqualified segment whatever its points, and never cross a threshold', () => {
    const competitor = { ...idealBuyer, email: 'kim@rivalmetrics.com' };
    const { state, steps } = replay([profileEvent(T0, competitor), ...busy(T0 + MINUTE)]);
    expect(steps[0]!.changes.newlyDisqualified).toEqual({
      ruleId: 'competitor',
      reason: 'Works for a competitor',
    });
    expect(state.reported.score).toBeGreaterThan(150);
    expect(state.reported.segment).toBe('disqualified');
    expect(steps.flatMap((s) => s.changes.thresholdCrossings)).toEqual([]);
    expect(nextChangeAt(state, model, T0 + MINUTE)).toBeNull();
    // Sticky: a later form with a clean address does not lift it.
    const after = replay(
      [profileEvent(T0 + DAY, { email: 'kim@northwind.io' }), ...busy(T0 + DAY)],
      model,
      state,
    );
    expect(after.state.reported.segment).toBe('disqualified');
    expect(upCrossings(after.steps)).toEqual([]);
  });

  it('It should disqualify existing customers, and let a spam verdict change nothing (PRODUCT §3.7)', () => {
    expect(
      replay([profileEvent(T0, { ...neutral, email: 'a@bigcustomer.com' })]).state.disqualified?.ruleId,
    ).toBe('existing-customer');
    const clean = replay([profileEvent(T0, idealBuyer), ...busy(T0)]).state;
    const spam = {
      ...event('form_submit', T0 + HOUR, { formId: 'contact' }, { jobTitle: 'Student' }),
      spam: true,
    };
    const after = replay([spam], model, clean).state;
    expect(after.disqualified).toBeNull();
    expect(after.profile).toEqual(clean.profile);
    expect(after.tallies).toEqual(clean.tallies);
  });

  it('It should re-arm the thresholds of a lead that is disqualified after crossing them, and never alert again', () => {
    const { state, steps } = replay([profileEvent(T0, idealBuyer), ...busy(T0)]);
    expect(upCrossings(steps)).toEqual(['mql', 'priority']);
    const later = replay(
      [profileEvent(T0 + HOUR, { email: 'dana@rivalmetrics.com' }), ...busy(T0 + 2 * HOUR)],
      model,
      state,
    );
    expect(later.steps[0]!.changes.thresholdCrossings.map((c) => `${c.name}:${c.direction}`)).toEqual([
      'mql:down',
      'priority:down',
    ]);
    expect(upCrossings(later.steps)).toEqual([]);
  });
});

describe('lead source weighting', () => {
  it('It should add 5 points and multiply engagement by 1.2 for paid campaigns', () => {
    const { state } = replay([
      profileEvent(T0, { ...neutral, source: 'linkedin-ads' }),
      event('form_submit', T0, { formId: 'contact' }),
    ]);
    expect(scoreAt(state, model, T0)).toEqual({
      fit: 0,
      source: 5,
      engagement: 30,
      predictive: 0,
      total: 35,
    });
    // The multiplier applies to decayed engagement; source points never decay.
    expect(scoreAt(state, model, T0 + 7 * DAY)).toEqual({
      fit: 0,
      source: 5,
      engagement: 15,
      predictive: 0,
      total: 20,
    });
  });

  it('It should add 10 points for referrals without weighting engagement', () => {
    const { state } = replay([
      profileEvent(T0, { ...neutral, source: 'referral' }),
      event('form_submit', T0, { formId: 'contact' }),
    ]);
    expect(scoreAt(state, model, T0)).toEqual({
      fit: 0,
      source: 10,
      engagement: 25,
      predictive: 0,
      total: 35,
    });
  });
});

describe('decay', () => {
  it('It should halve engagement after exactly one week and never decay fit', () => {
    const { state } = replay([profileEvent(T0, idealBuyer), event('form_submit', T0, { formId: 'contact' })]);
    expect(scoreAt(state, model, T0 + 7 * DAY)).toEqual({
      fit: 45,
      source: 0,
      engagement: 12.5,
      predictive: 0,
      total: 57.5,
    });
    expect(scoreAt(state, model, T0 + 14 * DAY).engagement).toBe(6.25);
    expect(scoreAt(state, model, T0 + 3.5 * DAY).engagement).toBeCloseTo(25 / Math.SQRT2, 12);
  });

  it('It should halve engagement again after 30 days without activity and clear it after 90', () => {
    const events = [
      event('form_submit', T0, { formId: 'contact' }),
      event('content_download', T0, { tier: 'brochure' }),
    ];
    const halfLifeOnly = (days: number) => 40 * 2 ** -(days / 7);
    expect(engagementAt(events, T0 + 30 * DAY - 1)).toBeCloseTo(halfLifeOnly(30), 6);
    expect(engagementAt(events, T0 + 30 * DAY)).toBeCloseTo(halfLifeOnly(30) / 2, 12);
    expect(engagementAt(events, T0 + 90 * DAY - 1)).toBeGreaterThan(0);
    expect(engagementAt(events, T0 + 90 * DAY)).toBe(0);
  });

  it('It should count inactivity from the last event that earned points, not from a penalty', () => {
    const events = [
      event('form_submit', T0, { formId: 'contact' }),
      event('content_download', T0, { tier: 'brochure' }),
      event('page_view', T0 + 10 * DAY, { url: '/careers' }), // 40 → 14.9 − 10 = 4.9
    ];
    const ratio = (t: number) => engagementAt(events, t) / engagementAt(events, t - 1);
    expect(ratio(T0 + 30 * DAY)).toBeCloseTo(0.5, 6);
    expect(ratio(T0 + 40 * DAY)).toBeCloseTo(1, 6);
  });

  it('It should floor engagement at zero and explain the floor, so penalties never sink the fit score', () => {
    const { state } = replay([
      profileEvent(T0, idealBuyer),
      event('email_open', T0),
      event('unsubscribe', T0 + HOUR),
    ]);
    expect(scoreAt(state, model, T0 + HOUR)).toMatchObject({ engagement: 0, total: 45 });
    const explanation = explain(state, model, T0 + HOUR);
    expect(explanation.lines.find((l) => l.kind === 'floor')?.points).toBeGreaterThan(14.9);
    expect(explanation.lines.reduce((sum, l) => sum + l.points, 0)).toBeCloseTo(45, 9);
    // The penalty decays toward zero too: a lead returning two months later gets (almost) every point.
    const back = replay([event('form_submit', T0 + 60 * DAY, { formId: 'contact' })], model, state);
    expect(scoreAt(back.state, model, T0 + 60 * DAY).engagement).toBeGreaterThan(24.9);
  });
});

describe('thresholds, hysteresis, segments and grades', () => {
  it('It should alert once while a lead hovers around 100, and again only after it fell below 85', () => {
    const changes: ScoreChanges[] = [];
    let state = replay([profileEvent(T0, idealBuyer)]).state;
    const apply = (...events: ReturnType<typeof event>[]) => {
      const run = replay(events, model, state);
      changes.push(...run.steps.map((s) => s.changes));
      state = run.state;
    };
    const look = (t: number) => {
      const seen = observe(state, model, t);
      changes.push(seen.changes);
      state = seen.state;
    };
    apply(event('demo_request', T0 + MINUTE), event('webinar_attended', T0 + MINUTE)); // 45 + 55 = 100
    expect(state.reported.score).toBe(100);
    look(T0 + DAY); // decays to ~94.9: warm, still above the rearm line
    apply(event('email_click', T0 + DAY)); // ~106.9: hot again, no second alert
    let now = T0 + DAY;
    while (state.reported.thresholds.mql?.above) {
      now = nextChangeAt(state, model, now)!;
      look(now); // hot → warm below 100, then re-armed at the first instant below 85
    }
    expect(state.reported.score).toBeLessThan(85);
    apply(event('demo_request', now + HOUR)); // above 100 again: alerts again
    expect(upCrossings(changes.map((c) => ({ changes: c })))).toEqual(['mql', 'mql']);
    expect(changes.flatMap((c) => c.thresholdCrossings.map((x) => `${x.name}:${x.direction}`))).toEqual([
      'mql:up',
      'mql:down',
      'mql:up',
    ]);
    // The demo request fast-tracked this A-grade lead: MQL holds 30 days, by when it is cold; the
    // next demo request fast-tracks it again at a warm score.
    expect(changes.map((c) => c.segmentChange?.to).filter(Boolean)).toEqual([
      'warm',
      'hot',
      'warm',
      'hot',
      'warm',
      'cold',
      'warm',
    ]);
    expect(state.lifecycle).toBe('mql');
  });

  it('It should grade the fit score A to D', () => {
    const gradeOf = (profile: Profile) => replay([profileEvent(T0, profile)]).state.reported.grade;
    expect(gradeOf(idealBuyer)).toBe('A'); // 45
    expect(gradeOf({ ...neutral, jobTitle: 'Director of IT' })).toBe('B'); // 20
    expect(gradeOf(neutral)).toBe('C'); // 0
    expect(gradeOf({ ...neutral, jobTitle: 'Student' })).toBe('D'); // -20
  });

  it('It should report each change of segment once as points come and decay', () => {
    const { state, steps } = replay([
      profileEvent(T0, neutral),
      event('form_submit', T0, { formId: 'contact' }), // 25: cold
      event('demo_request', T0, {}), // 55: warm
      event('webinar_attended', T0, {}), // 80: warm
      event('content_download', T0, { tier: 'premium' }), // 110: hot
    ]);
    expect(steps.map((s) => s.changes.segmentChange?.to ?? null)).toEqual([
      'cold',
      null,
      'warm',
      null,
      'hot',
    ]);
    const toWarm = observe(state, model, T0 + 2 * DAY);
    expect(toWarm.changes.segmentChange).toEqual({ from: 'hot', to: 'warm' });
    expect(observe(toWarm.state, model, T0 + 3 * DAY).changes.segmentChange).toBeNull();
    expect(observe(toWarm.state, model, T0 + 8 * DAY).changes.segmentChange).toEqual({
      from: 'warm',
      to: 'cold',
    });
  });
});

describe('late (backdated) events', () => {
  const contact = (t: number) => event('form_submit', t, { formId: 'contact' });
  const brochure = (t: number) => event('content_download', t, { tier: 'brochure' });
  const demo = (t: number) => event('demo_request', t);

  it('It should score a late event at its own time, as if it had arrived in order', () => {
    const inOrder = replay([contact(T0), brochure(T0 + 2 * DAY), demo(T0 + 5 * DAY)]).state;
    const late = replay([contact(T0), demo(T0 + 5 * DAY), brochure(T0 + 2 * DAY)]).state;
    expect(scoreAt(late, model, T0 + 10 * DAY).total).toBeCloseTo(
      scoreAt(inOrder, model, T0 + 10 * DAY).total,
      9,
    );
    // The lead is evaluated at its latest time, never rewound.
    expect(late.reported.at).toBe(T0 + 5 * DAY);
    expect(late.reported.score).toBeCloseTo(inOrder.reported.score, 9);
  });

  it('It should keep caps when a late event lands in a window that is already full', () => {
    const opens = Array.from({ length: 5 }, (_, i) => event('email_open', T0 + 10 * DAY + i * MINUTE));
    const early = event('email_open', T0 + 5 * DAY);
    const older = event('email_open', T0 - 25 * DAY);
    // Late arrivals take their place in history: the cap room goes by event time.
    const { steps } = replay([...opens, early, older]);
    expect(steps[5]!.awarded).toEqual([{ ruleId: 'email-open', points: 5 }]);
    const { state } = replay([...opens, early, older]);
    const inOrder = replay([older, early, ...opens]);
    expect(folded(state)).toEqual(folded(inOrder.state));
    // In time order: the early open and the older one count; the fifth of the burst is cut.
    expect(inOrder.steps.map((s) => pointsFor(s, 'email-open'))).toEqual([5, 5, 5, 5, 5, 5, 0]);
  });
});

describe('next change by decay', () => {
  it('It should name the exact millisecond of every change, from the hot segment down to cold', () => {
    let { state } = replay([
      profileEvent(T0, idealBuyer),
      event('demo_request', T0),
      event('form_submit', T0, { formId: 'contact' }),
      event('webinar_attended', T0),
      event('content_download', T0, { tier: 'premium' }),
      event('video_watch', T0, { percent: 80 }),
      event('content_download', T0, { tier: 'brochure' }),
    ]);
    expect(state.reported.score).toBe(190);
    const seen: string[] = [];
    let now = T0;
    for (let t = nextChangeAt(state, model, now); t !== null; t = nextChangeAt(state, model, now)) {
      expect(t).toBeGreaterThan(now);
      expect(classificationChanges(state, model, t - 1)).toBe(false);
      expect(classificationChanges(state, model, t)).toBe(true);
      const { state: next, changes } = observe(state, model, t);
      seen.push(
        ...changes.thresholdCrossings.map((c) => `${c.name}:${c.direction}`),
        ...(changes.segmentChange ? [`segment:${changes.segmentChange.to}`] : []),
      );
      state = next;
      now = t;
    }
    expect(seen).toEqual(['priority:down', 'segment:warm', 'mql:down', 'segment:cold']);
    // The last change is not half-life decay but the 30-day inactivity step, to the millisecond.
    expect(now).toBe(T0 + 30 * DAY);
    expect(state.reported.segment).toBe('cold');
  });

  it('It should say a lead with nothing left to lose never changes, and a stale one changes now', () => {
    const fitOnly = replay([profileEvent(T0, idealBuyer)]).state;
    expect(nextChangeAt(fitOnly, model, T0)).toBeNull();
    const hot = replay([
      event('demo_request', T0),
      event('webinar_attended', T0),
      event('demo_request', T0),
    ]).state;
    const later = T0 + 30 * DAY;
    expect(classificationChanges(hot, model, later)).toBe(true);
    expect(nextChangeAt(hot, model, later)).toBe(later);
  });
});

describe('explanation', () => {
  it('It should account for every point with its rule, count, bonus and cut, and the model version', () => {
    const { state } = replay([
      profileEvent(T0, { ...idealBuyer, source: 'google-ads' }),
      ...[0, 1, 2].map((i) => event('page_view', T0 + i * HOUR, { url: '/pricing' })),
      ...Array.from({ length: 6 }, (_, i) => event('email_open', T0 + i * HOUR)),
      event('unsubscribe', T0 + 6 * HOUR),
    ]);
    const at = T0 + 3 * DAY;
    const explanation = explain(state, model, at);
    expect(explanation.modelVersion).toBe('2026-11-01');
    expect(explanation.total).toBe(scoreAt(state, model, at).total);
    expect(explanation.lines.reduce((sum, l) => sum + l.points, 0)).toBeCloseTo(explanation.total, 9);
    const pricing = explanation.lines.find((l) => l.ruleId === 'pricing-page');
    expect(pricing).toMatchObject({ kind: 'engagement', awarded: 40, count: 3, bonus: 10, capped: 0 });
    // What is left of the 40 after three days of half-life decay.
    expect(pricing!.points).toBeCloseTo(40 * 2 ** (-(3 * DAY - HOUR) / (7 * DAY)), 0);
    expect(explanation.lines.find((l) => l.ruleId === 'email-open')).toMatchObject({
      awarded: 25,
      capped: 5,
    });
    expect(explanation.lines.map((l) => l.kind)).toEqual(
      expect.arrayContaining(['fit', 'source', 'engagement', 'multiplier']),
    );
    expect(explanation.lines.some((l) => (l.kind as string) === 'decay')).toBe(false);
  });
});
