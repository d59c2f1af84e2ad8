import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IN_FLIGHT, importCommand, type OpenSink } from '#scripts/cli/import.ts';
import { CliError, UsageError } from '#scripts/cli/usage.ts';
import type { ImportReport } from '#scripts/import/csv-leads.ts';
import type { ImportedLead, ImportSink, ImportStatus } from '#shared/app/imported-lead.ts';
import type { IngestEvent } from '#shared/app/ingest.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An in-memory sink: idempotent by lead address and event id, as the real one; counts calls in flight. */
class FakeSink implements ImportSink {
  readonly leads: ImportedLead[] = [];
  readonly events: IngestEvent[] = [];
  private readonly stored = new Map<string, string>();
  private readonly eventIds = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly delayMs = 0) {}

  async importLead(lead: ImportedLead): Promise<ImportStatus> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    await sleep(this.delayMs);
    this.inFlight--;
    this.leads.push(lead);
    const before = this.stored.get(lead.email);
    this.stored.set(lead.email, JSON.stringify(lead));
    return before === JSON.stringify(lead) ? 'unchanged' : 'imported';
  }

  async importEvent(event: IngestEvent) {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    await sleep(this.delayMs);
    this.inFlight--;
    if (event.type === 'unknown_type') return { rejected: 'not an event type of this client', field: 'type' };
    this.events.push(event);
    if (this.eventIds.has(event.eventId)) return 'duplicate' as const;
    this.eventIds.add(event.eventId);
    return 'imported' as const;
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadscore-import-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function opener(sink: ImportSink) {
  const opened: { target: object; closed: boolean }[] = [];
  const open: OpenSink = async (target) => {
    const entry = { target, closed: false };
    opened.push(entry);
    return {
      sink,
      describe: 'table leadscore-test (fake)',
      close: async () => {
        entry.closed = true;
      },
    };
  };
  return { open, opened };
}

/** Runs `leadscore import ... --json` and parses what it printed. */
async function runJson(args: string[], open: OpenSink): Promise<{ code: number; report: ImportReport }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const code = await importCommand([...args, '--json'], open);
    expect(log).toHaveBeenCalledTimes(1);
    return { code, report: JSON.parse(String(log.mock.calls[0]?.[0])) as ImportReport };
  } finally {
    log.mockRestore();
  }
}

const CRM = [
  'Email,createdAt,outcome,outcomeAt,value,currency,Company,Lead Source,TotalVisits,zip',
  'jane@acme.io,2026-01-05,converted,2026-02-10T12:00:00Z,"12,000",EUR,Acme,Google,5,02134',
  'joe@beta.io,2026-01-06,lost,,,,"Beta, Inc",Select,0,90210',
  'ann@gamma.io,2026-01-07,,,,,Gamma,N/A,,',
  ',2026-01-08,,,,,NoMail,,,',
  'not-an-email,2026-01-08,,,,,Bad,,,',
  'jane@ACME.io,2026-01-09,lost,,,,Acme again,,,',
  'bob@delta.io,08/01/2026,,,,,Delta,,,',
  'eve@eps.io,2026-01-10,won,,,,Eps,,,',
].join('\n');

describe('leadscore import', () => {
  it('It should import the leads of a CRM export and report what it did as JSON', async () => {
    const sink = new FakeSink();
    const { open, opened } = opener(sink);
    const { code, report } = await runJson(
      [file('crm.csv', CRM), '--client', 'acme', '--endpoint', 'http://127.0.0.1:8000', '--table', 't'],
      open,
    );
    expect(code).toBe(0);
    expect(opened).toEqual([
      { target: { client: 'acme', endpoint: 'http://127.0.0.1:8000', table: 't' }, closed: true },
    ]);
    expect(sink.leads.map((l) => l.email).sort()).toEqual(['ann@gamma.io', 'jane@acme.io', 'joe@beta.io']);
    expect(sink.leads.find((l) => l.email === 'jane@acme.io')).toEqual({
      email: 'jane@acme.io',
      sourceId: 'jane@acme.io',
      createdAt: Date.parse('2026-01-05'),
      profile: { company: 'Acme', 'Lead Source': 'Google', TotalVisits: 5, zip: '02134' },
      outcome: { kind: 'converted', at: Date.parse('2026-02-10T12:00:00Z'), value: 12000, currency: 'EUR' },
    });
    expect(report).toMatchObject({
      target: 'table leadscore-test (fake)',
      dryRun: false,
      complete: true,
      rows: { read: 8, valid: 3, imported: 3, unchanged: 0, skipped: 5, failed: 0 },
      outcomes: { converted: 1, lost: 1, none: 1 },
      droppedColumns: [],
      events: null,
    });
    expect(report.skipped).toEqual([
      { reason: 'createdAt is not an ISO date or date-time', count: 1, rows: [8] },
      { reason: 'duplicate email', count: 1, rows: [7] },
      { reason: 'invalid email', count: 1, rows: [6] },
      { reason: 'no email', count: 1, rows: [5] },
      { reason: 'outcome is not converted, lost or blank', count: 1, rows: [9] },
    ]);
    expect(report.attributes).toEqual([
      { column: 'Company', field: 'company', kind: 'text', numeric: 0, text: 3, missing: 0, dropped: {} },
      {
        column: 'Lead Source',
        field: 'Lead Source',
        kind: 'text',
        numeric: 0,
        text: 1,
        missing: 2,
        dropped: {},
      },
      {
        column: 'TotalVisits',
        field: 'TotalVisits',
        kind: 'numeric',
        numeric: 2,
        text: 0,
        missing: 1,
        dropped: {},
      },
      { column: 'zip', field: 'zip', kind: 'mixed', numeric: 1, text: 1, missing: 1, dropped: {} },
    ]);
    expect(report.warnings).toEqual([expect.stringContaining('"Lead Source"')]);
  });

  it('It should find the leads of a second run unchanged', async () => {
    const sink = new FakeSink();
    const { open } = opener(sink);
    const path = file('again.csv', CRM);
    await runJson([path], open);
    const { code, report } = await runJson([path], open);
    expect(code).toBe(0);
    expect(report.rows).toMatchObject({ imported: 0, unchanged: 3 });
  });

  it('It should import leads known by an id with an outcome column and value', async () => {
    const sink = new FakeSink();
    const csv = file(
      'kaggle.csv',
      'Prospect ID,Lead Number,Converted,Lead Origin\np-1,660737,1,API\np-2,660728,0,Landing Page Submission\n',
    );
    const { code, report } = await runJson(
      [csv, '--id-column', 'Prospect ID', '--outcome-column', 'Converted', '--converted-value', '1'],
      opener(sink).open,
    );
    expect(code).toBe(0);
    expect(report.outcomes).toEqual({ converted: 1, lost: 1, none: 0 });
    expect(sink.leads.map((l) => [l.email, l.sourceId, l.outcome?.kind, l.profile]).sort()).toEqual([
      ['p-1@import.invalid', 'p-1', 'converted', { 'Lead Number': 660737, 'Lead Origin': 'API' }],
      [
        'p-2@import.invalid',
        'p-2',
        'lost',
        { 'Lead Number': 660728, 'Lead Origin': 'Landing Page Submission' },
      ],
    ]);
  });

  it('It should keep at most 8 leads in flight', async () => {
    const sink = new FakeSink(2);
    const rows = Array.from({ length: 200 }, (_, i) => `lead${i}@x.io,${i}`);
    const { report } = await runJson([file('many.csv', ['email,n', ...rows].join('\n'))], opener(sink).open);
    expect(report.rows.imported).toBe(200);
    expect(sink.maxInFlight).toBe(IN_FLIGHT);
  });

  it('It should import an events file, reporting bad lines by line and field', async () => {
    const sink = new FakeSink(1);
    const csv = file('leads.csv', 'email\njane@acme.io\n');
    const lines = [
      {
        eventId: 'e1',
        email: 'jane@acme.io',
        type: 'page_view',
        occurredAt: '2026-01-06T10:00:00Z',
        attributes: { url: '/pricing' },
      },
      { email: 'jane@acme.io', type: 'email_open', occurredAt: '2026-01-07T10:00:00Z' },
      {
        eventId: 'e1',
        email: 'jane@acme.io',
        type: 'page_view',
        occurredAt: '2026-01-06T10:00:00Z',
        attributes: { url: '/pricing' },
      },
    ].map((e) => JSON.stringify(e));
    const events = file(
      'events.ndjson',
      [
        ...lines,
        '',
        '{not json',
        JSON.stringify({ email: 'jane@acme.io', type: 'PageView', occurredAt: '2026-01-06T10:00:00Z' }),
        JSON.stringify({ email: 'jane@acme.io', type: 'page_view' }),
        JSON.stringify({ email: 'jane@acme.io', type: 'unknown_type', occurredAt: '2026-01-06T10:00:00Z' }),
      ].join('\r\n'),
    );
    const { code, report } = await runJson([csv, '--events', events], opener(sink).open);
    expect(code).toBe(0);
    expect(report.events).toMatchObject({
      read: 7,
      valid: 4,
      imported: 2,
      duplicate: 1,
      rejected: 4,
      failed: 0,
    });
    expect(report.events?.problems).toEqual([
      expect.stringMatching(/^line 5: not JSON/),
      'line 6: type: event types are snake_case',
      'line 7: occurredAt: required in an imported event',
      'line 8: type: not an event type of this client',
    ]);
    expect(sink.events[0]).toEqual({
      eventId: 'e1',
      email: 'jane@acme.io',
      type: 'page_view',
      occurredAt: Date.parse('2026-01-06T10:00:00Z'),
      attributes: { url: '/pricing' },
      trusted: true,
    });
    expect(sink.events[1]?.eventId).toMatch(/^h_/);
    // one lead's events go one at a time
    expect(sink.maxInFlight).toBe(1);
  });

  it('It should check without writing on --dry-run', async () => {
    const open = vi.fn<OpenSink>();
    const { code, report } = await runJson([file('dry.csv', CRM), '--dry-run'], open);
    expect(code).toBe(0);
    expect(open).not.toHaveBeenCalled();
    expect(report).toMatchObject({ dryRun: true, target: null, rows: { valid: 3, imported: 0 } });
  });

  it('It should exit 1 when no row could be imported', async () => {
    const sink = new FakeSink();
    const { code, report } = await runJson([file('none.csv', 'email,x\n,1\nN/A,2\n')], opener(sink).open);
    expect(code).toBe(1);
    expect(report.skipped).toEqual([{ reason: 'no email', count: 2, rows: [2, 3] }]);
  });

  it('It should stop at a broken CSV, report what it read, and exit 1', async () => {
    const sink = new FakeSink();
    const { code, report } = await runJson(
      [file('broken.csv', 'email,notes\na@x.io,ok\nb@x.io,"never closed\nc@x.io,x\n')],
      opener(sink).open,
    );
    expect(code).toBe(1);
    expect(report).toMatchObject({ complete: false, rows: { read: 1, imported: 1 } });
    expect(report.stoppedBecause).toMatch(/^CSV error in .*broken\.csv at line \d+: Quote Not Closed/);
  });

  it('It should report leads the store failed to take and exit 1', async () => {
    const sink = new FakeSink();
    sink.importLead = async (lead) => {
      if (lead.email.startsWith('joe')) throw new Error('throttled');
      return 'imported';
    };
    const { code, report } = await runJson([file('fail.csv', CRM)], opener(sink).open);
    expect(code).toBe(1);
    expect(report.rows).toMatchObject({ imported: 2, failed: 1 });
    expect(report.failures).toEqual([{ row: 3, error: 'throttled' }]);
  });

  it('It should refuse a missing file, a file without an id column, and wrong flags', async () => {
    const { open, opened } = opener(new FakeSink());
    await expect(importCommand([join(dir, 'nope.csv')], open)).rejects.toThrow(
      new CliError(`cannot read the CSV file ${join(dir, 'nope.csv')}: ENOENT`),
    );
    await expect(importCommand([file('noid.csv', 'name\nJane\n')], open)).rejects.toThrow(/no email column/);
    await expect(importCommand([file('empty.csv', '')], open)).rejects.toThrow(/empty: no header row/);
    await expect(
      importCommand([file('ok.csv', CRM), '--events', join(dir, 'no.ndjson')], open),
    ).rejects.toThrow(CliError);
    await expect(importCommand([], open)).rejects.toThrow(UsageError);
    await expect(importCommand(['a.csv', 'b.csv'], open)).rejects.toThrow(UsageError);
    await expect(importCommand(['a.csv', '--bogus'], open)).rejects.toThrow(UsageError);
    await expect(importCommand(['a.csv', '--id-column', ' '], open)).rejects.toThrow(UsageError);
    expect(opened).toEqual([]);
  });

  it('It should print a readable summary, and progress on a terminal only', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      expect(await importCommand([file('text.csv', CRM)], opener(new FakeSink()).open)).toBe(0);
      const printed = String(log.mock.calls[0]?.[0]);
      expect(printed).toContain('Imported');
      expect(printed).toContain(
        'Rows: 8 read, 3 valid, 3 imported, 0 unchanged (already imported), 5 skipped',
      );
      expect(printed).toContain('skipped 1: no email (row 5)');
      expect(printed).toContain('Outcomes: 1 converted, 1 lost, 1 without');
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /\r1 rows read, 0 imported, 0 skipped/,
      );
      write.mockClear();
      log.mockRestore();
      await runJson([file('quiet.csv', CRM)], opener(new FakeSink()).open);
      expect(write).not.toHaveBeenCalled();
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
      write.mockRestore();
      log.mockRestore();
    }
  });
});

describe('leadscore import of a large file', () => {
  it('It should stream 200,000 rows with a retained heap far below the file size', {
    timeout: 180_000,
  }, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const path = join(dir, 'large.csv');
    const out = createWriteStream(path);
    out.write(
      'email,createdAt,outcome,value,currency,company,industry,employees,country,Lead Source,notes\n',
    );
    const note =
      'Met at the trade fair, asked about pricing for the enterprise plan, "follow up" next quarter';
    for (let chunk = 0; chunk < 200; chunk++) {
      const rows: string[] = [];
      for (let i = chunk * 1000; i < (chunk + 1) * 1000; i++)
        rows.push(
          `lead${i}@company${i % 5000}.example,2026-01-${String((i % 28) + 1).padStart(2, '0')},` +
            `${i % 7 === 0 ? 'converted' : i % 3 === 0 ? 'lost' : ''},${i % 7 === 0 ? i % 90_000 : ''},EUR,` +
            `Company ${i % 5000},Software,${(i % 500) * 10},DE,Google Ads,"${note} #${i}"\n`,
        );
      if (!out.write(rows.join(''))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    const fileSize = statSync(path).size;

    // The sink keeps nothing; every 20,000 leads it samples the heap that survives a full GC.
    let leads = 0;
    const retained: number[] = [];
    const used = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const sink: ImportSink = {
      importLead: async () => {
        if (++leads % 20_000 === 0) retained.push(used());
        return 'imported';
      },
      importEvent: async () => 'imported',
    };
    const before = used();
    const { code, report } = await runJson([path], opener(sink).open);
    const growth = Math.max(...retained) - before;
    console.info(
      `import of ${(fileSize / 1e6).toFixed(1)} MB, ${report.rows.read} rows in ${(report.elapsedMs / 1000).toFixed(1)} s: ` +
        `retained heap grew by at most ${(growth / 1e6).toFixed(1)} MB`,
    );
    expect(fileSize).toBeGreaterThan(30e6);
    expect(code).toBe(0);
    expect(report.rows).toMatchObject({ read: 200_000, imported: 200_000, skipped: 0 });
    // Reading the file into memory would retain more than its size; streaming keeps a few MB.
    expect(growth).toBeLessThan(fileSize / 2);
  });
});
