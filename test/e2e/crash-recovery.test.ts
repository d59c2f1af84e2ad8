import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '#local/dynamodb-local.ts';
import { leadIdFor } from '#shared/store/identity.ts';

/**
 * A crash right after a change is stored (PRODUCT §4.1, §7.1): `npm start` with its own DynamoDB
 * Local (files in the data directory), an A-grade lead's demo request crossing MQL, the process
 * killed with SIGKILL as soon as the form is answered (before the stream is relayed, or while it
 * is), then started again on the same data directory: the change's events are relayed from the
 * stream where the poller's checkpoint left off, and sales get exactly one Slack message and one
 * email for the lead.
 */
const API_KEY = 'crash-test-key-0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-crash-'));
let stack: ChildProcess | undefined;
let output = '';

/** `npm start`, as a user runs it (no LEADSCORE_DYNAMODB_ENDPOINT: it starts DynamoDB Local). */
async function startStack(port: number): Promise<ChildProcess> {
  const { LEADSCORE_DYNAMODB_ENDPOINT: _shared, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: { ...env, PORT: String(port), LEADSCORE_DATA_DIR: dataDir, LEADSCORE_API_KEY: API_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
    if (health?.status === 200) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the local stack was not healthy in time:\n${output}`);
}

/** Processes whose command line names `text` (Linux `/proc`): the stack's DynamoDB Local. */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text) ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const notifications = (channel: 'slack' | 'email', leadId: string) => {
  try {
    return readdirSync(join(dataDir, 'outbox', channel)).filter(
      (f) => f.includes(leadId) && !f.endsWith('.tmp'),
    );
  } catch {
    return [];
  }
};
const checkpoint = (): string | undefined => {
  try {
    const saved = JSON.parse(readFileSync(join(dataDir, 'stream-checkpoints.json'), 'utf8'));
    return Object.values(saved.shards as Record<string, { sequenceNumber?: string }>)
      .map((s) => s.sequenceNumber ?? '')
      .sort()
      .at(-1);
  } catch {
    return undefined;
  }
};

afterAll(async () => {
  if (stack && stack.exitCode === null && stack.signalCode === null) {
    const exited = once(stack, 'exit');
    stack.kill('SIGTERM');
    await exited;
  }
  // Only the DynamoDB Local of this test's data directory, should one have outlived its stack.
  for (const pid of processesMentioning(join(dataDir, 'dynamodb'))) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start killed with SIGKILL right after a change', () => {
  it('It should notify sales exactly once per channel after a restart on the same data directory', async () => {
    const port = await findFreePort();
    const base = `http://127.0.0.1:${port}`;
    stack = await startStack(port);

    // An A-grade lead's first activity: scored, relayed and checkpointed, nothing to notify.
    const email = `dana.scully.${Date.now()}@growthco.io`;
    const webinar = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [
          { eventId: 'crash-webinar', email, type: 'webinar_attended', attributes: { webinar: 'Q4' } },
        ],
      }),
    });
    expect(webinar.status).toBe(200);
    await waitFor(() => checkpoint() !== undefined, 'the first write to be relayed');
    const before = checkpoint() as string;

    // The demo request crosses MQL (fast track); the process dies as soon as it is answered.
    const form = await fetch(`${base}/v1/forms/demo-request`, {
      method: 'POST',
      // A fetch of a urlencoded form (Node's fetch says Sec-Fetch-Mode: cors): answered with JSON.
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        work_email: email,
        full_name: 'Dana Scully',
        company: 'GrowthCo',
        jobTitle: 'VP Marketing',
        phone: '+1 555 0100',
        country: 'US',
        industry: 'software',
        employees: '800',
      }),
      redirect: 'manual',
    });
    const killed = once(stack, 'exit');
    stack.kill('SIGKILL');
    expect(form.status).toBe(200);
    await killed;
    // DynamoDB Local follows its parent (its stdin closes), leaving its files to the next start.
    await waitFor(
      () => processesMentioning(join(dataDir, 'dynamodb')).length === 0,
      'DynamoDB Local to exit',
    );

    const lead = leadIdFor(email);
    stack = await startStack(port);
    await waitFor(
      () => notifications('slack', lead).length > 0 && notifications('email', lead).length > 0,
      'the notifications of the crossing',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // late duplicates would show up here

    expect(notifications('slack', lead)).toHaveLength(1);
    expect(notifications('email', lead)).toHaveLength(1);
    expect((checkpoint() ?? '') > before).toBe(true);
    expect(() => readFileSync(join(dataDir, 'dead-letter.jsonl'))).toThrow();
  }, 150_000);
});
