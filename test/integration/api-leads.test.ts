import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFor } from '#shared/store/identity.ts';
import {
  type ApiHarness,
  eventsRequest,
  formRequest,
  type HttpHandler,
  invoke,
  leadsRequest,
  startApiHarness,
} from '#test/support/api-gateway.ts';

/** GET /v1/leads and GET /v1/leads/{leadId} through the real handler (PRODUCT §6.1). */
let harness: ApiHarness;
let leads: HttpHandler;

interface Summary {
  leadId: string;
  email: string | null;
  score: number;
  segment: string;
  grade: string;
  owner: { name: string; email: string } | null;
}

interface Page {
  items: Summary[];
  nextCursor: string | null;
}

/** Twelve leads of varied fit and engagement, one competitor (disqualified). */
const SEEDS = Array.from({ length: 12 }, (_, i) => ({
  email: `buyer${i}@${i % 3 === 0 ? 'analytical-engines.com' : `company${i}.com`}`,
  jobTitle: ['VP Marketing', 'Marketing Manager', 'Student', 'Head of Growth'][i % 4] as string,
  industry: i % 2 === 0 ? 'software' : 'retail',
  employees: i % 3 === 0 ? '1500' : '40',
  webinars: i % 5,
}));
const COMPETITOR = 'spy@rivalmetrics.com';

beforeAll(async () => {
  harness = await startApiHarness('api-leads');
  const forms = (await import('#functions/forms/handler.ts')).handler as HttpHandler;
  const events = (await import('#functions/events/handler.ts')).handler as HttpHandler;
  leads = (await import('#functions/leads/handler.ts')).handler as HttpHandler;
  for (const seed of [...SEEDS, { ...SEEDS[0]!, email: COMPETITOR, webinars: 4 }]) {
    const body = JSON.stringify({
      work_email: seed.email,
      full_name: `Buyer ${seed.email}`,
      company: seed.email.split('@')[1],
      jobTitle: seed.jobTitle,
      industry: seed.industry,
      employees: seed.employees,
      country: 'DE',
    });
    const form = await invoke(
      forms,
      formRequest('demo-request', body, { 'content-type': 'application/json' }),
    );
    expect(form.statusCode).toBe(200);
    if (seed.webinars > 0) {
      const batch = Array.from({ length: seed.webinars }, (_, w) => ({
        eventId: `${seed.email}-webinar-${w}`,
        email: seed.email,
        type: 'webinar_attended',
        attributes: { webinar: `w${w}` },
      }));
      const response = await invoke(events, eventsRequest(batch, harness.apiKey));
      expect(response.json).toMatchObject({ accepted: seed.webinars });
    }
  }
});

afterAll(async () => {
  await harness?.stop();
});

const list = async (query: Record<string, string> = {}) => {
  const response = await invoke(leads, leadsRequest(harness.apiKey, { query }));
  expect(response.statusCode, response.text).toBe(200);
  return response.json as Page;
};

const expectRanked = (items: readonly Summary[]) => {
  for (let i = 1; i < items.length; i++) expect(items[i]!.score).toBeLessThanOrEqual(items[i - 1]!.score);
};

const ALL_IDS = [...SEEDS.map((s) => leadIdFor(s.email)), leadIdFor(COMPETITOR)];

/** The decoded JSON of a cursor (opaque to clients; the tests forge variants of it). */
const decoded = (cursor: string) =>
  JSON.parse(Buffer.from(cursor, 'base64url').toString()) as Record<string, unknown>;
const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('GET /v1/leads', () => {
  it('It should list every qualified lead ranked by score, highest first, then the disqualified', async () => {
    const page = await list({ limit: '100' });
    expect(page.items).toHaveLength(SEEDS.length + 1);
    expect(page.nextCursor).toBeNull();
    const qualified = page.items.slice(0, -1);
    expectRanked(qualified);
    expect(new Set(qualified.map((l) => l.segment))).toEqual(new Set(['hot', 'warm', 'cold']));
    expect(page.items.at(-1)).toMatchObject({ email: COMPETITOR, segment: 'disqualified' });
  });

  it('It should filter by segment, grade and minimum score', async () => {
    const all = (await list({ limit: '100' })).items;
    const hot = (await list({ segment: 'hot', limit: '100' })).items;
    expect(hot.length).toBeGreaterThan(0);
    expect(hot.every((l) => l.segment === 'hot')).toBe(true);
    expect(hot.map((l) => l.leadId).sort()).toEqual(
      all
        .filter((l) => l.segment === 'hot')
        .map((l) => l.leadId)
        .sort(),
    );

    const gradeA = (await list({ grade: 'A', limit: '100' })).items;
    expect(gradeA.length).toBeGreaterThan(0);
    expect(gradeA.every((l) => l.grade === 'A')).toBe(true);
    expect(gradeA).toHaveLength(all.filter((l) => l.grade === 'A').length);
    // Ranked by score, the disqualified (the competitor is grade A too) after the others.
    const qualifiedA = gradeA.filter((l) => l.segment !== 'disqualified');
    expectRanked(qualifiedA);
    expect(gradeA.slice(qualifiedA.length).map((l) => l.email)).toEqual([COMPETITOR]);

    const above = (await list({ minScore: '60', limit: '100' })).items;
    expect(above.every((l) => l.score >= 60)).toBe(true);
    expect(above).toHaveLength(all.filter((l) => l.score >= 60).length);

    const combined = (await list({ segment: 'warm', grade: 'A', limit: '100' })).items;
    expect(combined).toHaveLength(all.filter((l) => l.segment === 'warm' && l.grade === 'A').length);

    const disqualified = (await list({ segment: 'disqualified' })).items;
    expect(disqualified.map((l) => l.email)).toEqual([COMPETITOR]);

    const aboveAndA = (await list({ grade: 'A', minScore: '60', limit: '100' })).items;
    expect(aboveAndA).toHaveLength(all.filter((l) => l.grade === 'A' && l.score >= 60).length);
  });

  it('It should filter by owner (their email, in any case)', async () => {
    const all = (await list({ limit: '100' })).items;
    // Every seed is in DE: the EMEA route's owner.
    const erika = (await list({ owner: 'erika@example-analytics.com', limit: '100' })).items;
    expect(erika.map((l) => l.leadId)).toEqual(all.map((l) => l.leadId));
    expect(erika.every((l) => l.owner?.email === 'erika@example-analytics.com')).toBe(true);
    expect((await list({ owner: 'Erika@Example-Analytics.com', limit: '100' })).items).toHaveLength(
      all.length,
    );
    expect((await list({ owner: 'sam@example-analytics.com' })).items).toEqual([]);
    expect(await list({ owner: 'nobody@example.org' })).toMatchObject({ items: [], nextCursor: null });
    const hotErika = (await list({ owner: 'erika@example-analytics.com', segment: 'hot', grade: 'A' })).items;
    expect(hotErika).toHaveLength(all.filter((l) => l.segment === 'hot' && l.grade === 'A').length);
  });

  it('It should return every lead exactly once across cursor pages, still ranked', async () => {
    for (const limit of ['1', '3', '5']) {
      const seen: Summary[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = await list({ limit, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(Number(limit));
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
        expect(pages).toBeLessThan(50);
      } while (cursor);
      const ids = seen.map((l) => l.leadId);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...ALL_IDS].sort());
      expect(ids.at(-1)).toBe(leadIdFor(COMPETITOR));
      expectRanked(seen.slice(0, -1));
      // Filtered, the cursor continues the same listing.
      const gradeA: Summary[] = [];
      for (let next: string | null = null, first = true; first || next; first = false) {
        const page: Page = await list({ grade: 'A', limit, ...(next ? { cursor: next } : {}) });
        gradeA.push(...page.items);
        next = page.nextCursor;
      }
      expect(gradeA.map((l) => l.leadId)).toEqual(
        (await list({ grade: 'A', limit: '100' })).items.map((l) => l.leadId),
      );
    }
  });

  it("It should reject another listing's cursor with 400 naming cursor", async () => {
    const { nextCursor } = await list({ segment: 'cold', limit: '1' });
    expect(nextCursor).not.toBeNull();
    const others: Record<string, string>[] = [
      { cursor: nextCursor! },
      { segment: 'cold', grade: 'B', cursor: nextCursor! },
    ];
    for (const query of others) {
      const response = await invoke(leads, leadsRequest(harness.apiKey, { query }));
      expect(response.statusCode).toBe(400);
      expect(response.json).toMatchObject({ fields: [{ field: 'cursor' }] });
    }
    // Its own listing continues with it, whatever the page size.
    expect((await list({ segment: 'cold', limit: '3', cursor: nextCursor! })).items.length).toBeGreaterThan(
      0,
    );
  });

  const badQueries: { name: string; query: Record<string, string>; field: string }[] = [
    { name: 'a limit of 0', query: { limit: '0' }, field: 'limit' },
    { name: 'a limit over 100', query: { limit: '101' }, field: 'limit' },
    { name: 'a limit that is not a number', query: { limit: 'ten' }, field: 'limit' },
    { name: 'a fractional limit', query: { limit: '2.5' }, field: 'limit' },
    { name: 'a cursor this API did not return', query: { cursor: 'not-a-cursor' }, field: 'cursor' },
    {
      name: 'a forged cursor with a made-up start key',
      query: { cursor: Buffer.from(JSON.stringify({ s: 0, k: { pk: { x: 1 } } })).toString('base64url') },
      field: 'cursor',
    },
    {
      name: 'a forged cursor with an impossible segment index',
      query: { cursor: Buffer.from(JSON.stringify({ s: -1.5 })).toString('base64url') },
      field: 'cursor',
    },
    { name: 'an unknown segment', query: { segment: 'lukewarm' }, field: 'segment' },
    { name: 'a bad grade', query: { grade: 'excellent' }, field: 'grade' },
    { name: 'a grade the model does not have', query: { grade: 'Z' }, field: 'grade' },
    { name: 'an owner that is not an email', query: { owner: 'erika' }, field: 'owner' },
    {
      name: 'a forged cursor with a start key in the old shape',
      query: { cursor: encoded({ s: 0, k: { pk: 'LEAD#x', sk: 'LEAD', gsi1pk: 'SEG#hot', gsi1sk: 1 } }) },
      field: 'cursor',
    },
    { name: 'a minScore that is not a number', query: { minScore: 'high' }, field: 'minScore' },
  ];
  for (const c of badQueries) {
    it(`It should reject ${c.name} with 400 naming "${c.field}"`, async () => {
      const response = await invoke(leads, leadsRequest(harness.apiKey, { query: c.query }));
      expect(response.statusCode).toBe(400);
      const body = response.json as { error: string; fields: { field: string }[] };
      expect(body.error).toBe('validation_failed');
      expect(body.fields.map((f) => f.field)).toContain(c.field);
    });
  }

  it('It should answer any made-up cursor with 200 or a 400 naming cursor, never a 5xx', async () => {
    const real = (await list({ limit: '2' })).nextCursor!;
    const { f } = decoded(real);
    const leadId = leadIdFor(SEEDS[1]!.email);
    // Positions: well-formed sort keys (any score, a real or made-up lead), and near misses.
    const position = fc.oneof(
      fc
        .tuple(fc.integer({ min: 0, max: 1999999999 }), fc.integer({ min: 0, max: 999999 }))
        .map(([i, d]) => `${String(i).padStart(10, '0')}.${String(d).padStart(6, '0')}#${leadId}`),
      fc.constantFrom('0000000000.000000#ld_', '1000000050.000000', `9999999999.999999#${leadId}`, ''),
      fc.string(),
      fc.double(),
    );
    const anyCursor = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map(encoded),
      fc.constant(real),
      fc
        .record(
          {
            s: fc.oneof(fc.integer({ min: -2, max: 6 }), fc.double()),
            k: position,
            f: fc.oneof(fc.constant(f), fc.string({ maxLength: 20 })),
          },
          { requiredKeys: ['s'] },
        )
        .map(encoded),
    );
    await fc.assert(
      fc.asyncProperty(anyCursor, fc.constantFrom('1', '2', '100'), async (cursor, limit) => {
        const response = await invoke(leads, leadsRequest(harness.apiKey, { query: { cursor, limit } }));
        if (response.statusCode === 200) {
          expect((response.json as Page).items.length).toBeLessThanOrEqual(Number(limit));
          return;
        }
        expect(response.statusCode).toBe(400);
        expect(response.json).toMatchObject({ fields: [{ field: 'cursor' }] });
      }),
      { numRuns: 200 },
    );
  });

  it('It should answer 401 without an API key and 403 with a wrong one', async () => {
    expect((await invoke(leads, leadsRequest(null))).statusCode).toBe(401);
    expect((await invoke(leads, leadsRequest('wrong'))).statusCode).toBe(403);
    expect((await invoke(leads, leadsRequest(null, { leadId: leadIdFor(SEEDS[0]!.email) }))).statusCode).toBe(
      401,
    );
  });
});

describe('GET /v1/leads/{leadId}', () => {
  interface Detail extends Summary {
    profile: Record<string, unknown>;
    fitScore: number;
    engagementScore: number;
    lifecycle: string;
    owner: { name: string; email: string } | null;
    modelVersion: string;
    explanation: {
      total: number;
      modelVersion: string;
      lines: { kind: string; points: number; text: string }[];
    };
    history: { at: string; cause: string; total: number }[];
    account: { domain: string; score: number; segment: string; leads: number; method: string } | null;
  }

  it('It should return profile, scores, segment, grade, lifecycle, an explanation that adds up, history, owner and account', async () => {
    const [top] = (await list({ limit: '1' })).items;
    const response = await invoke(leads, leadsRequest(harness.apiKey, { leadId: top!.leadId }));
    expect(response.statusCode).toBe(200);
    const lead = response.json as Detail;
    expect(lead).toMatchObject({
      leadId: top!.leadId,
      email: top!.email,
      score: top!.score,
      segment: 'hot',
      grade: expect.stringMatching(/^[A-D]$/),
      lifecycle: 'mql',
      modelVersion: '2026-11-01',
      owner: { name: 'Erika Mustermann', email: 'erika@example-analytics.com' },
    });
    expect(lead.profile).toMatchObject({ email: top!.email, country: 'DE' });
    expect(typeof lead.fitScore).toBe('number');
    expect(typeof lead.engagementScore).toBe('number');
    const sum = lead.explanation.lines.reduce((total, line) => total + line.points, 0);
    expect(Math.abs(sum - lead.score)).toBeLessThanOrEqual(0.05);
    expect(lead.explanation.total).toBe(lead.score);
    expect(lead.explanation.lines.every((l) => typeof l.text === 'string' && l.text !== '')).toBe(true);
    expect(lead.history.length).toBeGreaterThan(1);
    expect(lead.history[0]?.cause).toBe('form_submit');
    expect(lead.history.at(-1)?.total).toBeCloseTo(lead.score, 1);
  });

  it('It should explain every lead so that its lines sum to its score', async () => {
    for (const seed of SEEDS) {
      const lead = (await invoke(leads, leadsRequest(harness.apiKey, { leadId: leadIdFor(seed.email) })))
        .json as Detail;
      const sum = lead.explanation.lines.reduce((total, line) => total + line.points, 0);
      expect(Math.abs(sum - lead.score), seed.email).toBeLessThanOrEqual(0.05);
    }
  });

  it('It should roll the leads of one company up into its account (top 3 contacts)', async () => {
    const colleagues = SEEDS.filter((s) => s.email.endsWith('@analytical-engines.com'));
    expect(colleagues).toHaveLength(4);
    const details = await Promise.all(
      colleagues.map(
        async (s) =>
          (await invoke(leads, leadsRequest(harness.apiKey, { leadId: leadIdFor(s.email) }))).json as Detail,
      ),
    );
    const topThree = details
      .map((d) => d.score)
      .sort((a, b) => b - a)
      .slice(0, 3)
      .filter((s) => s > 0)
      .reduce((a, b) => a + b, 0);
    for (const lead of details) {
      expect(lead.account).toMatchObject({ domain: 'analytical-engines.com', method: 'topN' });
      expect(lead.account?.score).toBeCloseTo(topThree, 1);
    }
  });

  it('It should answer 404 naming leadId for an unknown lead, and 400 for a malformed id', async () => {
    const unknown = await invoke(
      leads,
      leadsRequest(harness.apiKey, { leadId: leadIdFor('nobody@nowhere-corp.com') }),
    );
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json).toMatchObject({ error: 'not_found', fields: [{ field: 'leadId' }] });
    const malformed = await invoke(leads, leadsRequest(harness.apiKey, { leadId: 'robert' }));
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json).toMatchObject({ fields: [{ field: 'leadId' }] });
  });
});
