/**
 * `npm run synth`: synthesizes every client's stack offline with the real CDK CLI (bundling
 * each function with the local esbuild, cdk-nag checking every stack), then prints the
 * minified size of each function's bundle and fails when one is over the budget: a lean bundle
 * is a fast cold start.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Largest `index.mjs` a function may have, in KiB. The AWS SDK v3 is bundled in (it halves the
 * handler's import, see `bundlingFor` in `cdk/constructs/leadscore-function.ts`), so the largest
 * bundle is ~660 KiB; `npm run bench -- coldstart` measures each zip and import itself.
 */
export const BUNDLE_BUDGET_KB = 800;

const OUTDIR = 'cdk.out';

/** A function's bundle in the cloud assembly. */
export interface BundleSize {
  stack: string;
  functionName: string;
  kb: number;
}

interface Manifest {
  artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
}
interface StackTemplate {
  Resources: Record<
    string,
    { Type: string; Properties?: { FunctionName?: string; Code?: { S3Key?: unknown } } }
  >;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Every Lambda function of every stack in `outdir`, with the size of its `index.mjs`. */
export function bundleSizes(outdir: string): BundleSize[] {
  const manifest = readJson<Manifest>(join(outdir, 'manifest.json'));
  return Object.entries(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .flatMap(([stack, artifact]) => {
      const template = readJson<StackTemplate>(join(outdir, artifact.properties?.templateFile ?? ''));
      return Object.values(template.Resources)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function')
        .map((resource) => {
          const key = resource.Properties?.Code?.S3Key;
          if (typeof key !== 'string') throw new Error(`${stack}: a function has no bundled asset`);
          const bundle = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
          return {
            stack,
            functionName: resource.Properties?.FunctionName ?? key,
            kb: statSync(bundle).size / 1024,
          };
        });
    });
}

/** One line per function: `Leadscore-acme  leadscore-acme-forms  312.4 KB  ok`. */
export function formatSizes(sizes: readonly BundleSize[], budgetKb = BUNDLE_BUDGET_KB): string[] {
  const width = Math.max(...sizes.map((s) => s.functionName.length));
  return sizes.map(
    (s) =>
      `${s.stack}  ${s.functionName.padEnd(width)}  ${s.kb.toFixed(1).padStart(7)} KB  ${s.kb > budgetKb ? `OVER ${budgetKb} KB` : 'ok'}`,
  );
}

function main(): void {
  const synth = spawnSync('npx', ['--no', 'cdk', 'synth', '--quiet', '--output', OUTDIR], {
    stdio: 'inherit',
  });
  if (synth.status !== 0) {
    process.stderr.write(`cdk synth failed (exit ${synth.status ?? synth.signal})\n`);
    process.exit(synth.status ?? 1);
  }
  const sizes = bundleSizes(OUTDIR);
  process.stdout.write(`\nFunction bundles (minified index.mjs, budget ${BUNDLE_BUDGET_KB} KB):\n`);
  for (const line of formatSizes(sizes)) process.stdout.write(`${line}\n`);
  const over = sizes.filter((s) => s.kb > BUNDLE_BUDGET_KB);
  if (over.length > 0) {
    process.stderr.write(`${over.length} bundle(s) over ${BUNDLE_BUDGET_KB} KB\n`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
