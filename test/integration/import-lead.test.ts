import { describe, expect, it } from 'vitest';
import type { ImportedLead } from '#shared/app/imported-lead.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';

/** The import use case (PRODUCT §6.2a) on DynamoDB Local: a CRM row and its outcome, silently. */
const config = loadClientConfig('example');
const T0 = Date.parse('2026-06-01T09:00:00Z');
const NOW = Date.parse('2026-12-01T09:00:00Z');

const row = (email: string, kind: 'converted' | 'lost'): ImportedLead => ({
  email,
  sourceId: email,
  createdAt: T0,
  profile: { jobTitle: 'VP Sales', industry: 'software', employees: 800, 'Lead Source': 'Google' },
  outcome: { kind, at: T0 + 20 * 86_400_000, value: 1200, currency: 'EUR' },
});

async function app(prefix: string) {
  return Leadscore.forTable({
    doc: wrapDocument(testDynamoClient()),
    tableName: await freshTable(prefix),
    config,
  });
}

describe('importLead on DynamoDB Local', () => {
  it('It should store a new row and its outcome in one go, silently, and find it unchanged the second time', async () => {
    const store = await app('import-fast');
    expect(await store.importLead(row('ada@import-one.com', 'converted'), NOW)).toBe('imported');
    const item = (await store.repo.getLead(leadIdFor('ada@import-one.com')))!;
    expect(item.outbox).toBeUndefined();
    expect(item.createdAt).toBe(new Date(T0).toISOString());
    const state = stateOf(item);
    expect(state.lifecycle).toBe('customer');
    // Fit then: target industry 15 + size 10 + senior title 20, less missing company and phone.
    expect(state.outcomes?.converted).toMatchObject({ value: 1200, currency: 'EUR', score: 35, grade: 'B' });
    expect(state.profile['Lead Source']).toBe('Google');
    expect(await store.storedEvents(item.leadId)).toHaveLength(2);
    expect(await store.importLead(row('ada@import-one.com', 'converted'), NOW)).toBe('unchanged');
    expect(await store.storedEvents(item.leadId)).toHaveLength(2);
  }, 240_000);

  it('It should give a lead that already exists the same state as a new one would get', async () => {
    const fresh = await app('import-new');
    const existing = await app('import-existing');
    const email = 'bo@import-two.com';
    // On the second table the lead exists before the import: a web visit before its CRM row.
    const visit = {
      eventId: 'visit-1',
      email,
      type: 'page_view',
      occurredAt: T0 + 3_600_000,
      attributes: { url: '/blog' },
    };
    await existing.ingest(visit, T0 + 3_600_000);
    expect(await existing.importLead(row(email, 'lost'), NOW)).toBe('imported');
    await fresh.importLead(row(email, 'lost'), NOW);
    await fresh.importEvent(visit, NOW);
    const a = stateOf((await fresh.repo.getLead(leadIdFor(email)))!);
    const b = stateOf((await existing.repo.getLead(leadIdFor(email)))!);
    expect({ ...a, reported: null }).toEqual({ ...b, reported: null });
    expect(a.outcomes?.lost?.score).toBe(b.outcomes?.lost?.score);
  }, 240_000);
});
