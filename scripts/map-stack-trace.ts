/**
 * `node --import tsx scripts/map-stack-trace.ts <map> < trace.txt`: rewrites the positions of a
 * deployed function's stack trace (`file:///var/task/index.mjs:68:91142`, as CloudWatch logs
 * it) to the TypeScript sources they come from, with the source map the synth kept in
 * `cdk.out/source-maps/<function name>.mjs.map`. Why: the maps are left out of the
 * Lambda assets and `--enable-source-maps` is off, both for the cold start (see `bundlingFor`
 * in `cdk/constructs/leadscore-function.ts`), so traces are mapped here, after the fact.
 * Uses Node's own `SourceMap` (node:module): no dependency.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** `index.mjs:<line>:<column>` with whatever path or URL precedes it. */
const BUNDLE_POSITION = /(?:[\w:/.@-]*\/)?index\.mjs:(\d+):(\d+)/g;

/**
 * Replaces every bundle position in `trace` by `<source>:<line>:<column>` (1-based, as stack
 * traces are), the source relative to `cwd` and found from `mapDir`, the folder of the map
 * (its `sources` are relative to it); a position the map does not cover is left as it was.
 */
export function mapStackTrace(
  trace: string,
  sourceMap: SourceMap,
  mapDir: string,
  cwd = process.cwd(),
): string {
  return trace.replace(BUNDLE_POSITION, (position, line: string, column: string) => {
    const origin = sourceMap.findOrigin(Number(line), Number(column));
    if (!('fileName' in origin)) return position;
    const source = relative(cwd, resolve(mapDir, origin.fileName));
    return `${source}:${origin.lineNumber}:${origin.columnNumber}`;
  });
}

/** The map of a bundle, from its `.mjs.map` file. */
export const readSourceMap = (path: string): SourceMap =>
  new SourceMap(JSON.parse(readFileSync(path, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [mapPath] = process.argv.slice(2);
  if (mapPath === undefined) {
    process.stderr.write('usage: map-stack-trace.ts <cdk.out/source-maps/<function>.mjs.map> < trace.txt\n');
    process.exit(2);
  }
  process.stdout.write(mapStackTrace(readFileSync(0, 'utf8'), readSourceMap(mapPath), dirname(mapPath)));
}
