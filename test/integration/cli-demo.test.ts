import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leadscore } from '#test/support/cli.ts';

/** A port nothing listens on: the demo then starts its own stack in memory. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Summary {
  stack: string;
  leads: {
    rank: number;
    email: string;
    segment: string;
    grade: string;
    score: number;
    topReasons: string[];
  }[];
  notifications: string[];
}

describe('leadscore demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-demo-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('It should play the month against a stack in memory and summarise every lead once, with --json', {
    timeout: 240_000,
  }, async () => {
    const run = await leadscore([
      'demo',
      '--json',
      '--data-dir',
      dataDir,
      '--port',
      String(await freePort()),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary.stack).toBe('in memory');
    // Twenty personas, each listed once (the disqualified after the bands), ranked 1..20.
    expect(summary.leads).toHaveLength(20);
    expect(new Set(summary.leads.map((l) => l.email)).size).toBe(20);
    expect(summary.leads.map((l) => l.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const banded = summary.leads.filter((l) => l.segment !== 'disqualified');
    expect(banded.map((l) => l.score)).toEqual([...banded.map((l) => l.score)].sort((a, b) => b - a));
    // The buyers crossed MQL: the month alerted sales.
    expect(summary.leads[0]!.segment).toBe('hot');
    expect(summary.notifications.some((f) => f.startsWith('slack/'))).toBe(true);
    expect(run.stderr).toBe('');
  });
});
