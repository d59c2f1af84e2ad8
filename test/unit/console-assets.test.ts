import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { serveSiteFile } from '#local/static-files.ts';
import { consoleAsset } from '#shared/api/console-assets.ts';
import { CONSOLE_ASSETS } from '#shared/api/console-files.ts';
import { functionSpec } from '#shared/manifest.ts';

/**
 * The console's files as GET /console/{asset} serves them, locally and deployed: only the listed
 * files, each with its type and the security headers, ECharts gzipped; and the list is complete
 * (every file the page and its modules load is in it, so the deployed bundle has them all).
 */
describe('GET /console/{asset}', () => {
  it('It should serve every console file with its content type and a same-origin CSP', async () => {
    for (const [name, path] of Object.entries(CONSOLE_ASSETS)) {
      const response = await consoleAsset(name, undefined);
      expect(response.statusCode, name).toBe(200);
      expect(response.body).toBe(readFileSync(path, 'utf8'));
      const type = String(response.headers?.['content-type']);
      expect(type).toMatch(
        name.endsWith('.html') ? /^text\/html/ : name.endsWith('.css') ? /^text\/css/ : /^text\/javascript/,
      );
      expect(String(response.headers?.['content-security-policy'])).toContain("default-src 'self'");
    }
  });

  it('It should gzip ECharts for a browser that accepts it', async () => {
    const response = await consoleAsset('echarts.min.js', 'gzip, deflate, br');
    expect(response.headers?.['content-encoding']).toBe('gzip');
    expect(response.isBase64Encoded).toBe(true);
    const zipped = Buffer.from(String(response.body), 'base64');
    expect(zipped.length).toBeLessThan(500_000);
    expect(gunzipSync(zipped).toString('utf8')).toBe(
      readFileSync('node_modules/echarts/dist/echarts.min.js', 'utf8'),
    );
    expect(response.headers?.['cache-control']).toBe('public, max-age=86400');
  });

  it('It should answer 404 naming asset for anything else, never reading another file', async () => {
    for (const asset of [
      'leads.html',
      '../package.json',
      '__proto__',
      'constructor',
      'index.html/',
      '',
      undefined,
    ]) {
      const response = await consoleAsset(asset, undefined);
      expect(response.statusCode, String(asset)).toBe(404);
      expect(JSON.parse(String(response.body))).toMatchObject({
        error: 'not_found',
        fields: [{ field: 'asset' }],
      });
    }
  });

  it('It should list every file the page and its modules load, and ship them with the function', () => {
    const html = readFileSync(CONSOLE_ASSETS['index.html']!, 'utf8');
    const loaded = [...html.matchAll(/(?:src|href)="([\w.-]+\.(?:js|css))"/g)].map((m) => m[1]);
    for (const [name, path] of Object.entries(CONSOLE_ASSETS)) {
      if (!name.endsWith('.js') || name === 'echarts.min.js') continue;
      loaded.push(...[...readFileSync(path, 'utf8').matchAll(/from '\.\/([\w.-]+\.js)'/g)].map((m) => m[1]));
    }
    expect(loaded.length).toBeGreaterThan(5);
    for (const name of loaded) expect(Object.keys(CONSOLE_ASSETS), name).toContain(name);
    expect(functionSpec('console').assets).toEqual(Object.values(CONSOLE_ASSETS));
  });
});

describe('The old leads page', () => {
  it('It should send /leads.html to the console, so old links and bookmarks still work', async () => {
    const moved = await serveSiteFile('scripts/site', '/leads.html');
    expect(moved).toMatchObject({ statusCode: 302, headers: { location: '/console/index.html' } });
    expect(await serveSiteFile('scripts/site', '/leads.js')).toBeUndefined();
  });
});
