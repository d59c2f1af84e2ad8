import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchArb,
  type FuzzBody,
  hugeText,
  hugeTextArb,
  malformedBodyArb,
  withFuzzBody,
  wrongEventArb,
} from '#test/fixtures/api-arbitraries.ts';
import {
  type ApiHarness,
  type ApiResponse,
  eventsRequest,
  type HttpHandler,
  httpApiEvent,
  invokeEvent,
  startApiHarness,
} from '#test/support/api-gateway.ts';

/**
 * Fuzzing POST /v1/events: never a 5xx, every 4xx a JSON body with an `error`, nothing stored
 * for a rejected request, and for a batch exactly the accepted events stored (one item each,
 * plus one for each lead or visitor they created).
 */
let harness: ApiHarness;
let events: HttpHandler;
/** Items in the table after the previous run. */
let stored = 0;
/** Leads and visitors known to exist (an accepted event for another one creates its item). */
const known = new Set<string>();

beforeAll(async () => {
  harness = await startApiHarness('api-events-fuzz');
  events = (await import('#functions/events/handler.ts')).handler as HttpHandler;
  stored = await harness.countItems();
});

afterAll(async () => {
  await harness?.stop();
});

interface Result {
  status: string;
  leadId?: string;
  index?: number;
}

/** The events the handler saw in a body, as it reads them (one object, an array, `{ events }`). */
function eventsIn(fuzz: FuzzBody): unknown[] {
  if (fuzz.body === undefined) return [];
  const text = 'text' in fuzz.body ? fuzz.body.text : Buffer.from(fuzz.body.bytes).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  if (Array.isArray(body)) return body;
  const batch = (body as { events?: unknown } | null)?.events;
  return Array.isArray(batch) ? batch : [body];
}

/**
 * Checks that an answered request stored one item per accepted event plus one per lead or
 * visitor they created. An event with both an email and an anonymous id merges the visitor's
 * history into the lead (copies of its events): such runs are not counted.
 */
function expectOnlyAcceptedStored(fuzz: FuzzBody, response: ApiResponse, added: number) {
  const sent = eventsIn(fuzz);
  const json = response.json as Result & { results?: Result[] };
  const results = json.results ?? [json];
  let accepted = 0;
  let merged = false;
  const created = new Set<string>();
  for (const [position, result] of results.entries()) {
    if (result.status !== 'accepted' || !result.leadId) continue;
    accepted++;
    const raw = sent[result.index ?? position] as { email?: unknown; anonymousId?: unknown } | undefined;
    if (typeof raw?.email === 'string' && typeof raw?.anonymousId === 'string') merged = true;
    if (!known.has(result.leadId)) created.add(result.leadId);
  }
  for (const result of results) if (result.leadId) known.add(result.leadId);
  if (!merged) expect(added, 'items stored for the accepted events').toBe(accepted + created.size);
}

/** Posts `fuzz` with the API key (unless `apiKey` is given) and checks the promises. */
async function postAndCheck(fuzz: FuzzBody, apiKey: string | null = harness.apiKey): Promise<ApiResponse> {
  const event = withFuzzBody(httpApiEvent(eventsRequest('', apiKey)), fuzz);
  const response = await invokeEvent(events, event);
  expect(response.statusCode, response.text).toBeLessThan(500);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const after = await harness.countItems();
  if (response.statusCode >= 400) {
    expect(typeof (response.json as { error?: unknown }).error).toBe('string');
    expect(after, `a rejected request (${response.statusCode}) stored items`).toBe(stored);
  } else {
    expectOnlyAcceptedStored(fuzz, response, after - stored);
  }
  stored = after;
  return response;
}

describe('POST /v1/events under fuzzing', () => {
  it('It should answer 1,000 malformed bodies (random JSON, text, bytes, wrong types, any content type) without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(malformedBodyArb(wrongEventArb), async (fuzz) => {
        await postAndCheck(fuzz);
      }),
      { numRuns: 1000 },
    );
  }, 600_000);

  it('It should store exactly the accepted events of 400 random batches (mostly bad, some good)', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(batchArb, async (batch) => {
        const response = await postAndCheck({
          contentType: 'application/json',
          body: { text: JSON.stringify(batch) },
        });
        expect([200, 400]).toContain(response.statusCode);
        if (response.statusCode === 200) {
          const body = response.json as { results?: Result[]; status?: string };
          for (const result of body.results ?? [body as Result]) {
            expect(['accepted', 'duplicate', 'rejected']).toContain(result.status);
            if (result.status === 'accepted') accepted++;
          }
        }
      }),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(0);
  }, 600_000);

  it('It should answer 413 to every body over 1 MiB', async () => {
    await fc.assert(
      fc.asyncProperty(hugeTextArb(1024 * 1024 + 1, 1_300_000), fc.boolean(), async (recipe, asBytes) => {
        const text = hugeText(recipe);
        const body = asBytes ? { bytes: new TextEncoder().encode(text) } : { text };
        const response = await postAndCheck({ contentType: 'application/json', body });
        expect(response.statusCode).toBe(413);
      }),
      { numRuns: 20 },
    );
  }, 300_000);

  it('It should answer 401/403 to any missing or wrong API key, whatever the body', async () => {
    const keyArb = fc.oneof(fc.constant(null), fc.constant(''), fc.string({ minLength: 1, maxLength: 80 }));
    await fc.assert(
      fc.asyncProperty(keyArb, batchArb, async (apiKey, batch) => {
        fc.pre(apiKey !== harness.apiKey);
        const response = await postAndCheck(
          { contentType: 'application/json', body: { text: JSON.stringify(batch) } },
          apiKey,
        );
        expect([401, 403]).toContain(response.statusCode);
      }),
      { numRuns: 80 },
    );
  }, 300_000);
});
