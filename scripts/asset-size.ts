/**
 * The size of a Lambda asset folder as uploaded (zipped) and as extracted, for the cold-start
 * bench (`npm run bench -- coldstart`) and the CDK test that holds each function under 1 MB.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';

/** The size each function's zip must stay under: a small zip is a fast code download at cold start. */
export const ASSET_ZIP_BUDGET_BYTES = 1024 * 1024;

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .sort();
}

/** Bytes of the asset unzipped (what Lambda extracts to /var/task). */
export const unzippedBytes = (dir: string): number =>
  filesUnder(dir).reduce((sum, path) => sum + statSync(join(dir, path)).size, 0);

/**
 * Bytes of the asset zipped as it is uploaded: by the `zip` CLI at level 9 when installed,
 * else each file deflated (zlib raw deflate, level 9) plus zip's per-file headers and central
 * directory. `how` says which; `zipCommand` is for tests of the estimate.
 */
export function zippedBytes(
  dir: string,
  zipFile: string,
  zipCommand = 'zip',
): { bytes: number; how: 'zip' | 'deflate' } {
  const zip = spawnSync(zipCommand, ['-q', '-r', '-X', '-9', zipFile, '.'], { cwd: dir, encoding: 'utf8' });
  if (!zip.error && zip.status === 0) return { bytes: statSync(zipFile).size, how: 'zip' };
  if ((zip.error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') {
    throw new Error(`zip failed for ${dir}: ${zip.stderr || zip.error?.message}`);
  }
  const LOCAL_HEADER = 30;
  const CENTRAL_HEADER = 46;
  const END_OF_DIRECTORY = 22;
  const bytes = filesUnder(dir).reduce((sum, path) => {
    const name = Buffer.byteLength(path);
    const data = readFileSync(join(dir, path));
    const stored = Math.min(deflateRawSync(data, { level: 9 }).length, data.length);
    return sum + LOCAL_HEADER + CENTRAL_HEADER + 2 * name + stored;
  }, END_OF_DIRECTORY);
  return { bytes, how: 'deflate' };
}
