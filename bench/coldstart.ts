/**
 * `npm run bench -- coldstart [--client example] [--runs 7] [--keep]`: builds every function of
 * the manifest exactly as `cdk synth` does (`bench/coldstart-assets.ts`), zips each asset as it
 * is uploaded, and imports each bundled handler in a fresh Node process `--runs` times (in
 * rounds: every function once per round), from a task folder holding only its asset, with the
 * function's environment (dummy values for the stack's references) and an AWS SDK v3 resolvable
 * above it, as the Lambda runtime has one (the bundles carry their own). Prints, per function, `BENCH coldstart function=… zip_bytes=…
 * init_ms=…` (init: the median wall time of `await import(index.mjs)` in the child;
 * `init_cpu_ms`: its CPU time, less sensitive to a loaded machine; `process_ms`: the child's
 * whole run, Node's start included), then for each built-in domain list its first use (read,
 * decode, one lookup, in a fresh process) and lookup cost against the packages' JSON made a Set
 * as before, and a summary against the goals (zip ≤ 1 MB, init ≤ 150 ms).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '#cdk/constructs/leadscore-function.ts';
import { ASSET_ZIP_BUDGET_BYTES, unzippedBytes, zippedBytes } from '#scripts/asset-size.ts';
import { BUILT_IN_LISTS } from '#shared/config/conditions.ts';
import { type FunctionAsset, synthesizeAssets } from './coldstart-assets.ts';

const INIT_GOAL_MS = 150;

/** Imports the handler and prints how long the import took and whether it exports `handler`. */
const IMPORT_SCRIPT = `
const cpu = process.cpuUsage();
const started = performance.now();
const module = await import(process.argv[1]);
const initMs = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
if (typeof module.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ initMs, initCpuMs: (user + system) / 1000 }));
`;

/** Reads and decodes a compact list and looks one domain up; then times lookups. */
const LIST_SCRIPT = `
import { readFileSync } from 'node:fs';
const [formatModule, file] = process.argv.slice(1);
const { decodeDomainList } = await import(formatModule);
const started = performance.now();
const list = decodeDomainList(readFileSync(file));
list.has('example.com');
const firstUseMs = performance.now() - started;
const keys = list.domains().flatMap((d, i) => (i % 7 === 0 ? [d, 'x' + d] : []));
const rounds = Math.ceil(500000 / keys.length);
const lookupsStarted = performance.now();
let found = 0;
for (let round = 0; round < rounds; round++) for (const key of keys) if (list.has(key)) found++;
const lookupNs = ((performance.now() - lookupsStarted) * 1e6) / (rounds * keys.length);
process.stdout.write(JSON.stringify({ firstUseMs, lookupNs, found }));
`;

/** The lists as they were loaded before: the package's JSON required and made a Set. */
const JSON_SET_SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(process.argv[1]);
const started = performance.now();
const set = new Set(require(process.argv[2]).map((d) => d.toLowerCase()));
set.has('example.com');
const firstUseMs = performance.now() - started;
const keys = [...set].flatMap((d, i) => (i % 7 === 0 ? [d, 'x' + d] : []));
const rounds = Math.ceil(500000 / keys.length);
const lookupsStarted = performance.now();
let found = 0;
for (let round = 0; round < rounds; round++) for (const key of keys) if (set.has(key)) found++;
const lookupNs = ((performance.now() - lookupsStarted) * 1e6) / (rounds * keys.length);
process.stdout.write(JSON.stringify({ firstUseMs, lookupNs, found }));
`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Runs `node --input-type=module -e script args…` and parses the JSON it prints. */
function nodeScript<T>(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): T & { wallMs: number } {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], {
    cwd,
    env,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (child.status !== 0)
    throw new Error(`child failed (${child.status}): ${child.stderr.trim().slice(-2000)}`);
  return { ...(JSON.parse(child.stdout) as T), wallMs };
}

/**
 * A stand-in for Lambda's file system: the task folder holds only the asset, and the AWS SDK v3
 * (which the bundles leave out, as the runtime ships it) resolves from a `node_modules` above it,
 * so nothing else of the repository is reachable from the bundle.
 */
function taskFolder(asset: FunctionAsset, runtimeRoot: string): string {
  const task = join(runtimeRoot, 'task', asset.name);
  cpSync(asset.dir, task, { recursive: true });
  return task;
}

/** What Lambda sets besides the function's own variables. */
function lambdaEnvironment(asset: FunctionAsset, task: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: asset.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(asset.memoryMb),
    LAMBDA_TASK_ROOT: task,
    // The SDK warns at its first client on Node < 22 (this machine has Node 20); on Lambda's
    // nodejs24.x it does not, so the warning's cost is not part of a cold start there.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...asset.environment,
  };
}

interface FunctionFigures {
  readonly line: string;
  readonly zipBytes: number;
  readonly initMs: number;
}

type ImportSample = { initMs: number; initCpuMs: number; wallMs: number };

/** A function ready to be imported: its zip measured, its task folder and environment made. */
interface PreparedFunction {
  readonly asset: FunctionAsset;
  readonly zip: ReturnType<typeof zippedBytes>;
  readonly task: string;
  readonly env: NodeJS.ProcessEnv;
  readonly url: string;
  readonly samples: ImportSample[];
}

function prepareFunction(asset: FunctionAsset, runtimeRoot: string, zipDir: string): PreparedFunction {
  const zip = zippedBytes(asset.dir, join(zipDir, `${asset.name}.zip`));
  const task = taskFolder(asset, runtimeRoot);
  const env = lambdaEnvironment(asset, task);
  return { asset, zip, task, env, url: pathToFileURL(join(task, 'index.mjs')).href, samples: [] };
}

/**
 * `runs` rounds, each importing every function once: on a shared machine a busy spell then
 * slows one sample of every function instead of every sample of one, and the median drops it.
 */
function sampleInRounds(functions: readonly PreparedFunction[], runs: number): void {
  for (let round = 0; round < runs; round++)
    for (const fn of functions)
      fn.samples.push(nodeScript<ImportSample>(IMPORT_SCRIPT, [fn.url], fn.env, fn.task));
}

function figuresOf({ asset, zip, samples }: PreparedFunction): FunctionFigures {
  const initMs = median(samples.map((s) => s.initMs));
  const initCpuMs = median(samples.map((s) => s.initCpuMs));
  const processMs = median(samples.map((s) => s.wallMs));
  const line =
    `BENCH coldstart function=${asset.name} zip_bytes=${zip.bytes} init_ms=${initMs.toFixed(1)}` +
    ` init_cpu_ms=${initCpuMs.toFixed(1)} process_ms=${processMs.toFixed(1)} unzipped_bytes=${unzippedBytes(asset.dir)} runs=${samples.length}` +
    ` node_options=${asset.environment.NODE_OPTIONS ?? 'none'}${zip.how === 'zip' ? '' : ' zip=estimated'}`;
  return { line, zipBytes: zip.bytes, initMs };
}

function measureLists(assets: readonly FunctionAsset[], runs: number): string[] {
  const withLists = assets.find((asset) => asset.name === 'forms') ?? assets[0]!;
  const formatModule = pathToFileURL(join(PROJECT_ROOT, 'shared/scoring/domain-list-format.ts')).href;
  const env = { PATH: process.env.PATH, NODE_OPTIONS: '--import tsx' };
  const packageJson = {
    'personal-email-domains': 'email-providers/all.json',
    'disposable-email-domains': 'disposable-email-domains',
  };
  return BUILT_IN_LISTS.map((name) => {
    const file = join(withLists.dir, 'domain-lists', `${name}.br`);
    const compact = Array.from({ length: runs }, () =>
      nodeScript<{ firstUseMs: number; lookupNs: number }>(
        LIST_SCRIPT,
        [formatModule, file],
        env,
        PROJECT_ROOT,
      ),
    );
    const before = Array.from({ length: runs }, () =>
      nodeScript<{ firstUseMs: number; lookupNs: number }>(
        JSON_SET_SCRIPT,
        [join(PROJECT_ROOT, 'package.json'), packageJson[name]],
        { PATH: process.env.PATH },
        PROJECT_ROOT,
      ),
    );
    return (
      `BENCH coldstart_list list=${name} first_use_ms=${median(compact.map((r) => r.firstUseMs)).toFixed(1)}` +
      ` lookup_ns=${median(compact.map((r) => r.lookupNs)).toFixed(0)}` +
      ` json_set_first_use_ms=${median(before.map((r) => r.firstUseMs)).toFixed(1)}` +
      ` json_set_lookup_ns=${median(before.map((r) => r.lookupNs)).toFixed(0)} runs=${runs}`
    );
  });
}

export function run(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      client: { type: 'string', default: 'example' },
      runs: { type: 'string', default: '7' },
      keep: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer (got ${values.runs})`);
  const root = mkdtempSync(join(tmpdir(), 'leadscore-coldstart-'));
  try {
    const started = performance.now();
    const { assets, notBuilt } = synthesizeAssets(values.client, join(root, 'cdk.out'));
    console.log(
      `synthesized ${assets.length} functions in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    if (notBuilt.length > 0)
      console.log(`not in the ${values.client} stack (off in its configuration): ${notBuilt.join(', ')}`);
    const runtimeRoot = join(root, 'runtime');
    mkdirSync(join(runtimeRoot, 'node_modules'), { recursive: true });
    symlinkSync(
      join(PROJECT_ROOT, 'node_modules', '@aws-sdk'),
      join(runtimeRoot, 'node_modules', '@aws-sdk'),
    );
    const zipDir = join(root, 'zips');
    mkdirSync(zipDir);
    const functions = assets.map((asset) => prepareFunction(asset, runtimeRoot, zipDir));
    sampleInRounds(functions, runs);
    const figures = functions.map(figuresOf);
    for (const { line } of figures) console.log(line);
    for (const line of measureLists(assets, runs)) console.log(line);
    const maxZip = Math.max(...figures.map((f) => f.zipBytes));
    const maxInit = Math.max(...figures.map((f) => f.initMs));
    console.log(
      `BENCH coldstart_summary functions=${assets.length} max_zip_bytes=${maxZip} max_init_ms=${maxInit.toFixed(1)}` +
        ` zip_goal=${maxZip <= ASSET_ZIP_BUDGET_BYTES ? 'met' : 'missed'} init_goal=${maxInit <= INIT_GOAL_MS ? 'met' : 'missed'}`,
    );
  } finally {
    if (values.keep) console.log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}
