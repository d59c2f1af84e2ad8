import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapDocument } from '#shared/clients/aws.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import type { LeadItem } from '#shared/store/lead-item.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { LeadRepository } from '#shared/store/lead-repository.ts';
import { type CliRun, leadscore } from '#test/support/cli.ts';
import { type CrmExport, RULE_SIGNS, writeCrmExport } from '#test/support/crm-export.ts';
import { freshTable, testDynamoClient, testDynamoEndpoint } from '#test/support/dynamo.ts';

/*
 * The feedback loop of PRODUCT §6.2a–§6.4 end to end, as an operator runs it: a messy CRM
 * export with known answers (test/support/crm-export.ts) imported into DynamoDB Local with
 * `leadscore import`, then `leadscore train` and `leadscore report` on that table. The truths
 * the generator knows — which columns carry signal and in which direction, each lead's true
 * probability, the column sales filled in after the fact — are held against what the CLI finds.
 */

/**
 * Distinct leads in the export. DynamoDB Local takes ~25 ms a write transaction on a loaded
 * two-core machine (and more as it fills up), and an imported lead is two of them: 1,400 leads
 * import in ~40 s, enough for the holdout AUC to be within a few hundredths of the truth.
 */
const LEADS = 800;
const TIMEOUT = 240_000;
/** What `train` refuses under (its default `--min-outcomes`). */
const MIN_OUTCOMES = 50;

interface ImportJson {
  complete: boolean;
  rows: { read: number; valid: number; imported: number; unchanged: number; skipped: number; failed: number };
  skipped: { reason: string; count: number }[];
  outcomes: { converted: number; lost: number; none: number };
  attributes: { column: string; field: string; kind: string; missing: number }[];
  elapsedMs: number;
}

interface TrainJson {
  status: 'trained';
  leads: number;
  positives: number;
  openLeads: number;
  holdout: {
    auc: number;
    aucInterval: { lower: number; upper: number } | null;
    aucCurrentModel: number;
  };
  features: { name: string; coefficient: number }[];
  suggestions: { ruleId: string; points: number; suggestedPoints: number }[];
  warnings: { feature: string; kind: string; detail: string; excluded?: boolean }[];
  seconds: number;
}

interface RefusalJson {
  status: 'refused';
  positives: number;
  negatives: number;
  needed: { positives: number; negatives: number };
}

interface ReportJson {
  counts: { leads: number; labelled: number; positives: number; negatives: number; open: number };
  auc: { value: number | null; interval: { lower: number; upper: number; level: number } | null };
  bands: { band: number; leads: number; rate: number | null }[];
}

const where = (table: string) => ['--endpoint', testDynamoEndpoint(), '--table', table];

const importArgs = (file: string, table: string) => [
  'import',
  file,
  '--id-column',
  'Prospect ID',
  '--outcome-column',
  'Converted',
  '--converted-value',
  '1',
  '--json',
  ...where(table),
];

function parsed<T>(run: CliRun): T {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** Every lead item of a table, through the repository's parallel scan. */
async function leadItems(repo: LeadRepository): Promise<LeadItem[]> {
  const items: LeadItem[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await repo.scanLeads(0, 1, cursor);
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return items;
}

describe('leadscore import, train and report on a CRM export with known answers (DynamoDB Local)', () => {
  let dir: string;
  let crm: CrmExport;
  let table: string;
  let trained: TrainJson;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadscore-model-loop-'));
    crm = await writeCrmExport(dir, { leads: LEADS });
    table = await freshTable('cli-model-loop');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('It should import every valid row once, say why the others were skipped and read Select as missing', {
    timeout: TIMEOUT,
  }, async () => {
    const report = parsed<ImportJson>(await leadscore(importArgs(crm.path, table)));

    expect(report.complete).toBe(true);
    expect(report.rows).toEqual({
      read: crm.expected.read,
      valid: crm.expected.valid,
      imported: crm.expected.valid,
      unchanged: 0,
      skipped: crm.expected.read - crm.expected.valid,
      failed: 0,
    });
    expect(Object.fromEntries(report.skipped.map((s) => [s.reason, s.count]))).toEqual(crm.expected.skipped);
    expect(report.outcomes).toEqual(crm.expected.outcomes);

    const attribute = (column: string) => report.attributes.find((a) => a.column === column);
    // The id and the outcome are not attributes; every other column is one.
    expect(attribute('Prospect ID')).toBeUndefined();
    expect(attribute('Converted')).toBeUndefined();
    expect(crm.expected.select.Specialization).toBeGreaterThan(LEADS / 10);
    for (const column of [
      'Specialization',
      'How did you hear about us',
      'country',
      'TotalVisits',
      'Tags',
    ] as const)
      expect(attribute(column)?.missing, column).toBe(crm.expected.missing[column] ?? 0);
    expect(attribute('Total Time Spent on Website')?.kind).toBe('numeric');
    expect(attribute('TotalVisits')?.kind).toBe('numeric');
    expect(attribute('Lead Origin')?.kind).toBe('text');
  });

  it('It should store each lead’s profile as read: numbers parsed, placeholders left out', {
    timeout: TIMEOUT,
  }, async () => {
    const repo = new LeadRepository(wrapDocument(testDynamoClient()), table);
    const records = [...crm.records.values()];
    const select = records.find(
      (r) => r.Specialization === 'Select' && r['Total Time Spent on Website'].includes(','),
    )!;
    expect(select).toBeDefined();
    const item = await repo.getLead(leadIdFor(`${select['Prospect ID']}@import.invalid`));
    const profile = stateOf(item!).profile;
    expect(profile.Specialization).toBeUndefined();
    expect(profile['Total Time Spent on Website']).toBe(
      Number(select['Total Time Spent on Website'].replace(',', '')),
    );
    expect(profile['Lead Number']).toBe(Number(select['Lead Number']));
    expect(profile['Lead Origin']).toBe(select['Lead Origin']);
  });

  it('It should raise no alert for an imported lead', { timeout: TIMEOUT }, async () => {
    const repo = new LeadRepository(wrapDocument(testDynamoClient()), table);
    const items = await leadItems(repo);
    expect(items).toHaveLength(crm.expected.valid);
    // The transactional outbox is what the table's stream carries to the bus and notifications.
    expect(items.filter((item) => item.outbox !== undefined)).toEqual([]);
  });

  it('It should change nothing when the same file is imported again', { timeout: TIMEOUT }, async () => {
    const report = parsed<ImportJson>(await leadscore(importArgs(crm.path, table)));

    expect(report.rows).toEqual({
      read: crm.expected.read,
      valid: crm.expected.valid,
      imported: 0,
      unchanged: crm.expected.valid,
      skipped: crm.expected.read - crm.expected.valid,
      failed: 0,
    });
    expect(report.outcomes).toEqual(crm.expected.outcomes);
  });

  it('It should leave out the sales-filled Tags and the identifiers, recover the honest signals and beat the rules', {
    timeout: TIMEOUT,
  }, async () => {
    trained = parsed<TrainJson>(await leadscore(['train', '--json', ...where(table)]));

    expect(trained.status).toBe('trained');
    expect(trained.leads).toBe(crm.expected.outcomes.converted + crm.expected.outcomes.lost);
    expect(trained.positives).toBe(crm.expected.outcomes.converted);
    expect(trained.openLeads).toBe(crm.expected.outcomes.none);

    // The leakage guard names Tags, and nothing honest.
    const leakage = trained.warnings.filter((w) => w.kind === 'leakage');
    expect(leakage.map((w) => w.feature)).toEqual(crm.columns.leakage);
    expect(leakage[0]!.excluded).toBe(true);
    expect(leakage[0]!.detail).toContain('"Tags" = "Will revert after reading the email"');
    expect(leakage[0]!.detail).toContain('"Tags" = "Ringing"');
    const names = trained.features.map((f) => f.name);
    expect(names.filter((name) => name.startsWith('Tags'))).toEqual([]);

    // The running number is an identifier; the id column is the lead's identity, never a feature.
    const identifiers = trained.warnings.filter((w) => w.kind === 'identifier').map((w) => w.feature);
    expect(identifiers).toEqual(['Lead Number']);
    for (const column of crm.columns.identifiers)
      expect(names.filter((name) => name.startsWith(column))).toEqual([]);
    // `Select` was read as missing: it is no level of its own.
    expect(names.filter((name) => name.endsWith('=Select'))).toEqual([]);

    const coefficient = (name: string) => {
      const feature = trained.features.find((f) => f.name === name);
      expect(feature, name).toBeDefined();
      return feature!.coefficient;
    };
    for (const signal of crm.columns.honest) {
      const difference = coefficient(signal.feature) - (signal.versus ? coefficient(signal.versus) : 0);
      expect(Math.sign(difference), `${signal.feature} vs ${signal.versus ?? 0}`).toBe(signal.sign);
    }

    const suggested = new Map(trained.suggestions.map((s) => [s.ruleId, s]));
    for (const [ruleId, sign] of Object.entries(RULE_SIGNS)) {
      const suggestion = suggested.get(ruleId);
      expect(suggestion, ruleId).toMatchObject({ ruleId, points: expect.any(Number) });
      expect(Math.sign(suggestion!.suggestedPoints), ruleId).toBe(sign);
    }

    // Near the best any model can do on these leads, well above the rules, which know titles only.
    const { auc, aucCurrentModel } = trained.holdout;
    expect(auc).toBeGreaterThan(crm.trueAuc - 0.06);
    expect(auc).toBeLessThan(crm.trueAuc + 0.05);
    expect(aucCurrentModel).toBeGreaterThan(0.52);
    expect(auc).toBeGreaterThan(aucCurrentModel + 0.08);
    expect(trained.holdout.aucInterval!.lower).toBeLessThan(auc);
  });

  it('It should train on Tags when told to keep it, and then all but separate the outcomes', {
    timeout: TIMEOUT,
  }, async () => {
    const kept = parsed<TrainJson>(await leadscore(['train', '--json', '--keep', 'Tags', ...where(table)]));

    const leakage = kept.warnings.find((w) => w.kind === 'leakage' && w.feature === 'Tags');
    expect(leakage?.excluded).toBe(false);
    const coefficient = (name: string) => kept.features.find((f) => f.name === name)?.coefficient;
    expect(coefficient('Tags=Will revert after reading the email')).toBeGreaterThan(1);
    expect(coefficient('Tags=Ringing')).toBeLessThan(0);
    expect(kept.holdout.auc).toBeGreaterThan(0.95);
    expect(kept.holdout.auc).toBeGreaterThan(trained.holdout.auc + 0.1);
    expect(kept.holdout.aucCurrentModel).toBe(trained.holdout.aucCurrentModel);
  });

  it('It should report the rules’ AUC with its interval, the score bands and one HTML file', {
    timeout: TIMEOUT,
  }, async () => {
    const out = join(dir, 'report.html');
    const report = parsed<ReportJson>(await leadscore(['report', '--json', '--out', out, ...where(table)]));

    expect(report.counts).toMatchObject({
      leads: crm.expected.valid,
      labelled: trained.leads,
      positives: trained.positives,
      open: crm.expected.outcomes.none,
    });
    const { value, interval } = report.auc;
    expect(value).toBeGreaterThan(0.5);
    expect(Math.abs(value! - trained.holdout.aucCurrentModel)).toBeLessThan(0.06);
    expect(interval!.level).toBe(0.95);
    expect(interval!.lower).toBeLessThan(value!);
    expect(interval!.upper).toBeGreaterThan(value!);
    expect(report.bands.length).toBeGreaterThanOrEqual(5);
    expect(report.bands.reduce((sum, band) => sum + band.leads, 0)).toBe(report.counts.labelled);
    // Top band converts better than the bottom one: the titles' points do carry some signal.
    expect(report.bands[0]!.rate!).toBeGreaterThan(report.bands.at(-1)!.rate!);
    expect((await stat(out)).size).toBeGreaterThan(20_000);
  });
});

describe('leadscore train with too few outcomes (DynamoDB Local)', () => {
  let dir: string;
  let crm: CrmExport;
  let table: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadscore-model-loop-few-'));
    crm = await writeCrmExport(dir, { leads: 30, seed: 7 });
    table = await freshTable('cli-model-loop-few');
    const imported = parsed<ImportJson>(await leadscore(importArgs(crm.path, table)));
    expect(imported.rows.imported).toBe(30);
  }, TIMEOUT);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('It should exit 1 and say how many more outcomes are needed, in text and in --json', {
    timeout: TIMEOUT,
  }, async () => {
    const { converted, lost } = crm.expected.outcomes;
    const needed = { positives: MIN_OUTCOMES - converted, negatives: MIN_OUTCOMES - lost };

    const [text, json] = await Promise.all([
      leadscore(['train', ...where(table)]),
      leadscore(['train', '--json', ...where(table)]),
    ]);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`Too few outcomes to train: ${converted} converted and ${lost} lost`);
    expect(text.stderr).toContain(
      `${needed.positives} more converted and ${needed.negatives} more lost or disqualified leads are needed`,
    );

    expect(json.code).toBe(1);
    const refusal = JSON.parse(json.stdout) as RefusalJson;
    expect(refusal).toMatchObject({ status: 'refused', positives: converted, negatives: lost, needed });
  });
});
