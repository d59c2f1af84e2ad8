import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodedObjectArb,
  type FuzzBody,
  hugeText,
  hugeTextArb,
  malformedBodyArb,
  nearlyValidFormArb,
  withFuzzBody,
  wrongFormArb,
} from '#test/fixtures/api-arbitraries.ts';
import {
  type ApiHarness,
  type ApiResponse,
  formRequest,
  type HttpHandler,
  httpApiEvent,
  invokeEvent,
  startApiHarness,
} from '#test/support/api-gateway.ts';

/**
 * Fuzzing POST /v1/forms/{formId} (public, so it gets whatever the internet sends): never a 5xx,
 * every 4xx a JSON body with an `error`, and nothing stored for a rejected submission.
 */
let harness: ApiHarness;
let forms: HttpHandler;
/** Items in the table after the previous run. */
let stored = 0;

beforeAll(async () => {
  harness = await startApiHarness('api-forms-fuzz');
  forms = (await import('#functions/forms/handler.ts')).handler as HttpHandler;
  stored = await harness.countItems();
});

afterAll(async () => {
  await harness?.stop();
});

const formIdArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('demo-request', 'contact', 'newsletter') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const originArb = fc.constantFrom(
  undefined,
  undefined,
  'https://www.example-analytics.com',
  'http://localhost:3000',
  'https://evil.example.net',
  'null',
);

/** Posts `fuzz` and checks the three promises; returns the response for further checks. */
async function postAndCheck(
  formId: string,
  origin: string | undefined,
  fuzz: FuzzBody,
): Promise<ApiResponse> {
  const event = withFuzzBody(httpApiEvent(formRequest(formId, undefined, origin ? { origin } : {})), fuzz);
  const response = await invokeEvent(forms, event);
  expect(response.statusCode, response.text).toBeLessThan(500);
  const after = await harness.countItems();
  if (response.statusCode >= 400) {
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(typeof (response.json as { error?: unknown } | undefined)?.error).toBe('string');
    expect(after, `a rejected submission (${response.statusCode}) stored items`).toBe(stored);
  }
  stored = after;
  return response;
}

describe('POST /v1/forms/{formId} under fuzzing', () => {
  it('It should answer 1,000 malformed bodies (random JSON, text, bytes, wrong types, any content type) with a JSON 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(formIdArb, originArb, malformedBodyArb(wrongFormArb), async (formId, origin, fuzz) => {
        await postAndCheck(formId, origin, fuzz);
      }),
      { numRuns: 1000 },
    );
  }, 600_000);

  it('It should answer 350 near-valid submissions in all three encodings with 2xx/303 or a JSON 4xx', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(encodedObjectArb(nearlyValidFormArb), async (fuzz) => {
        const response = await postAndCheck('demo-request', undefined, fuzz);
        if (response.statusCode < 400) {
          expect([200, 303]).toContain(response.statusCode);
          accepted++;
        }
      }),
      { numRuns: 350 },
    );
    // The generator is meant to reach the accepted path too.
    expect(accepted).toBeGreaterThan(0);
  }, 600_000);

  it('It should answer 413 to every body over 64 KiB, whatever its content type and encoding', async () => {
    const hugeArb = fc.tuple(
      fc.constantFrom(
        'application/json',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=b',
        'text/plain',
      ),
      hugeTextArb(64 * 1024 + 1, 200 * 1024),
      fc.boolean(),
    );
    await fc.assert(
      fc.asyncProperty(hugeArb, async ([contentType, recipe, asBytes]) => {
        const text = hugeText(recipe);
        const body = asBytes ? { bytes: new TextEncoder().encode(text) } : { text };
        const response = await postAndCheck('demo-request', undefined, { contentType, body });
        expect(response.statusCode).toBe(413);
      }),
      { numRuns: 60 },
    );
  }, 300_000);
});
