/**
 * Benchmark runner: `npm run bench -- <name> [args]` runs `bench/<name>.ts`. Each bench is its
 * own module exporting `run(args)` and prints its `BENCH <name> key=value ...` lines, which CI
 * and the README read. Adding a bench is one line in BENCHES.
 */
// The SDK's warning about the Node versions of 2027 concerns the deployed runtime, not a bench.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Bench {
  run(args: string[]): Promise<void> | void;
}

const BENCHES: Record<string, () => Promise<Bench>> = {
  core: () => import('./core.ts'),
  ingest: () => import('./ingest.ts'),
  decay: () => import('./decay.ts'),
  list: () => import('./list.ts'),
  cost: () => import('./cost.ts'),
  train: () => import('./train.ts'),
  simulate: () => import('./simulate.ts'),
  rescore: () => import('./rescore.ts'),
  coldstart: () => import('./coldstart.ts'),
};

export class UnknownBenchError extends Error {
  override name = 'UnknownBenchError';
}

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  const load = name === undefined ? undefined : BENCHES[name];
  if (!load) {
    throw new UnknownBenchError(
      `usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [args] (got ${name ?? 'nothing'})`,
    );
  }
  const bench = await load();
  await bench.run(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
