import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_FUNCTIONS, LOCAL_ROUTES } from '#local/stack.ts';
import { FUNCTIONS, functionsTriggeredBy, httpRoutes } from '#shared/manifest.ts';

const FUNCTIONS_DIR = join(import.meta.dirname, '..', '..', 'functions');

describe('Function manifest', () => {
  it('It should list every folder under functions/, each function and each route once', () => {
    const names = FUNCTIONS.map((spec) => spec.name);
    const folders = readdirSync(FUNCTIONS_DIR, { withFileTypes: true }).filter((entry) =>
      entry.isDirectory(),
    );
    expect(names).toEqual(expect.arrayContaining(folders.map((folder) => folder.name)));
    expect(new Set(names).size).toBe(names.length);
    const keys = httpRoutes().map((route) => route.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('It should give every public route a reason and keep every other API behind the API key or a signed link', () => {
    for (const route of httpRoutes()) {
      if (route.auth === 'public') expect(route.publicReason.length, route.key).toBeGreaterThan(20);
    }
    const auth = Object.fromEntries(httpRoutes().map((route) => [route.key, route.auth]));
    expect(auth).toEqual({
      'POST /v1/forms/{formId}': 'public',
      'POST /v1/events': 'apiKey',
      'GET /v1/leads': 'apiKey',
      'GET /v1/leads/{leadId}': 'apiKey',
      'GET /v1/leads/{leadId}/history': 'apiKey',
      'GET /v1/accounts/{domain}': 'apiKey',
      'POST /v1/leads/{leadId}/outcome': 'apiKey',
      'DELETE /v1/leads/{leadId}': 'apiKey',
      'GET /thanks.html': 'public',
      'GET /v1/leads/{leadId}/view': 'signedLink',
      'GET /console': 'public',
      'GET /console/{asset}': 'public',
    });
  });
});

describe('Local stack from the manifest', () => {
  it("It should serve exactly the manifest's routes, each with its function (preflights are the API's, from apiCors)", () => {
    const manifestRoutes = httpRoutes().map((route) => ({ routeKey: route.key, fn: route.fn }));
    expect([...LOCAL_ROUTES].sort(byRouteKey)).toEqual(manifestRoutes.sort(byRouteKey));
  });

  it('It should run every function an HTTP route, the schedule, the bus or the stream invokes', () => {
    const emulated = (['http', 'schedule', 'bus', 'stream'] as const).flatMap((kind) =>
      functionsTriggeredBy(kind).map((spec) => spec.name),
    );
    expect([...LOCAL_FUNCTIONS].sort()).toEqual(expect.arrayContaining(emulated.sort()));
    expect(emulated).toEqual(
      expect.arrayContaining([
        'forms',
        'events',
        'leads',
        'decay',
        'notify-slack',
        'notify-email',
        'outbox-relay',
      ]),
    );
  });
});

const byRouteKey = (a: { routeKey: string }, b: { routeKey: string }) => a.routeKey.localeCompare(b.routeKey);
