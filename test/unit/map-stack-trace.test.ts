import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { mapStackTrace, readSourceMap } from '#scripts/map-stack-trace.ts';

const root = mkdtempSync(join(tmpdir(), 'leadscore-trace-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SOURCE = `export function checkOrder(total: number): number {
  if (total < 0) {
    throw new Error('negative total');
  }
  return total;
}
`;

describe('mapping a deployed stack trace', () => {
  it('It should point a minified bundle’s frame at the TypeScript line that threw', async () => {
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src', 'order.ts'), SOURCE);
    // Bundled as the functions are (minified, external map), then the map moved out as the synth does.
    buildSync({
      entryPoints: [join(root, 'src', 'order.ts')],
      outfile: join(root, 'bundle', 'index.mjs'),
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      sourcemap: 'external',
      sourcesContent: false,
      logLevel: 'silent',
    });
    mkdirSync(join(root, 'source-maps'));
    renameSync(join(root, 'bundle', 'index.mjs.map'), join(root, 'source-maps', 'fn.mjs.map'));

    const bundle = await import(pathToFileURL(join(root, 'bundle', 'index.mjs')).href);
    const trace = (() => {
      try {
        bundle.checkOrder(-1);
      } catch (error) {
        return (error as Error).stack ?? '';
      }
      return '';
    })();
    expect(trace).toMatch(/index\.mjs:1:\d+/);

    const mapped = mapStackTrace(
      trace,
      readSourceMap(join(root, 'source-maps', 'fn.mjs.map')),
      join(root, 'source-maps'),
      root,
    );
    expect(mapped).toContain('Error: negative total');
    expect(mapped).toMatch(/src\/order\.ts:3:\d+/);
    expect(mapped).not.toMatch(/index\.mjs:1:/);
  });

  it('It should leave lines that are not bundle positions as they were', () => {
    const map = readSourceMap(join(root, 'source-maps', 'fn.mjs.map'));
    const log = 'at ModuleJob.run (node:internal/modules/esm/module_job:325:25)';
    expect(mapStackTrace(log, map, root, root)).toBe(log);
  });
});
