import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unzippedBytes, zippedBytes } from '#scripts/asset-size.ts';

const root = mkdtempSync(join(tmpdir(), 'leadscore-asset-size-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An asset like a function's: a compressible bundle and an already compressed data file. */
function sampleAsset(): string {
  const asset = join(root, 'asset');
  mkdirSync(join(asset, 'domain-lists'), { recursive: true });
  const code = Array.from({ length: 4000 }, (_, i) => `function f${i}(a){return a*${i}+"${i % 97}"}`).join(
    ';',
  );
  writeFileSync(join(asset, 'index.mjs'), code);
  writeFileSync(join(asset, 'domain-lists', 'list.br'), randomBytes(200_000));
  return asset;
}

describe('asset size', () => {
  it('It should size an asset as zip does, and estimate it closely without zip', () => {
    const asset = sampleAsset();
    const real = zippedBytes(asset, join(root, 'real.zip'));
    const estimate = zippedBytes(asset, join(root, 'estimate.zip'), 'no-such-zip-command');
    expect(real.how).toBe('zip');
    expect(estimate.how).toBe('deflate');
    expect(unzippedBytes(asset)).toBeGreaterThan(real.bytes);
    expect(real.bytes).toBeGreaterThan(200_000);
    expect(Math.abs(estimate.bytes - real.bytes) / real.bytes).toBeLessThan(0.02);
  });
});
