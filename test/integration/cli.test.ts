import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { DETAIL_TYPES } from '#shared/events/contracts.ts';
import { observe } from '#shared/scoring/engine.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { decodeOutbox } from '#shared/store/outbox.ts';
import { leadscore } from '#test/support/cli.ts';
import { freshTable, testDynamoClient, testDynamoEndpoint } from '#test/support/dynamo.ts';

const EVENTS_FIXTURE = 'test/fixtures/cli/events.ndjson';
const BROKEN_FIXTURE = 'test/fixtures/cli/broken.yaml';
/** Spawning node with tsx takes a few seconds on a busy machine. */
const CLI_TIMEOUT = 90_000;

describe('leadscore validate', () => {
  it('It should print OK and exit 0 for a valid configuration', { timeout: CLI_TIMEOUT }, async () => {
    const run = await leadscore(['validate', 'example']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK\s+clients\/example\.yaml$/m);
  });

  it('It should validate every file in clients/ when given none', { timeout: CLI_TIMEOUT }, async () => {
    const run = await leadscore(['validate']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('clients/example.yaml');
    expect(run.stdout).not.toContain('client.schema.json');
  });

  it('It should list every error with its path and exit 1 for a bad configuration', {
    timeout: CLI_TIMEOUT,
  }, async () => {
    const run = await leadscore(['validate', 'example', BROKEN_FIXTURE]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^OK\s+clients\/example\.yaml$/m);
    expect(run.stdout).toMatch(
      new RegExp(`^FAIL\\s+${BROKEN_FIXTURE.replace(/\./g, '\\.')} \\(3 errors\\)$`, 'm'),
    );
    expect(run.stdout).toMatch(/^ {2}model\.fit\.rules\[0\]\.points: /m);
    expect(run.stdout).toMatch(/^ {2}model\.engagement\.rules\[0\]\.when\[0\]\.op: /m);
    expect(run.stdout).toMatch(/^ {2}model\.decay\.halfLifeDays: /m);
  });

  it('It should print the results by file with --json', { timeout: CLI_TIMEOUT }, async () => {
    const run = await leadscore(['validate', 'example', BROKEN_FIXTURE, '--json']);
    expect(run.code).toBe(1);
    const printed = JSON.parse(run.stdout) as {
      results: { path: string; errors: string[] }[];
      failed: number;
    };
    expect(printed.failed).toBe(1);
    expect(printed.results.map((r) => [r.path, r.errors.length])).toEqual([
      ['clients/example.yaml', 0],
      [BROKEN_FIXTURE, 3],
    ]);
  });

  it('It should report a file that does not exist', { timeout: CLI_TIMEOUT }, async () => {
    const run = await leadscore(['validate', 'test/fixtures/cli/missing.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('(file): not found');
  });
});

describe('leadscore simulate', () => {
  it('It should rank the leads of an events file with segment, grade and reasons', {
    timeout: CLI_TIMEOUT,
  }, async () => {
    const run = await leadscore(['simulate', '--events', EVENTS_FIXTURE, '--at', '2026-11-04T00:00:00Z']);
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\n').filter((line) => /^\d+\s/.test(line));
    expect(rows.map((row) => row.split(/\s+/).slice(0, 5))).toEqual([
      ['1', expect.any(String), 'hot', 'A', 'ada@acme-analytics.com'],
      ['2', expect.any(String), 'warm', 'B', 'carol@globex.io'],
      ['3', expect.any(String), 'cold', 'D', 'bob@gmail.com'],
    ]);
    expect(rows[0]).toContain('demo-request: 30');
    // zed's only event is after --at.
    expect(run.stdout).toContain('Left out 1 event(s) after --at.');
  });

  it('It should count an anonymous visitor’s pages once the visitor is identified', {
    timeout: CLI_TIMEOUT,
  }, async () => {
    const run = await leadscore([
      'simulate',
      '--events',
      EVENTS_FIXTURE,
      '--at',
      '2026-11-04T00:00:00Z',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const simulation = JSON.parse(run.stdout) as {
      events: number;
      ranked: { email: string; score: number; reasons: string[] }[];
    };
    expect(simulation.events).toBe(7);
    const carol = simulation.ranked.find((lead) => lead.email === 'carol@globex.io');
    // contact form 25 + fit (industry 15, manager 10, size 10, missing phone −5) + email click 12
    // + the pricing page read before the form (10), each decayed a little.
    expect(carol!.score).toBeGreaterThan(67);
    expect(carol!.score).toBeLessThan(77);
  });

  it('It should name the line and field of every bad event and exit 1', {
    timeout: CLI_TIMEOUT,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadscore-cli-'));
    const file = join(dir, 'bad.ndjson');
    await writeFile(file, '{"email":"x@y.com","type":"Page View"}\nnot json\n');
    try {
      const run = await leadscore(['simulate', '--events', file]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('line 1: type: event types are snake_case');
      expect(run.stderr).toContain('line 2: not JSON');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('leadscore usage', () => {
  it('It should say in one line that a command is unknown and exit 2', { timeout: CLI_TIMEOUT }, async () => {
    const run = await leadscore(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: unknown command 'frobnicate' (see leadscore --help)\n");
  });

  it('It should exit 2 when decay is run without --now', { timeout: CLI_TIMEOUT }, async () => {
    const run = await leadscore(['decay', '--endpoint', 'http://127.0.0.1:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--now');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('leadscore decay on DynamoDB Local', () => {
  const config = loadClientConfig('example');
  const T0 = Date.parse('2026-11-02T09:00:00Z');
  const NOW = new Date(T0 + 9 * 86_400_000).toISOString();
  const emails = Array.from({ length: 8 }, (_, i) => `lead${i}@cli-decay.com`);
  let store: Leadscore;
  let tableName: string;

  beforeAll(async () => {
    tableName = await freshTable('cli-decay');
    store = Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName, config });
    for (const [i, email] of emails.entries()) {
      const profile = {
        email,
        company: 'CliCo',
        phone: '1',
        jobTitle: 'VP Sales',
        industry: 'software',
        employees: 500,
        country: 'US',
      };
      await store.ingest(
        {
          eventId: `f-${i}`,
          email,
          type: 'form_submit',
          occurredAt: T0,
          attributes: { formId: 'newsletter' },
          profile,
        },
        T0,
      );
      for (let k = 0; k < i % 4; k++) {
        await store.ingest(
          { eventId: `w-${i}-${k}`, email, type: 'webinar_attended', occurredAt: T0 + k, attributes: {} },
          T0 + k,
        );
      }
    }
  });

  const where = () => ['--endpoint', testDynamoEndpoint(), '--table', tableName];
  const decay = (...flags: string[]) => leadscore(['decay', '--now', NOW, ...where(), ...flags]);

  it('It should store the decayed leads, list each change and store its events with it', {
    timeout: CLI_TIMEOUT,
  }, async () => {
    const expected = new Map<string, string>();
    for (const email of emails) {
      const item = await store.repo.getLead(leadIdFor(email));
      const { state, changes } = observe(stateOf(item!), store.model, Date.parse(NOW));
      if (changes.segmentChange)
        expected.set(item!.leadId, `${changes.segmentChange.from} → ${state.reported.segment}`);
    }
    expect(expected.size).toBeGreaterThan(0);

    const run = await decay();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Changed leads: ${expected.size}`);
    for (const [leadId, move] of expected) expect(run.stdout).toContain(`${leadId}  ${move}`);
    for (const [leadId] of expected) {
      const item = await store.repo.getLead(leadId);
      expect(item!.updatedAt).toBe(NOW);
      // The outbox the table's stream carries to the bus.
      const events = decodeOutbox(item!.outbox!);
      expect(events.map((e) => e.detailType)).toContain(DETAIL_TYPES.segmentChanged);
      expect(events.every((e) => e.detail.cause === 'decay')).toBe(true);
    }
  });

  it('It should change nothing when run again for the same time', { timeout: CLI_TIMEOUT }, async () => {
    const run = await decay();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/written: 0\b/);
    expect(run.stdout).toContain('Changed leads: 0');
    expect(run.stdout).toContain('Events emitted: 0');
  });

  it('It should print the run as JSON with --json', { timeout: CLI_TIMEOUT }, async () => {
    const run = await decay('--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      target: `table ${tableName} at ${testDynamoEndpoint()}`,
      client: 'example',
      now: NOW,
      itemsWritten: 0,
      changed: [],
      complete: true,
    });
  });

  it('It should list the leads ranked, as GET /v1/leads does, with --json', {
    timeout: CLI_TIMEOUT,
  }, async () => {
    const run = await leadscore(['leads', '--json', '--limit', '5', ...where()]);
    expect(run.code, run.stderr).toBe(0);
    const page = JSON.parse(run.stdout) as {
      items: { email: string; score: number }[];
      nextCursor: string | null;
    };
    expect(page.items).toHaveLength(5);
    const scores = page.items.map((l) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(page.nextCursor).not.toBeNull();

    // The next page continues after the first: every lead once.
    const rest = await leadscore(['leads', '--json', '--cursor', page.nextCursor!, ...where()]);
    const listed = [...page.items, ...(JSON.parse(rest.stdout) as typeof page).items].map((l) => l.email);
    expect(listed.sort()).toEqual([...emails].sort());
  });

  it('It should print the ranked leads as a table, filtered', { timeout: CLI_TIMEOUT }, async () => {
    const all = await leadscore(['leads', '--json', '--limit', '100', ...where()]);
    const top = (
      JSON.parse(all.stdout) as { items: { email: string; segment: string; grade: string; score: number }[] }
    ).items[0]!;
    // The grade (fit) does not decay: the index and the read agree whatever the clock.
    const filtered = await leadscore(['leads', '--json', '--grade', top.grade, ...where()]);
    const expected = (JSON.parse(filtered.stdout) as { items: { email: string; grade: string }[] }).items;
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.every((l) => l.grade === top.grade)).toBe(true);

    const run = await leadscore(['leads', '--grade', top.grade, ...where()]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^#\s+score\s+segment\s+grade\s+lifecycle\s+lead\s+owner\s+top reason$/m);
    const rows = run.stdout.split('\n').filter((line) => /^\d+\s/.test(line));
    expect(rows.map((row) => row.split(/\s+/)[5])).toEqual(expected.map((l) => l.email));
    expect(rows[0]!.split(/\s+/).slice(0, 4)).toEqual(['1', top.score.toFixed(1), top.segment, top.grade]);
  });

  it('It should refuse a filter the model does not have, naming the flag, and exit 2', {
    timeout: CLI_TIMEOUT,
  }, async () => {
    const run = await leadscore(['leads', '--grade', 'Z', ...where()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --grade: one of A, B, C, D \(see leadscore leads --help\)$/m);
  });
});
