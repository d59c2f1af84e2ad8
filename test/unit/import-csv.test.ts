import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type ColumnPlan,
  type CsvRow,
  csvParser,
  DEFAULT_MISSING,
  ImportSummary,
  type MappingOptions,
  missingSetOf,
  parseIsoTime,
  parseNumber,
  planColumns,
  rowToLead,
  SeenLeads,
  syntheticEmail,
} from '#scripts/import/csv-leads.ts';

const NOW = Date.parse('2026-11-20T10:00:00Z');
const defaults: MappingOptions = { missing: missingSetOf(DEFAULT_MISSING) };

function planOf(header: string[], options: Partial<MappingOptions> = {}): ColumnPlan {
  const planned = planColumns(header, { ...defaults, ...options });
  if ('error' in planned) throw new Error(planned.error);
  return planned.plan;
}

/** Maps rows under a header; a row is a record, or its skip reason. */
function mapRows(header: string[], rows: string[][], options: Partial<MappingOptions> = {}) {
  const plan = planOf(header, options);
  return rows.map((row) => rowToLead(plan, row, NOW));
}

function leadOf(header: string[], row: string[], options: Partial<MappingOptions> = {}) {
  const [result] = mapRows(header, [row], options);
  if (!result || 'skip' in result)
    throw new Error(`skipped: ${result && 'skip' in result ? result.skip : ''}`);
  return result.lead;
}

async function parseCsv(text: string | Buffer): Promise<string[][]> {
  const records: string[][] = [];
  for await (const row of Readable.from([text]).pipe(csvParser())) records.push((row as CsvRow).record);
  return records;
}

describe('CSV import: columns', () => {
  it('It should take the email, outcome and date columns whatever their case, and every other as an attribute', () => {
    const plan = planOf([
      'EMAIL',
      'Outcome',
      'CreatedAt',
      'outcomeat',
      'Value',
      'currency',
      'Lead Source',
      'Company',
    ]);
    expect(plan.identity).toEqual({ index: 0, column: 'EMAIL', synthetic: false });
    expect(plan.outcome?.index).toBe(1);
    expect([plan.createdAt, plan.outcomeAt, plan.value, plan.currency]).toEqual([2, 3, 4, 5]);
    expect(plan.attributes).toEqual([
      { index: 6, column: 'Lead Source', field: 'Lead Source' },
      { index: 7, column: 'Company', field: 'company' },
    ]);
  });

  it('It should keep the first 40 custom columns by header order and name the ones dropped', () => {
    const custom = Array.from({ length: 45 }, (_, i) => `field${i + 1}`);
    const plan = planOf(['email', 'country', ...custom, 'jobTitle']);
    expect(plan.attributes.map((a) => a.field)).toEqual(['country', ...custom.slice(0, 40), 'jobTitle']);
    expect(plan.dropped).toEqual(
      custom.slice(40).map((column) => ({ column, reason: 'over the 40 custom fields a lead keeps' })),
    );
  });

  it('It should drop columns that cannot be profile fields, saying why', () => {
    const plan = planOf([
      'email',
      '',
      'constructor',
      'emailDomain',
      'Email',
      'Country',
      'country',
      'x'.repeat(65),
    ]);
    expect(plan.dropped.map((d) => d.reason)).toEqual([
      'no name',
      'reserved name',
      'derived from the email',
      'same name as an earlier column',
      'same name as an earlier column',
      'name longer than 64 characters',
    ]);
    expect(plan.attributes.map((a) => a.field)).toEqual(['country']);
  });

  it('It should ignore an email column when leads are identified by --id-column', () => {
    const plan = planOf(['Prospect ID', 'email', 'Converted'], {
      idColumn: 'Prospect ID',
      outcomeColumn: 'converted',
      convertedValue: '1',
    });
    expect(plan.identity).toEqual({ index: 0, column: 'Prospect ID', synthetic: true });
    expect(plan.outcome).toEqual({ index: 2, column: 'Converted', convertedValue: '1' });
    expect(plan.dropped).toEqual([
      { column: 'email', reason: 'not used: leads are identified by --id-column' },
    ]);
  });

  it('It should say which column is missing', () => {
    expect(planColumns(['name', 'company'], defaults)).toEqual({
      error: expect.stringContaining(
        'no email column: name the column that identifies a lead with --id-column',
      ),
    });
    expect(planColumns(['email'], { ...defaults, idColumn: 'Lead Number' })).toEqual({
      error: expect.stringContaining('no column "Lead Number" (--id-column)'),
    });
    expect(planColumns(['email'], { ...defaults, convertedValue: 'yes' })).toEqual({
      error: expect.stringContaining('--converted-value needs an outcome column'),
    });
  });
});

describe('CSV import: values', () => {
  it('It should parse plain and comma-grouped decimal numbers and keep everything else as text', () => {
    const cases: [string, number | undefined][] = [
      ['42', 42],
      ['-3.5', -3.5],
      ['0.25', 0.25],
      ['0', 0],
      ['1,234', 1234],
      ['1,234,567.5', 1234567.5],
      ['00123', undefined],
      ['+4915112345678', undefined],
      ['1e5', undefined],
      ['1,5', undefined],
      ['12,34', undefined],
      ['1234567890123456', undefined],
      ['.5', undefined],
      ['12 000', undefined],
    ];
    for (const [text, value] of cases) expect([text, parseNumber(text)]).toEqual([text, value]);
  });

  it('It should treat blanks and placeholders as missing, whatever their case, and keep booleans as text', () => {
    const lead = leadOf(
      ['email', 'A', 'B', 'C', 'D', 'E', 'F', 'G'],
      ['a@acme.io', 'Select', ' n/a ', 'NULL', '   ', 'true', 'No', 'Unknown'],
    );
    expect(lead.profile).toEqual({ E: 'true', F: 'No' });
  });

  it('It should use the --missing list instead of the default one', () => {
    const lead = leadOf(['email', 'A', 'B'], ['a@acme.io', 'Select', 'pending'], {
      missing: missingSetOf(['PENDING']),
    });
    expect(lead.profile).toEqual({ A: 'Select' });
  });

  it('It should map numbers in attributes and keep zip codes as text', () => {
    const lead = leadOf(
      ['email', 'TotalVisits', 'zip', 'annualRevenue', 'phone'],
      ['a@acme.io', '5', '02134', '1,200,000', '+1 555 0100'],
    );
    expect(lead.profile).toEqual({
      TotalVisits: 5,
      zip: '02134',
      annualRevenue: 1_200_000,
      phone: '+1 555 0100',
    });
  });

  it('It should give a lead known by an id a synthetic, lower-case address and keep the id as its source', () => {
    const uuid = '7927b2df-8bba-4d29-b9a2-b6e0beafe620';
    expect(leadOf(['Prospect ID'], [uuid], { idColumn: 'Prospect ID' })).toMatchObject({
      email: `${uuid}@import.invalid`,
      sourceId: uuid,
    });
    const lead = leadOf(['Lead Number'], [' ACME/Lead #12 '], { idColumn: 'Lead Number' });
    expect(lead.sourceId).toBe('ACME/Lead #12');
    expect(lead.email).toMatch(/^acme-lead-12-[0-9a-f]{10}@import\.invalid$/);
  });

  it('It should keep ids that differ only by case or punctuation apart', () => {
    const emails = ['abc', 'ABC', 'a b', 'a-b', 'a--b', '???'].map(syntheticEmail);
    expect(new Set(emails).size).toBe(emails.length);
    for (const email of emails) expect(email).toMatch(/^[a-z0-9-]{1,51}@import\.invalid$/);
  });

  it('It should skip a row without a valid email, or without an id, saying why', () => {
    expect(mapRows(['email', 'x'], [['', '1'], ['N/A', '1'], ['not-an-email', '1'], ['a@acme.io']])).toEqual([
      { skip: 'no email' },
      { skip: 'no email' },
      { skip: 'invalid email' },
      { skip: 'wrong number of fields' },
    ]);
    expect(mapRows(['Prospect ID'], [['Select']], { idColumn: 'Prospect ID' })).toEqual([
      { skip: 'no Prospect ID' },
    ]);
  });

  it('It should normalise the email of an email column', () => {
    expect(leadOf(['Email'], ['  Jane@Acme-Corp.COM '])).toMatchObject({
      email: 'jane@acme-corp.com',
      sourceId: 'jane@acme-corp.com',
    });
  });
});

describe('CSV import: outcomes and dates', () => {
  it('It should read converted, lost and blank outcomes of the outcome column', () => {
    const results = mapRows(
      ['email', 'outcome'],
      [
        ['a@x.io', 'Converted'],
        ['b@x.io', 'lost'],
        ['c@x.io', ''],
        ['d@x.io', 'won'],
      ],
    );
    expect(results.map((r) => ('lead' in r ? (r.lead.outcome?.kind ?? 'none') : r.skip))).toEqual([
      'converted',
      'lost',
      'none',
      'outcome is not converted, lost or blank',
    ]);
  });

  it('It should read an outcome column by its converted value: any other value is lost, blank is none', () => {
    const results = mapRows(
      ['Prospect ID', 'Converted'],
      [
        ['p1', '1'],
        ['p2', '0'],
        ['p3', ''],
        ['p4', 'n/a'],
      ],
      { idColumn: 'Prospect ID', outcomeColumn: 'Converted', convertedValue: '1' },
    );
    expect(results.map((r) => ('lead' in r ? (r.lead.outcome?.kind ?? 'none') : r.skip))).toEqual([
      'converted',
      'lost',
      'none',
      'none',
    ]);
  });

  it('It should parse ISO dates and date-times, UTC when no zone is given', () => {
    expect(parseIsoTime('2026-03-01')).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(parseIsoTime('2026-03-01T09:30:00Z')).toBe(Date.parse('2026-03-01T09:30:00Z'));
    expect(parseIsoTime('2026-03-01 09:30')).toBe(Date.parse('2026-03-01T09:30:00Z'));
    expect(parseIsoTime('2026-03-01T09:30:00.250+02:00')).toBe(Date.parse('2026-03-01T07:30:00.250Z'));
    expect(parseIsoTime('2026-03-01T09:30:00-0530')).toBe(Date.parse('2026-03-01T15:00:00Z'));
    for (const bad of ['03/01/2026', '2026-02-30', '2026-13-01', '2026-03-01T24:00', '2026-3-1', 'yesterday'])
      expect([bad, parseIsoTime(bad)]).toEqual([bad, undefined]);
  });

  it('It should take createdAt, outcomeAt, value and currency, which are not attributes', () => {
    const lead = leadOf(
      ['email', 'createdAt', 'outcome', 'outcomeAt', 'value', 'currency', 'industry'],
      ['a@x.io', '2026-01-05', 'converted', '2026-02-10T12:00:00Z', '12,500.50', 'eur', 'Software'],
    );
    expect(lead).toEqual({
      email: 'a@x.io',
      sourceId: 'a@x.io',
      createdAt: Date.parse('2026-01-05T00:00:00Z'),
      profile: { industry: 'Software' },
      outcome: { kind: 'converted', at: Date.parse('2026-02-10T12:00:00Z'), value: 12500.5, currency: 'EUR' },
    });
  });

  it('It should date a lead without createdAt at its outcome, else at the import', () => {
    const header = ['email', 'outcome', 'outcomeAt'];
    expect(leadOf(header, ['a@x.io', 'lost', '2026-02-10'])).toMatchObject({
      createdAt: Date.parse('2026-02-10'),
      outcome: { kind: 'lost', at: Date.parse('2026-02-10') },
    });
    expect(leadOf(header, ['a@x.io', '', ''])).toMatchObject({ createdAt: NOW });
    expect(leadOf(['email', 'createdAt', 'outcome'], ['a@x.io', '2026-01-05', 'lost']).outcome?.at).toBe(
      Date.parse('2026-01-05'),
    );
  });

  it('It should skip a row with a bad date, value or currency, naming the column', () => {
    const header = ['email', 'createdAt', 'outcome', 'outcomeAt', 'value', 'currency'];
    expect(
      mapRows(header, [
        ['a@x.io', '01/05/2026', '', '', '', ''],
        ['a@x.io', '2027-01-01', '', '', '', ''],
        ['a@x.io', '2026-02-01', 'lost', '2026-01-01', '', ''],
        ['a@x.io', '', 'converted', 'soon', '', ''],
        ['a@x.io', '', 'converted', '', 'lots', ''],
        ['a@x.io', '', 'converted', '', '-5', ''],
        ['a@x.io', '', 'converted', '', '10', 'euro'],
        // outcomeAt, value and currency are only read with an outcome
        ['a@x.io', '', '', 'soon', 'lots', 'euro'],
      ]),
    ).toEqual([
      { skip: 'createdAt is not an ISO date or date-time' },
      { skip: 'createdAt is in the future' },
      { skip: 'outcomeAt is before createdAt' },
      { skip: 'outcomeAt is not an ISO date or date-time' },
      { skip: 'value is not a number of at least 0' },
      { skip: 'value is not a number of at least 0' },
      { skip: 'currency is not a 3-letter code' },
      expect.objectContaining({ lead: expect.objectContaining({ email: 'a@x.io' }) }),
    ]);
  });
});

describe('CSV import: profile budget', () => {
  it('It should leave out a value longer than 1024 characters and report it', () => {
    const [result] = mapRows(['email', 'notes', 'company'], [['a@x.io', 'x'.repeat(1025), 'Acme']]);
    expect(result).toEqual({
      lead: expect.objectContaining({ profile: { company: 'Acme' } }),
      droppedValues: [{ field: 'notes', reason: 'longer than 1024 characters' }],
    });
  });

  it('It should keep the columns that fit when a row would make the profile too large', () => {
    const header = ['email', ...Array.from({ length: 20 }, (_, i) => `note${i}`)];
    const [result] = mapRows(header, [['a@x.io', ...header.slice(1).map(() => 'y'.repeat(1000))]]);
    if (!result || !('lead' in result)) throw new Error('skipped');
    const kept = Object.keys(result.lead.profile);
    expect(kept).toEqual(header.slice(1, 1 + kept.length));
    expect(kept.length).toBeGreaterThan(10);
    expect(JSON.stringify(result.lead.profile).length).toBeLessThan(16_384);
    expect(result.droppedValues.map((d) => d.field)).toEqual(header.slice(1 + kept.length));
  });
});

describe('CSV import: parsing', () => {
  it('It should read quoted fields with commas, quotes and newlines, a BOM and CRLF line ends', async () => {
    const text =
      '\uFEFFemail,notes,company\r\na@x.io,"Met at booth, ""hot""\r\ncall back",Acme\r\n\r\nb@x.io,,"Beta, Inc"\r\n';
    const records = await parseCsv(Buffer.from(text, 'utf8'));
    expect(records).toEqual([
      ['email', 'notes', 'company'],
      ['a@x.io', 'Met at booth, "hot"\r\ncall back', 'Acme'],
      ['b@x.io', '', 'Beta, Inc'],
    ]);
    const [header, ...rows] = records;
    const leads = mapRows(header!, rows);
    expect(leads[0]).toMatchObject({
      lead: { profile: { notes: 'Met at booth, "hot"\r\ncall back', company: 'Acme' } },
    });
    expect(leads[1]).toMatchObject({ lead: { email: 'b@x.io', profile: { company: 'Beta, Inc' } } });
  });

  it('It should keep a stray quote inside an unquoted field as text', async () => {
    expect(await parseCsv('email,screen\na@x.io,27" monitor\n')).toEqual([
      ['email', 'screen'],
      ['a@x.io', '27" monitor'],
    ]);
  });
});

describe('CSV import: bookkeeping', () => {
  it('It should remember every lead met, however many, and only those', () => {
    const seen = new SeenLeads();
    let added = 0;
    for (let i = 0; i < 50_000; i++) if (seen.add(`lead${i}@x.io`)) added++;
    expect(added).toBe(50_000);
    let again = 0;
    for (let i = 0; i < 50_000; i += 997) if (seen.add(`lead${i}@x.io`)) again++;
    expect(again).toBe(0);
    expect(seen.add('lead50000@x.io')).toBe(true);
  });

  it('It should count attribute values as numeric, text or missing, and outcomes', () => {
    const plan = planOf(['email', 'outcome', 'visits', 'zip', 'notes']);
    const summary = new ImportSummary(plan);
    const rows = [
      ['a@x.io', 'converted', '3', '02134', 'x'.repeat(2000)],
      ['b@x.io', 'lost', '', '90210', 'ok'],
      ['c@x.io', '', 'Select', '', ''],
    ];
    for (const row of rows) {
      const result = rowToLead(plan, row, NOW);
      if ('lead' in result) summary.accept(result.lead, result.droppedValues);
    }
    const report = summary.report({ file: 'f.csv', target: null, dryRun: true, elapsedMs: 1 });
    expect(report.outcomes).toEqual({ converted: 1, lost: 1, none: 1 });
    expect(report.attributes).toEqual([
      { column: 'visits', field: 'visits', kind: 'numeric', numeric: 1, text: 0, missing: 2, dropped: {} },
      { column: 'zip', field: 'zip', kind: 'mixed', numeric: 1, text: 1, missing: 1, dropped: {} },
      {
        column: 'notes',
        field: 'notes',
        kind: 'text',
        numeric: 0,
        text: 1,
        missing: 1,
        dropped: { 'longer than 1024 characters': 1 },
      },
    ]);
  });
});
