import { beforeAll, describe, expect, it } from 'vitest';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig, parseClientConfig } from '#shared/config/load.ts';
import { classify, foldEvents } from '#shared/scoring/engine.ts';
import { compileModel } from '#shared/scoring/model.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';

/** `leadscore simulate --model` against stored events (PRODUCT §6.5): what-if and backtest. */
const current = loadClientConfig('example');
/** The candidate values pricing views at 30 (from 10): the leads that viewed pricing rise. */
const candidate = parseClientConfig({
  ...current,
  model: {
    ...current.model,
    version: 'candidate-1',
    engagement: {
      ...current.model.engagement,
      rules: current.model.engagement.rules.map((rule) =>
        rule.id === 'pricing-page' ? { ...rule, points: 30, cap: { points: 200, windowDays: 30 } } : rule,
      ),
    },
  },
});
const T0 = Date.parse('2026-11-10T09:00:00Z');
const HOUR = 3_600_000;
const NOW = T0 + 2 * 86_400_000;
const emails = Array.from({ length: 40 }, (_, i) => `lead${i}@backtest${i % 7}.com`);
/** Leads with views convert (the candidate should rank them better). */
const views = (i: number) => i % 5;

describe('backtest on DynamoDB Local', () => {
  let app: Leadscore;
  let items: number;

  beforeAll(async () => {
    const tableName = await freshTable('backtest');
    app = Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName, config: current });
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
            company: `Backtest ${i}`,
            jobTitle: 'Director of Ops',
            industry: 'software',
            phone: '1',
          },
        },
        T0,
      );
      for (let k = 0; k < views(i); k++) {
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
      // Outcomes after the views: converters are the leads that looked at pricing three times or more.
      const outcome = views(i) >= 3 ? 'converted' : 'lost';
      await app.recordOutcome(
        { leadId: leadIdFor(email), kind: outcome, at: T0 + 10 * HOUR },
        T0 + 10 * HOUR,
      );
    }
    items = (await app.modelRows(NOW)).length;
  }, 240_000);

  it('It should count segment and MQL changes as replaying each lead under both models would', async () => {
    const versionsBefore = await Promise.all(
      emails.map(async (e) => (await app.repo.getLead(leadIdFor(e)))!.version),
    );
    const report = await app.backtest(candidate, NOW, { bootstrapIterations: 200 });
    expect(report).toMatchObject({
      leads: emails.length,
      currentVersion: current.model.version,
      candidateVersion: 'candidate-1',
    });

    const a = compileModel(current);
    const b = compileModel(candidate);
    let changed = 0;
    let newMqls = 0;
    for (const email of emails) {
      const leadId = leadIdFor(email);
      const events = await app.storedEvents(leadId);
      const before = classify(foldEvents(leadId, events, a), a, NOW);
      const after = classify(foldEvents(leadId, events, b), b, NOW);
      if (before.segment !== after.segment) changed++;
      if (after.thresholds.mql?.above && !before.thresholds.mql?.above) newMqls++;
    }
    expect(report.changedSegment).toBe(changed);
    expect(report.newMqls).toBe(newMqls);
    expect(report.changedSegment).toBeGreaterThan(0);
    expect(report.segmentMoves.reduce((s, m) => s + m.leads, 0)).toBe(changed);

    // The top mover viewed pricing most; its diff names the rule with both values.
    const top = report.topMovers[0]!;
    expect(top.candidate.score).toBeGreaterThan(top.current.score);
    expect(top.diff.find((d) => d.ruleId === 'pricing-page')).toMatchObject({
      candidate: expect.any(Number),
    });

    // Nothing was written.
    const versionsAfter = await Promise.all(
      emails.map(async (e) => (await app.repo.getLead(leadIdFor(e)))!.version),
    );
    expect(versionsAfter).toEqual(versionsBefore);
    expect((await app.modelRows(NOW)).length).toBe(items);
  }, 240_000);

  it('It should judge both models on the outcomes, side by side', async () => {
    const report = await app.backtest(candidate, NOW, { bootstrapIterations: 200 });
    expect(report.outcomes).not.toBeNull();
    const { current: was, candidate: would } = report.outcomes!;
    expect(was.counts.labelled).toBe(emails.length);
    expect(would.counts.positives).toBe(emails.filter((_, i) => views(i) >= 3).length);
    // The candidate weighs the views that tell converters apart more: it ranks at least as well.
    expect(would.auc.value!).toBeGreaterThanOrEqual(was.auc.value! - 1e-9);
    expect(would.bands.length).toBeGreaterThan(0);
  }, 240_000);
});
