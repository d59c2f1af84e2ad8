import { beforeAll, describe, expect, it } from 'vitest';
import { Leadscore } from '#shared/app/leadscore.ts';
import { rescoreJobInputSchema, runRescoreJobStep } from '#shared/app/rescore-job.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { countRequests } from '#shared/clients/request-counter.ts';
import { loadClientConfig, parseClientConfig } from '#shared/config/load.ts';
import type { OutgoingEvent } from '#shared/events/contracts.ts';
import { foldEvents } from '#shared/scoring/engine.ts';
import { compileModel } from '#shared/scoring/model.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';
import { recordOutbox } from '#test/support/outbox-recorder.ts';

/** `leadscore rescore` (PRODUCT §6.5) on DynamoDB Local: a new model version applied to every lead. */
const current = loadClientConfig('example');
/** The candidate: pricing views are worth 25 instead of 10. */
const candidate = parseClientConfig({
  ...current,
  model: {
    ...current.model,
    version: '2026-12-01',
    engagement: {
      ...current.model.engagement,
      rules: current.model.engagement.rules.map((rule) =>
        rule.id === 'pricing-page'
          ? { ...rule, points: 25 }
          : rule.id === 'webinar'
            ? { ...rule, points: 0 }
            : rule,
      ),
    },
  },
});
const T0 = Date.parse('2026-11-10T09:00:00Z');
const NOW = T0 + 5 * 86_400_000;
const HOUR = 3_600_000;
const emails = Array.from({ length: 24 }, (_, i) => `buyer${i}@rescore-co${i % 5}.com`);

/** The same history on a table: profiles, pricing views and webinars, some leads untouched by the change. */
async function seed(tableName: string) {
  const app = Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName, config: current });
  for (const [i, email] of emails.entries()) {
    await app.ingest(
      {
        eventId: `form-${i}`,
        email,
        type: 'form_submit',
        occurredAt: T0,
        attributes: { formId: 'newsletter' },
        profile: {
          email,
          company: `Rescore ${i}`,
          jobTitle: 'VP Marketing',
          industry: 'software',
          phone: '1',
        },
      },
      T0,
    );
    for (let k = 0; k < i % 4; k++) {
      const at = T0 + (k + 1) * HOUR;
      await app.ingest(
        {
          eventId: `view-${i}-${k}`,
          email,
          type: 'page_view',
          occurredAt: at,
          attributes: { url: '/pricing' },
        },
        at,
      );
    }
  }
  return Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName, config: candidate });
}

async function statesOf(app: Leadscore) {
  const states = new Map<string, unknown>();
  for (const email of emails) {
    const item = await app.repo.getLead(leadIdFor(email));
    const state = stateOf(item!);
    states.set(email, { ...state, reported: { ...state.reported, at: 0 } });
  }
  return states;
}

describe('rescore on DynamoDB Local', () => {
  let whole: Leadscore;
  let interrupted: Leadscore;

  beforeAll(async () => {
    whole = await seed(await freshTable('rescore-whole'));
    interrupted = await seed(await freshTable('rescore-cut'));
  }, 240_000);

  it('It should refold every lead under the new version, silently, and find nothing left on a second run', async () => {
    const emitted: OutgoingEvent[] = recordOutbox(whole);
    const report = await whole.rescore(NOW, { segments: 3, pageSize: 10 });
    expect(report).toMatchObject({ complete: true, leads: emails.length, failed: [], eventsEmitted: 0 });
    expect(report.rescored).toBe(emails.length); // the model version changed for every lead
    // Leads with pricing views moved (25 a view now); those without kept their score.
    expect(report.changedCount).toBe(emails.filter((_, i) => i % 4 > 0).length);
    expect(emitted).toEqual([]);
    const model = compileModel(candidate);
    for (const [i, email] of emails.entries()) {
      const item = (await whole.repo.getLead(leadIdFor(email)))!;
      expect(item.modelVersion).toBe('2026-12-01');
      expect(item.outbox).toBeUndefined();
      const events = await whole.storedEvents(item.leadId);
      const expected = foldEvents(item.leadId, events, model);
      expect({ ...stateOf(item), reported: null }).toEqual({ ...expected, reported: null });
      if (i % 4 > 0) expect(item.rescored).toMatchObject({ fromModelVersion: current.model.version });
    }
    const again = await whole.rescore(NOW, { segments: 3, pageSize: 10 });
    expect(again).toMatchObject({ leads: 0, rescored: 0, complete: true, resumed: true });
    const restarted = await whole.rescore(NOW + HOUR, { segments: 3, pageSize: 10, restart: true });
    expect(restarted).toMatchObject({ leads: emails.length, rescored: 0, unchanged: emails.length });
  }, 240_000);

  it('It should end an interrupted rescore, resumed, exactly where an uninterrupted one ends', async () => {
    let pages = 0;
    const first = await interrupted.rescore(NOW, { segments: 3, pageSize: 10, keepGoing: () => pages++ < 4 });
    expect(first.complete).toBe(false);
    expect(first.leads).toBeLessThan(emails.length);
    const rest = await interrupted.rescore(NOW, { segments: 3, pageSize: 10 });
    expect(rest).toMatchObject({ complete: true, resumed: true });
    expect(first.leads + rest.leads).toBeGreaterThanOrEqual(emails.length);
    expect(await statesOf(interrupted)).toEqual(await statesOf(whole));
  }, 240_000);

  it('It should share one rescore between workers that each take their own segments', async () => {
    const shared = await seed(await freshTable('rescore-shared'));
    const [a, b] = await Promise.all([
      shared.rescore(NOW, { segments: 4, only: [0, 2] }),
      shared.rescore(NOW, { segments: 4, only: [1, 3] }),
    ]);
    expect(a.leads + b.leads).toBe(emails.length);
    expect(a.complete && b.complete).toBe(true);
    expect(await statesOf(shared)).toEqual(await statesOf(whole));
    await expect(shared.rescore(NOW, { segments: 4, only: [4] })).rejects.toThrow(/0\.\.3/);
  }, 240_000);

  it('It should publish its changes as rescore events only with notify', async () => {
    const app = await seed(await freshTable('rescore-notify'));
    const emitted = recordOutbox(app);
    const report = await app.rescore(NOW, { segments: 2, notify: true });
    expect(report.eventsEmitted).toBeGreaterThan(0);
    expect(emitted.length).toBe(report.eventsEmitted);
    expect(new Set(emitted.map((e) => (e.detail as { cause: string }).cause))).toEqual(new Set(['rescore']));
  }, 240_000);

  it('It should keep within its write budget', async () => {
    const app = await seed(await freshTable('rescore-budget'));
    const budget = 15;
    const report = await app.rescore(NOW, { segments: 2, maxWcuPerSecond: budget });
    expect(report.wcu).toBeGreaterThan(2 * budget);
    // One second of burst, then at most `budget` units a second.
    expect(report.seconds).toBeGreaterThanOrEqual(((report.wcu - budget) / budget) * 0.9);
  }, 240_000);

  it('It should read the table in one pass: no query per lead, even when a lead spans scan pages', async () => {
    const tableName = await freshTable('rescore-one-pass');
    await seed(tableName);
    const client = testDynamoClient();
    const requests = countRequests(client);
    const app = Leadscore.forTable({ doc: wrapDocument(client), tableName, config: candidate });
    // Three items a page: most leads' events and lead item fall on two or three pages.
    const report = await app.rescore(NOW, { segments: 2, pageSize: 3 });
    expect(report).toMatchObject({ complete: true, leads: emails.length, failed: [] });
    expect(requests.byOperation().Query ?? 0).toBe(0);
    const model = compileModel(candidate);
    for (const email of emails) {
      const item = (await app.repo.getLead(leadIdFor(email)))!;
      const expected = foldEvents(item.leadId, await app.storedEvents(item.leadId), model);
      expect({ ...stateOf(item), reported: null }).toEqual({ ...expected, reported: null });
    }
    client.destroy();
  }, 240_000);

  it('It should run as the deployed job does: a segment an invocation, invoked again until finished', async () => {
    const app = await seed(await freshTable('rescore-job'));
    const segments = 3;
    let leads = 0;
    for (let segment = 0; segment < segments; segment++) {
      const input = rescoreJobInputSchema.parse({ segments, segment, maxWcuPerSecond: 3000 });
      // An invocation out of time before its first page: nothing done, not finished.
      const cut = await runRescoreJobStep(app, input, NOW, () => false);
      expect(cut).toMatchObject({ segment, finished: false, leads: 0, modelVersion: '2026-12-01' });
      let step = await runRescoreJobStep(app, input, NOW, () => true);
      for (let again = 0; !step.finished && again < 5; again++)
        step = await runRescoreJobStep(app, input, NOW, () => true);
      expect(step).toMatchObject({ finished: true, failed: [] });
      leads += step.leads;
    }
    expect(leads).toBe(emails.length);
    expect(await statesOf(app)).toEqual(await statesOf(whole));
    const bad = rescoreJobInputSchema.safeParse({ segments: 3, segment: 3 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['segment']);
  }, 240_000);

  it('It should not call a segment done when it stops inside a partition longer than a page', async () => {
    const tableName = await freshTable('rescore-long-partition');
    const app = Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName, config: current });
    const email = 'long.history@rescore-long.com';
    for (let k = 0; k < 12; k++) {
      const at = T0 + k * HOUR;
      await app.ingest(
        { eventId: `view-${k}`, email, type: 'page_view', occurredAt: at, attributes: { url: '/pricing' } },
        at,
      );
    }
    const next = Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName, config: candidate });
    let pages = 0;
    // Three items a page: the one partition (12 events and the lead) spans five pages; stop after one.
    const cut = await next.rescore(NOW, { segments: 1, pageSize: 3, keepGoing: () => pages++ < 1 });
    expect(cut).toMatchObject({ leads: 0, interrupted: true, complete: false });
    const rest = await next.rescore(NOW, { segments: 1, pageSize: 3 });
    expect(rest).toMatchObject({ leads: 1, rescored: 1, complete: true, resumed: true });
    expect((await next.repo.getLead(leadIdFor(email)))?.modelVersion).toBe('2026-12-01');
  }, 240_000);
});
