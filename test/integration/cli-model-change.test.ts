import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { leadscore } from '#test/support/cli.ts';
import { freshTable, testDynamoClient, testDynamoEndpoint } from '#test/support/dynamo.ts';

/**
 * "Changing the model safely" as the README walks it: edit the file, backtest it with
 * `leadscore simulate --model` (nothing written), then `leadscore rescore` once it is deployed.
 */
const TIMEOUT = 240_000;
const current = loadClientConfig('example');
const T0 = Date.now() - 3 * 86_400_000;
const HOUR = 3_600_000;

describe('leadscore simulate --model and rescore (DynamoDB Local)', () => {
  let dir: string;
  let table: string;
  let app: Leadscore;
  let candidateFile: string;
  const emails = Array.from({ length: 12 }, (_, i) => `pat${i}@model-change${i % 3}.com`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadscore-model-change-'));
    table = await freshTable('cli-model-change');
    app = Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName: table, config: current });
    for (const [i, email] of emails.entries()) {
      await app.ingest(
        {
          eventId: `f${i}`,
          email,
          type: 'form_submit',
          occurredAt: T0,
          attributes: { formId: 'newsletter' },
          profile: { email, jobTitle: 'Head of Growth', industry: 'software', company: `M${i}`, phone: '1' },
        },
        T0,
      );
      for (let k = 0; k < i % 4; k++)
        await app.ingest(
          {
            eventId: `v${i}-${k}`,
            email,
            type: 'page_view',
            occurredAt: T0 + (k + 1) * HOUR,
            attributes: { url: '/pricing' },
          },
          T0 + (k + 1) * HOUR,
        );
      await app.recordOutcome({
        leadId: leadIdFor(email),
        kind: i % 4 >= 2 ? 'converted' : 'lost',
        at: T0 + 10 * HOUR,
      });
    }
    const candidate = {
      ...current,
      model: {
        ...current.model,
        version: '2026-12-candidate',
        engagement: {
          ...current.model.engagement,
          rules: current.model.engagement.rules.map((r) =>
            r.id === 'pricing-page' ? { ...r, points: 40, cap: { points: 200, windowDays: 30 } } : r,
          ),
        },
      },
    };
    // A client file is named after its client: the candidate is another example.yaml.
    candidateFile = join(dir, 'example.yaml');
    await writeFile(candidateFile, stringify(candidate));
  }, TIMEOUT);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('It should backtest a candidate against the stored leads without writing anything', {
    timeout: TIMEOUT,
  }, async () => {
    const before = await Promise.all(
      emails.map(async (e) => (await app.repo.getLead(leadIdFor(e)))!.version),
    );
    const html = join(dir, 'whatif.html');
    const run = await leadscore([
      'simulate',
      '--model',
      candidateFile,
      '--json',
      '--html',
      html,
      '--endpoint',
      testDynamoEndpoint(),
      '--table',
      table,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      leads: number;
      candidateVersion: string;
      newMqls: number;
      topMovers: { diff: { ruleId: string }[] }[];
      outcomes: { current: { auc: { value: number } }; candidate: { auc: { value: number } } };
    };
    expect(report).toMatchObject({ leads: emails.length, candidateVersion: '2026-12-candidate' });
    expect(report.topMovers[0]!.diff.map((d) => d.ruleId)).toContain('pricing-page');
    expect(report.outcomes.candidate.auc.value).toBeGreaterThanOrEqual(report.outcomes.current.auc.value);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('2026-12-candidate');
    const after = await Promise.all(emails.map(async (e) => (await app.repo.getLead(leadIdFor(e)))!.version));
    expect(after).toEqual(before);

    const text = await leadscore([
      'simulate',
      '--model',
      candidateFile,
      '--endpoint',
      testDynamoEndpoint(),
      '--table',
      table,
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/What if: model .* → 2026-12-candidate/);
    expect(text.stdout).toMatch(/Backtest on 12 leads with an outcome: AUC/);
  });

  it('It should rescore every lead under the deployed version once, silently, and find nothing left after', {
    timeout: TIMEOUT,
  }, async () => {
    const run = await leadscore([
      'rescore',
      '--client',
      candidateFile,
      '--json',
      '--endpoint',
      testDynamoEndpoint(),
      '--table',
      table,
      '--segments',
      '2',
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      leads: number;
      rescored: number;
      eventsEmitted: number;
      complete: boolean;
    };
    expect(report).toMatchObject({
      leads: emails.length,
      rescored: emails.length,
      eventsEmitted: 0,
      complete: true,
    });
    for (const email of emails)
      expect((await app.repo.getLead(leadIdFor(email)))!.modelVersion).toBe('2026-12-candidate');
    const again = await leadscore([
      'rescore',
      '--client',
      candidateFile,
      '--endpoint',
      testDynamoEndpoint(),
      '--table',
      table,
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Complete: a re-run finds nothing left.');
  });
});
